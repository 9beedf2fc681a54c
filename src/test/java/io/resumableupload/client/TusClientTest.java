package io.resumableupload.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.Poll;
import io.resumableupload.support.Tus;

/** The client against the real server. */
@QuarkusTest
class TusClientTest {

    private static final int SIZE = 6 * 1024 * 1024 + 321;

    @TestHTTPResource("/files/")
    URL endpointUrl;

    private URI endpoint;
    private Path file;
    private byte[] data;

    @BeforeEach
    void prepare() throws Exception {
        endpoint = endpointUrl.toURI();
        data = Tus.randomBytes(SIZE, 99);
        file = Files.createTempFile("client", ".bin");
        Files.write(file, data);
    }

    @AfterEach
    void clean() throws Exception {
        Files.deleteIfExists(file);
    }

    @Test
    void discovers_what_the_server_supports() throws Exception {
        try (TusClient client = TusClient.builder(endpoint).build()) {
            ServerCapabilities caps = client.capabilities();
            assertTrue(caps.supports("concatenation") && caps.supports("checksum") && caps.supports("creation-defer-length"));
            assertEquals(List.of(ChecksumAlgorithm.SHA1, ChecksumAlgorithm.SHA256, ChecksumAlgorithm.SHA512,
                    ChecksumAlgorithm.MD5).size(), caps.checksumAlgorithms().size());
            assertEquals(64L * 1024 * 1024, caps.maxSize().getAsLong());
        }
    }

    @Test
    void uploads_a_file_in_one_patch_with_metadata() throws Exception {
        try (TusClient client = TusClient.builder(endpoint).build()) {
            UploadResult result = client.upload(UploadSource.of(file),
                    UploadOptions.builder().metadata("filename", "naïve.bin").metadata("filetype", "application/octet-stream")
                            .build());
            assertEquals(SIZE, result.bytes());
            assertFalse(result.resumed());
            assertEquals(1, result.stats().chunksDone());
            assertArrayEquals(data, Tus.download(result.url().getPath()));
            Tus.head(result.url().getPath()).then().header("Upload-Metadata",
                    "filename bmHDr3ZlLmJpbg==,filetype YXBwbGljYXRpb24vb2N0ZXQtc3RyZWFt");
        }
    }

    @ParameterizedTest
    @EnumSource(ChecksumAlgorithm.class)
    void uploads_in_chunks_with_checksums(ChecksumAlgorithm algorithm) throws Exception {
        try (TusClient client = TusClient.builder(endpoint).chunkSize(1024 * 1024).checksum(algorithm).build()) {
            UploadResult result = client.upload(UploadSource.of(file), UploadOptions.defaults());
            assertEquals(7, result.stats().chunksDone());
            assertArrayEquals(data, Tus.download(result.url().getPath()));
        }
    }

    /** Parallel uploads through concatenation: N partials at once, then the final; byte-identical download. */
    @Test
    void uploads_in_parallel_through_concatenation() throws Exception {
        List<String> posts = Collections.synchronizedList(new ArrayList<>());
        try (TusClient client = TusClient.builder(endpoint).parallelUploads(4).checksumAuto()
                .beforeRequest((method, url, request) -> request.setHeader("X-Test-Auth", "token"))
                .afterResponse((method, url, status, headers) -> {
                    if (method.equals("POST")) {
                        posts.add(headers.firstValue("Location").orElse(""));
                    }
                }).build()) {
            UploadResult result = client.upload(UploadSource.of(file), UploadOptions.defaults());
            assertEquals(5, posts.size(), "4 partials and the final");
            assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(result.url().getPath())));
            Tus.head(result.url().getPath()).then().header("Upload-Concat", org.hamcrest.Matchers.startsWith("final;"));
        }
    }

    @Test
    void uploads_a_stream_of_known_size_and_one_of_unknown_size() throws Exception {
        try (TusClient client = TusClient.builder(endpoint).chunkSize(2 * 1024 * 1024).build()) {
            UploadResult known = client.upload(UploadSource.of(new ByteArrayInputStream(data), SIZE, null),
                    UploadOptions.defaults());
            assertArrayEquals(data, Tus.download(known.url().getPath()));
            UploadResult unknown = client.upload(UploadSource.ofUnknownLength(new ByteArrayInputStream(data)),
                    UploadOptions.defaults());
            assertEquals(SIZE, unknown.bytes());
            assertArrayEquals(data, Tus.download(unknown.url().getPath()));
        }
    }

    @Test
    void a_stream_whose_size_is_a_multiple_of_the_chunk_declares_its_length_at_the_end() throws Exception {
        byte[] exact = Tus.randomBytes(2 * 1024 * 1024, 5);
        try (TusClient client = TusClient.builder(endpoint).chunkSize(1024 * 1024).build()) {
            UploadResult result = client.upload(UploadSource.ofUnknownLength(new ByteArrayInputStream(exact)),
                    UploadOptions.defaults());
            assertArrayEquals(exact, Tus.download(result.url().getPath()));
        }
    }

    @Test
    void creation_with_upload_and_method_override() throws Exception {
        try (TusClient client = TusClient.builder(endpoint).creationWithUpload(true).methodOverride(true)
                .chunkSize(4 * 1024 * 1024).build()) {
            UploadResult result = client.upload(UploadSource.of(file), UploadOptions.defaults());
            assertEquals(2, result.stats().chunksDone(), "the POST carried the first chunk, one PATCH the rest");
            assertArrayEquals(data, Tus.download(result.url().getPath()));
        }
    }

    @Test
    void an_empty_file_uploads() throws Exception {
        Path empty = Files.createTempFile("empty", ".bin");
        try (TusClient client = TusClient.builder(endpoint).build()) {
            UploadResult result = client.upload(UploadSource.of(empty), UploadOptions.defaults());
            assertEquals(0, result.bytes());
            assertArrayEquals(new byte[0], Tus.download(result.url().getPath()));
        } finally {
            Files.delete(empty);
        }
    }

    /** Resume across runs: the first client is stopped mid-upload; a second one with the same store continues. */
    @Test
    void resumes_across_runs_through_the_url_store() throws Exception {
        Path storeFile = Files.createTempFile("urls", ".tsv");
        UrlStore store = new FileUrlStore(storeFile);
        UploadSource source = UploadSource.of(file);
        List<URI> urls = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TusClient slow = TusClient.builder(endpoint).urlStore(store).limitRate(4 * 1024 * 1024).build()) {
            CompletableFuture<UploadResult> first = slow.uploadAsync(source,
                    UploadOptions.builder().onUploadUrl(urls::add).build());
            awaitBytesOnServer(urls, 1, 1024 * 1024);
            slow.close();
            first.cancel(true);
        }
        String stored = store.get(source.fingerprint().orElseThrow()).orElseThrow();
        long offset = awaitStoredOffset(URI.create(stored));
        assertTrue(offset > 0 && offset < SIZE, "offset " + offset);

        List<UploadStats> progress = Collections.synchronizedList(new ArrayList<>());
        try (TusClient client = TusClient.builder(endpoint).urlStore(store).build()) {
            UploadResult result = client.upload(source, UploadOptions.builder().progress(progress::add).build());
            assertTrue(result.resumed());
            assertEquals(stored, result.url().toString());
            assertTrue(progress.get(0).bytesSent() >= offset, "progress started at " + progress.get(0).bytesSent());
            assertEquals(100.0, progress.get(progress.size() - 1).percent().orElseThrow());
            assertArrayEquals(data, Tus.download(result.url().getPath()));
        }
        assertTrue(store.get(source.fingerprint().orElseThrow()).isEmpty(), "a finished upload stays in the store");
        Files.deleteIfExists(storeFile);
    }

    @Test
    void an_upload_gone_from_the_server_is_started_again() throws Exception {
        MemoryUrlStore store = new MemoryUrlStore();
        UploadSource source = UploadSource.of(file);
        String gone = endpoint.resolve(Tus.idOf(Tus.create(SIZE))).toString();
        Tus.tus().delete(URI.create(gone).getPath()).then().statusCode(204);
        store.put(source.fingerprint().orElseThrow(), gone);
        try (TusClient client = TusClient.builder(endpoint).urlStore(store).removeFingerprintOnSuccess(false).build()) {
            UploadResult result = client.upload(source, UploadOptions.defaults());
            assertFalse(result.resumed());
            assertNotEquals(gone, result.url().toString());
            assertEquals(result.url().toString(), store.get(source.fingerprint().orElseThrow()).orElseThrow(),
                    "with removeFingerprintOnSuccess(false) the entry stays");
        }
    }

    @Test
    void a_parallel_upload_resumes_its_partials() throws Exception {
        MemoryUrlStore store = new MemoryUrlStore();
        UploadSource source = UploadSource.of(file);
        List<URI> partials = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TusClient slow = TusClient.builder(endpoint).urlStore(store).parallelUploads(3).limitRate(6 * 1024 * 1024)
                .build()) {
            CompletableFuture<UploadResult> first = slow.uploadAsync(source,
                    UploadOptions.builder().onUploadUrl(partials::add).build());
            awaitBytesOnServer(partials, 3, 1024 * 1024);
            slow.close();
            first.cancel(true);
        }
        assertTrue(store.get(source.fingerprint().orElseThrow()).orElseThrow().startsWith("parallel "));
        // Each partial answers HEAD once its cut PATCH has let go.
        for (URI partial : partials) {
            awaitStoredOffset(partial);
        }
        try (TusClient client = TusClient.builder(endpoint).urlStore(store).parallelUploads(3).build()) {
            UploadResult result = client.upload(source, UploadOptions.defaults());
            assertTrue(result.resumed());
            assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(result.url().getPath())));
        }
    }

    @Test
    void terminates_an_upload() throws Exception {
        try (TusClient client = TusClient.builder(endpoint).build()) {
            UploadResult result = client.upload(UploadSource.of(file), UploadOptions.defaults());
            client.terminate(result.url());
            TusClientException e = assertThrows(TusClientException.class, () -> client.status(result.url()));
            assertEquals(404, e.status());
        }
    }

    @Test
    void progress_is_reported_until_100_percent() throws Exception {
        List<UploadStats> progress = Collections.synchronizedList(new ArrayList<>());
        try (TusClient client = TusClient.builder(endpoint).chunkSize(512 * 1024).progressInterval(java.time.Duration.ZERO)
                .build()) {
            client.upload(UploadSource.of(file), UploadOptions.builder().progress(progress::add).build());
        }
        UploadStats last = progress.get(progress.size() - 1);
        assertEquals(SIZE, last.bytesSent());
        assertEquals(SIZE, last.totalBytes());
        assertEquals(13, last.chunksDone());
        assertTrue(last.bytesPerSecond() > 0);
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i).bytesSent() >= progress.get(i - 1).bytesSent(), "progress went back");
        }
    }

    @Test
    void a_file_too_large_for_the_server_fails_with_413_and_is_not_retried() throws Exception {
        Path big = Files.createTempFile("big", ".bin");
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            raf.setLength(65L * 1024 * 1024);
        }
        try (TusClient client = TusClient.builder(endpoint).build()) {
            TusClientException e = assertThrows(TusClientException.class,
                    () -> client.upload(UploadSource.of(big), UploadOptions.defaults()));
            assertEquals(413, e.status());
        } finally {
            Files.delete(big);
        }
    }

    /** Waits until {@code count} uploads are known and the server has written {@code bytes} of them in all. */
    private static void awaitBytesOnServer(List<URI> urls, int count, long bytes) throws InterruptedException {
        Poll.until(bytes + " bytes of the upload on the server", java.time.Duration.ofSeconds(20), () -> {
            long sum = 0;
            for (URI url : urls) {
                Path stored = Path.of("target/test-uploads", Tus.idOf(url.getPath()));
                sum += Files.exists(stored) ? Files.size(stored) : 0;
            }
            return urls.size() >= count && sum >= bytes;
        });
    }

    /** Waits until the interrupted request has let go of the upload and returns the stored offset. */
    private static long awaitStoredOffset(URI url) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                return Tus.offset(url.getPath());
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
