package io.resumableupload.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.AzureProfile;

/** {@link ChecksumTest} with the Azure backend. */
@QuarkusTest
@TestProfile(AzureProfile.class)
class AzureChecksumTest extends ChecksumTest {

    @Override
    void awaitReceived(String path, long bytes) throws Exception {
        AzureProfile.awaitSpooled(bytes);
    }
}
