package io.resumableupload.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.S3Profile;

/** {@link DeferLengthTest} with the S3 backend. */
@QuarkusTest
@TestProfile(S3Profile.class)
class S3DeferLengthTest extends DeferLengthTest {

    @Override
    void awaitReceived(String path, long bytes) throws Exception {
        S3Profile.awaitSpooled(bytes);
    }
}
