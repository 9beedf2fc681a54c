package io.resumableupload.storage.gcs;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.Channels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.google.cloud.BaseServiceException;
import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;

import io.resumableupload.storage.StorageUnavailableException;

/**
 * {@link GcsApi} on the Cloud Storage SDK (HTTP/JSON transport). Credentials are Application Default Credentials
 * (workload identity on GKE, a service account key file in GOOGLE_APPLICATION_CREDENTIALS, gcloud's user login);
 * an explicit endpoint (an emulator) uses none.
 */
public final class SdkGcsApi implements GcsApi {

    private final Storage storage;
    private final String bucket;

    public SdkGcsApi(Storage storage, String bucket) {
        this.storage = storage;
        this.bucket = bucket;
    }

    /** A client for {@code bucket}: the SDK's defaults, or an emulator at {@code endpoint} without credentials. */
    public static SdkGcsApi connect(String bucket, Optional<URI> endpoint, int maxAttempts) {
        StorageOptions.Builder options = StorageOptions.http();
        options.setRetrySettings(StorageOptions.getDefaultRetrySettings().toBuilder().setMaxAttempts(maxAttempts).build());
        endpoint.ifPresent(e -> options.setHost(e.toString()).setCredentials(NoCredentials.getInstance())
                .setProjectId("emulator"));
        return new SdkGcsApi(options.build().getService(), bucket);
    }

    @Override
    public long create(String name, InputStream data, long size, String contentType, long ifGenerationMatch)
            throws IOException {
        BlobInfo info = BlobInfo.newBuilder(BlobId.of(bucket, name)).setContentType(contentType).build();
        Storage.BlobWriteOption condition = ifGenerationMatch == 0 ? Storage.BlobWriteOption.doesNotExist()
                : Storage.BlobWriteOption.generationMatch(ifGenerationMatch);
        try {
            return storage.createFrom(info, data, condition).getGeneration();
        } catch (BaseServiceException e) {
            throw failure("writing " + name, e);
        } catch (IOException e) {
            // A refusal after the upload session started (a later chunk, the final one) comes wrapped in an IOException:
            // unwrapped, so that a 412 at the end is a PreconditionFailedException like one at the start.
            if (e.getCause() instanceof BaseServiceException cause) {
                throw failure("writing " + name, cause);
            }
            throw e;
        }
    }

    @Override
    public ObjectInfo compose(List<String> sources, String target, String contentType, Long ifGenerationMatch)
            throws IOException {
        Storage.ComposeRequest.Builder request = Storage.ComposeRequest.newBuilder().addSource(sources)
                .setTarget(BlobInfo.newBuilder(BlobId.of(bucket, target)).setContentType(contentType).build());
        if (ifGenerationMatch != null) {
            request.setTargetOptions(ifGenerationMatch == 0 ? Storage.BlobTargetOption.doesNotExist()
                    : Storage.BlobTargetOption.generationMatch(ifGenerationMatch));
        }
        Blob blob = call("composing " + target, () -> storage.compose(request.build()));
        return info(blob);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> found = new ArrayList<>();
        call("listing " + prefix, () -> {
            storage.list(bucket, Storage.BlobListOption.prefix(prefix)).iterateAll().forEach(b -> found.add(info(b)));
            return null;
        });
        return found;
    }

    @Override
    public Optional<ObjectInfo> get(String name) throws IOException {
        return Optional.ofNullable(call("reading " + name, () -> storage.get(BlobId.of(bucket, name)))).map(SdkGcsApi::info);
    }

    @Override
    public InputStream read(String name, long position, long length) throws IOException {
        ReadChannel reader = call("reading " + name, () -> storage.reader(BlobId.of(bucket, name)));
        reader.seek(position);
        reader.limit(position + length);
        return Channels.newInputStream(reader);
    }

    @Override
    public void delete(String name, Long generation) throws IOException {
        call("deleting " + name, () -> generation == null ? storage.delete(BlobId.of(bucket, name))
                : storage.delete(BlobId.of(bucket, name), Storage.BlobSourceOption.generationMatch(generation)));
    }

    @Override
    public URI signedUrl(String name, Duration validity, String contentType, String contentDisposition) throws IOException {
        try {
            return call("signing a URL for " + name, () -> storage.signUrl(BlobInfo.newBuilder(BlobId.of(bucket, name)).build(),
                    validity.toSeconds(), TimeUnit.SECONDS, Storage.SignUrlOption.withV4Signature(),
                    Storage.SignUrlOption.withQueryParams(Map.of("response-content-type", contentType,
                            "response-content-disposition", contentDisposition))))
                    .toURI();
        } catch (URISyntaxException | IllegalStateException e) {
            // IllegalStateException: the credentials cannot sign (no service account key, no iam.serviceAccounts.signBlob)
            throw new IOException("signing a URL for " + name + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkBucket(Duration timeout) throws IOException {
        if (call("checking bucket " + bucket, () -> storage.get(bucket)) == null) {
            throw new IOException("bucket " + bucket + " does not exist");
        }
    }

    private static ObjectInfo info(Blob blob) {
        return new ObjectInfo(blob.getName(), blob.getSize(), blob.getGeneration());
    }

    private static <T> T call(String what, Supplier<T> request) throws IOException {
        try {
            return request.get();
        } catch (BaseServiceException e) {
            throw failure(what, e);
        }
    }

    private static IOException failure(String what, BaseServiceException e) {
        if (e.getCode() == 412) {
            return new PreconditionFailedException(what + ": precondition failed (412)");
        }
        if (e.getCode() == 404) {
            return new IOException(what + " failed: not found", e);
        }
        return new StorageUnavailableException(what + " failed: " + e.getCode() + " " + e.getMessage(), e);
    }
}
