package io.resumableupload.api;

import org.junit.jupiter.api.condition.EnabledIf;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.AzureProfile;
import io.resumableupload.support.Azurite;

/** {@link ConcatenationTest} with the Azure backend (Put Block From URL, with a SAS: the container is private). */
@QuarkusTest
@TestProfile(AzureProfile.class)
@EnabledIf(value = "io.resumableupload.support.Azurite#runnable", disabledReason = Azurite.NEEDS_NODE)
class AzureConcatenationTest extends ConcatenationTest {

    @Override
    void loseStoredBytes(String id) {
        Azurite.shared().container().getBlobClient(AzureProfile.PREFIX + id).delete();
    }
}
