package io.resumableupload.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.AzureProfile;

/** {@link HeadTest} with the Azure backend. */
@QuarkusTest
@TestProfile(AzureProfile.class)
class AzureHeadTest extends HeadTest {
}
