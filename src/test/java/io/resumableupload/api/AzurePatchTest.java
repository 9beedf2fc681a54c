package io.resumableupload.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.AzureProfile;

/** {@link PatchTest} with the Azure backend. */
@QuarkusTest
@TestProfile(AzureProfile.class)
class AzurePatchTest extends PatchTest {
}
