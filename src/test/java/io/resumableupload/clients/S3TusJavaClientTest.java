package io.resumableupload.clients;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.S3Profile;

/** tus-java-client end to end with the S3 backend. */
@QuarkusTest
@TestProfile(S3Profile.class)
class S3TusJavaClientTest extends TusJavaClientTest {
}
