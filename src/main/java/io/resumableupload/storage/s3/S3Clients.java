package io.resumableupload.storage.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Optional;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Builds the SDK client and presigner for the S3 backend: the JDK's HttpURLConnection transport (no Netty, no Apache
 * client), standard retries (connection failures included, see {@link IoFailuresRetried}), checksums only where S3
 * requires them.
 *
 * @param endpoint an S3-compatible store's endpoint; empty for AWS
 * @param region empty: the SDK's default region chain, else {@code us-east-1}
 * @param accessKeyId empty: the SDK's default credentials chain
 * @param maxAttempts tries per request, throttling and 5xx retried with backoff in between
 */
public record S3Clients(Optional<URI> endpoint, Optional<String> region, boolean pathStyle, Optional<String> accessKeyId,
        Optional<String> secretAccessKey, int maxAttempts) {

    public S3Client client() {
        var builder = S3Client.builder().httpClientBuilder(
                defaults -> new IoFailuresRetried(UrlConnectionHttpClient.builder().buildWithDefaults(defaults)))
                .credentialsProvider(credentialsProvider()).region(resolvedRegion())
                .serviceConfiguration(serviceConfiguration())
                // The default (a CRC trailer on every put, aws-chunked) is refused by several S3-compatible stores;
                // the signature and TLS still cover every part.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        // Standard mode: 5xx and throttling (503 SlowDown) retried with exponential backoff and jitter.
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build())
                        .build());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    public S3Presigner presigner() {
        var builder = S3Presigner.builder().credentialsProvider(credentialsProvider()).region(resolvedRegion())
                .serviceConfiguration(serviceConfiguration());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private S3Configuration serviceConfiguration() {
        return S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build();
    }

    private AwsCredentialsProvider credentialsProvider() {
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            throw new IllegalStateException(
                    "tus.storage.s3.access-key-id and tus.storage.s3.secret-access-key go together: set both or neither");
        }
        return accessKeyId.isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId.get(), secretAccessKey.get()))
                : DefaultCredentialsProvider.builder().build();
    }

    private Region resolvedRegion() {
        return region.map(Region::of).orElseGet(() -> {
            try {
                return DefaultAwsRegionProviderChain.builder().build().getRegion();
            } catch (RuntimeException e) {
                return Region.US_EAST_1;
            }
        });
    }

    /**
     * The JDK transport with its I/O failures handed to the SDK as {@link IOException}s, which its retry strategy
     * retries (as it does for its other transports). The transport wraps some of them, notably "Unexpected end of file
     * from server" while reading the status line, in an {@link UncheckedIOException}: that passes the SDK's retry stage
     * untouched and reached us as neither an SDK nor a storage failure. It is what a pooled keep-alive connection gives
     * after the S3 endpoint restarted (an append answered 500 in S3AppendUnderLoadTest). Every S3 call we make may be
     * repeated: parts and objects are replaced, a repeated completion finds the object, and a second multipart upload
     * created for a key is aborted with the upload (deletion lists them all).
     */
    static final class IoFailuresRetried implements SdkHttpClient {

        private final SdkHttpClient transport;

        IoFailuresRetried(SdkHttpClient transport) {
            this.transport = transport;
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            ExecutableHttpRequest prepared = transport.prepareRequest(request);
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    try {
                        return prepared.call();
                    } catch (UncheckedIOException e) {
                        throw e.getCause();
                    }
                }

                @Override
                public void abort() {
                    prepared.abort();
                }
            };
        }

        @Override
        public String clientName() {
            return transport.clientName();
        }

        @Override
        public void close() {
            transport.close();
        }
    }
}
