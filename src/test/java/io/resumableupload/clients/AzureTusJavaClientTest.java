package io.resumableupload.clients;

import org.junit.jupiter.api.condition.EnabledIf;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.AzureProfile;
import io.resumableupload.support.Azurite;

/** tus-java-client end to end with the Azure backend (Azurite). */
@QuarkusTest
@TestProfile(AzureProfile.class)
@EnabledIf(value = "io.resumableupload.support.Azurite#runnable", disabledReason = Azurite.NEEDS_NODE)
class AzureTusJavaClientTest extends TusJavaClientTest {
}
