package io.resumableupload.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.resumableupload.support.Tus;

/** Retries against a stub server that fails on purpose: 5xx, 409, 423, resets, slow answers; 4xx is not retried. */
class RetryWithStubTest {

    private StubTusServer stub;
    private Path file;
    private byte[] data;

    @BeforeEach
    void start() throws IOException {
        stub = new StubTusServer();
        data = Tus.randomBytes(3 * 1024 * 1024, 7);
        file = Files.createTempFile("stub", ".bin");
        Files.write(file, data);
    }

    @AfterEach
    void stop() throws IOException {
        stub.close();
        Files.deleteIfExists(file);
    }

    private TusClient client(long chunkSize) {
        return TusClient.builder(stub.endpoint()).chunkSize(chunkSize)
                .retry(RetryPolicy.defaults().withDelays(Duration.ofMillis(10), Duration.ofMillis(50)).withMaxRetries(3))
                .build();
    }

    @ParameterizedTest
    @EnumSource(value = StubTusServer.Fault.class, names = { "UNAVAILABLE", "CONFLICT", "LOCKED", "RESET_HALFWAY", "SLOW" })
    void recovers_from(StubTusServer.Fault fault) throws Exception {
        stub.inject(fault);
        try (TusClient client = client(1024 * 1024)) {
            UploadResult result = client.upload(UploadSource.of(file), UploadOptions.defaults());
            assertArrayEquals(data, stub.bytesOf(result.url()));
            int expectedRetries = fault == StubTusServer.Fault.SLOW ? 0 : 1;
            assertEquals(expectedRetries, result.stats().retries());
            if (fault != StubTusServer.Fault.SLOW) {
                assertTrue(stub.heads.get() >= 1, "the offset was not re-read with HEAD before the retry");
            }
        }
    }

    @Test
    void a_reset_mid_body_resumes_from_what_the_server_stored_not_from_zero() throws Exception {
        stub.inject(StubTusServer.Fault.RESET_HALFWAY);
        try (TusClient client = client(0)) {
            UploadResult result = client.upload(UploadSource.of(file), UploadOptions.defaults());
            assertArrayEquals(data, stub.bytesOf(result.url()));
            assertEquals(2, stub.patches.get(), "one cut-off PATCH, one that sent the second half");
        }
    }

    @Test
    void a_stream_chunk_is_resent_from_memory_after_a_failure() throws Exception {
        stub.inject(StubTusServer.Fault.RESET_HALFWAY, StubTusServer.Fault.UNAVAILABLE);
        try (TusClient client = client(512 * 1024)) {
            UploadResult result = client.upload(UploadSource.ofUnknownLength(new ByteArrayInputStream(data)),
                    UploadOptions.defaults());
            assertArrayEquals(data, stub.bytesOf(result.url()));
            assertEquals(data.length, result.bytes());
        }
    }

    @Test
    void other_4xx_are_not_retried() throws Exception {
        stub.inject(StubTusServer.Fault.BAD_REQUEST);
        try (TusClient client = client(0)) {
            TusClientException e = assertThrows(TusClientException.class,
                    () -> client.upload(UploadSource.of(file), UploadOptions.defaults()));
            assertEquals(400, e.status());
            assertEquals(1, stub.patches.get());
        }
    }

    @Test
    void gives_up_after_the_configured_retries() throws Exception {
        stub.inject(StubTusServer.Fault.UNAVAILABLE, StubTusServer.Fault.UNAVAILABLE, StubTusServer.Fault.UNAVAILABLE,
                StubTusServer.Fault.UNAVAILABLE, StubTusServer.Fault.UNAVAILABLE);
        try (TusClient client = client(0)) {
            TusClientException e = assertThrows(TusClientException.class,
                    () -> client.upload(UploadSource.of(file), UploadOptions.defaults()));
            assertEquals(503, e.status());
            assertEquals(4, stub.patches.get(), "1 attempt + 3 retries");
        }
    }

    @Test
    void a_custom_decider_can_refuse_retries() throws Exception {
        stub.inject(StubTusServer.Fault.LOCKED);
        List<RetryPolicy.Failure> seen = new ArrayList<>();
        RetryPolicy policy = RetryPolicy.defaults().withDelays(Duration.ofMillis(1), Duration.ofMillis(1))
                .withDecider(failure -> {
                    seen.add(failure);
                    return failure.status() != 423;
                });
        try (TusClient client = TusClient.builder(stub.endpoint()).retry(policy).build()) {
            assertThrows(TusClientException.class, () -> client.upload(UploadSource.of(file), UploadOptions.defaults()));
        }
        assertEquals(1, seen.size());
        assertEquals("PATCH", seen.get(0).method());
        assertEquals(1, seen.get(0).attempt());
    }

    /** Issue 7 item 20: a request with data that makes no progress is cancelled and retried, not waited on forever. */
    @Test
    void a_patch_the_server_never_answers_is_cancelled_after_the_idle_timeout_and_retried() throws Exception {
        stub.inject(StubTusServer.Fault.HANG);
        List<RetryPolicy.Failure> retries = java.util.Collections.synchronizedList(new ArrayList<>());
        try (TusClient client = TusClient.builder(stub.endpoint()).idleTimeout(Duration.ofSeconds(1))
                .retry(RetryPolicy.defaults().withDelays(Duration.ofMillis(10), Duration.ofMillis(50)).withMaxRetries(3))
                .onRetry((failure, delay) -> retries.add(failure)).build()) {
            UploadResult result = assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> client.upload(UploadSource.of(file), UploadOptions.defaults()));
            assertArrayEquals(data, stub.bytesOf(result.url()));
        }
        assertEquals(1, retries.size(), retries.toString());
        assertEquals("PATCH", retries.get(0).method());
        assertEquals("no progress for 1 s (idle timeout)", retries.get(0).reason());
    }

    @Test
    void retries_are_reported_with_their_cause_and_the_final_error_names_it() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> reported = java.util.Collections.synchronizedList(new ArrayList<>());
        try (TusClient client = TusClient.builder(java.net.URI.create("http://127.0.0.1:" + port + "/files/"))
                .retry(RetryPolicy.defaults().withDelays(Duration.ofMillis(10), Duration.ofMillis(50)).withMaxRetries(2))
                .onRetry((failure, delay) -> reported.add(failure.method() + " " + failure.attempt() + " " + failure.reason()))
                .build()) {
            TusClientException e = assertThrows(TusClientException.class,
                    () -> client.upload(UploadSource.of(file), UploadOptions.defaults()));
            assertEquals(-1, e.status());
            assertEquals("connection refused", e.reason());
            assertTrue(e.getMessage().endsWith("failed: connection refused (gave up after 2 retries)"), e.getMessage());
        }
        assertEquals(List.of("OPTIONS 1 connection refused", "OPTIONS 2 connection refused"), reported);
    }

    @Test
    void backoff_grows_and_is_capped() {
        RetryPolicy policy = RetryPolicy.defaults().withDelays(Duration.ofMillis(100), Duration.ofMillis(400));
        for (int i = 0; i < 200; i++) {
            assertTrue(policy.delayBefore(1).toMillis() <= 100);
            assertTrue(policy.delayBefore(3).toMillis() <= 400);
            assertTrue(policy.delayBefore(10).toMillis() <= 400);
        }
    }

    @Test
    void waiting_for_a_retry_can_be_interrupted() throws Exception {
        stub.inject(StubTusServer.Fault.UNAVAILABLE);
        RetryPolicy slow = RetryPolicy.defaults().withDelays(Duration.ofSeconds(30), Duration.ofSeconds(30));
        try (TusClient client = TusClient.builder(stub.endpoint()).retry(slow).build()) {
            Thread worker = Thread.currentThread();
            // Interrupted once the 503 arrived, so while the client waits the 30 s before its retry.
            Thread interrupter = new Thread(() -> {
                try {
                    io.resumableupload.support.Poll.until("the first PATCH", Duration.ofSeconds(10),
                            () -> stub.patches.get() >= 1);
                } catch (InterruptedException ignored) {
                    return;
                }
                worker.interrupt();
            });
            interrupter.start();
            long start = System.nanoTime();
            assertThrows(InterruptedException.class, () -> client.upload(UploadSource.of(file), UploadOptions.defaults()));
            assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000);
            Thread.interrupted();
        }
    }
}
