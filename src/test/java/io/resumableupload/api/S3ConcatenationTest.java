package io.resumableupload.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.S3Profile;
import io.resumableupload.support.S3Proxy;

/** {@link ConcatenationTest} with the S3 backend. */
@QuarkusTest
@TestProfile(S3Profile.class)
class S3ConcatenationTest extends ConcatenationTest {

    @Override
    void loseStoredBytes(String id) {
        S3Proxy.shared().client().deleteObject(r -> r.bucket(S3Proxy.BUCKET).key(S3Profile.PREFIX + id));
    }
}
