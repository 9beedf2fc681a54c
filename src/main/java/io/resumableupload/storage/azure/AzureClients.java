package io.resumableupload.storage.azure;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;

/**
 * Builds the SDK client of the Azure backend: the JDK's HttpClient transport (the SDK's default Netty one does not
 * fit Quarkus's Netty), exponential retries of throttling and 5xx answers, and either a connection string (account
 * key, Azurite) or an endpoint with the default Azure credential chain (environment, workload identity on AKS,
 * managed identity, Azure CLI).
 */
public record AzureClients(Optional<String> connectionString, Optional<URI> endpoint, int maxAttempts) {

    static {
        // The SDK sets Content-Length itself (Put Block needs it); the JDK client refuses that header, with a warning
        // on every request, unless it is allowed before the client's first use.
        if (System.getProperty("jdk.httpclient.allowRestrictedHeaders") == null) {
            System.setProperty("jdk.httpclient.allowRestrictedHeaders", "content-length");
        }
    }

    /** Whether SAS tokens are signed with the account key (else with a user delegation key from Entra ID). */
    public boolean sharedKey() {
        return connectionString.isPresent();
    }

    public BlobServiceClient service() {
        HttpClient http = new JdkHttpClientBuilder().connectionTimeout(Duration.ofSeconds(10)).build();
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder().httpClient(http)
                .retryOptions(new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, maxAttempts, (Integer) null, null,
                        null, null));
        if (connectionString.isPresent()) {
            builder.connectionString(connectionString.get());
        } else if (endpoint.isPresent()) {
            builder.endpoint(endpoint.get().toString()).credential(new DefaultAzureCredentialBuilder().build());
        } else {
            throw new IllegalStateException(
                    "tus.storage.backend=azure needs tus.storage.azure.connection-string or tus.storage.azure.endpoint");
        }
        return builder.buildClient();
    }

    public BlobContainerClient container(String name) {
        return service().getBlobContainerClient(name);
    }
}
