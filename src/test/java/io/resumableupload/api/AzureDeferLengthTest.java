package io.resumableupload.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.AzureProfile;

/** {@link DeferLengthTest} with the Azure backend. */
@QuarkusTest
@TestProfile(AzureProfile.class)
class AzureDeferLengthTest extends DeferLengthTest {

    @Override
    void awaitReceived(String path, long bytes) throws Exception {
        AzureProfile.awaitSpooled(bytes);
    }
}
