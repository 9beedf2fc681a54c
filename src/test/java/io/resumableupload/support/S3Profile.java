package io.resumableupload.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The test application on the S3 backend, against the shared s3proxy. */
public class S3Profile implements QuarkusTestProfile {

    public static final String PREFIX = "verbs/";

    @Override
    public Map<String, String> getConfigOverrides() {
        return S3Proxy.shared().config(PREFIX);
    }
}
