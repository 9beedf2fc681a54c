package io.resumableupload.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.S3Profile;

/** {@link PatchTest} with the S3 backend. */
@QuarkusTest
@TestProfile(S3Profile.class)
class S3PatchTest extends PatchTest {
}
