package io.resumableupload.api;

import org.junit.jupiter.api.condition.EnabledIf;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.AzureProfile;
import io.resumableupload.support.Azurite;

/** {@link DownloadTest} with the Azure backend. */
@QuarkusTest
@TestProfile(AzureProfile.class)
@EnabledIf(value = "io.resumableupload.support.Azurite#runnable", disabledReason = Azurite.NEEDS_NODE)
class AzureDownloadTest extends DownloadTest {
}
