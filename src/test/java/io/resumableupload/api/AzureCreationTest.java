package io.resumableupload.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.AzureProfile;

/** {@link CreationTest} with the Azure backend. */
@QuarkusTest
@TestProfile(AzureProfile.class)
class AzureCreationTest extends CreationTest {
}
