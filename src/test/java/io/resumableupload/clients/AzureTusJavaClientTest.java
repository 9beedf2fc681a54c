package io.resumableupload.clients;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.AzureProfile;

/** tus-java-client end to end with the Azure backend (Azurite). */
@QuarkusTest
@TestProfile(AzureProfile.class)
class AzureTusJavaClientTest extends TusJavaClientTest {
}
