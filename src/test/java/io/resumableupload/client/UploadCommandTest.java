package io.resumableupload.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.resumableupload.support.Tus;

/** The {@code upload} command's messages: retries with their cause, the final error, its flags. */
class UploadCommandTest {

    private Path file;
    private byte[] data;

    @BeforeEach
    void createFile() throws IOException {
        data = Tus.randomBytes(256 * 1024, 11);
        file = Files.createTempFile("upload-command", ".bin");
        Files.write(file, data);
    }

    @AfterEach
    void deleteFile() throws IOException {
        Files.deleteIfExists(file);
    }

    /** Issue 7 item 20: no silent minutes and no "failed: null" against a server that is down. */
    @Test
    void against_an_unreachable_server_each_retry_is_printed_with_its_cause_and_the_final_error_names_it() throws Exception {
        String endpoint = "http://127.0.0.1:" + closedPort() + "/files/";
        Run run = run(file.toString(), "--endpoint", endpoint, "--retries", "2", "--no-resume");
        assertEquals(1, run.exit(), run.err());
        List<String> lines = run.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(3, lines.size(), run.err());
        Pattern retry = Pattern.compile("OPTIONS: connection refused; retrying in \\d+(\\.\\d)? s, attempt (\\d) of 2");
        assertTrue(retry.matcher(lines.get(0)).matches() && lines.get(0).endsWith("attempt 1 of 2"), lines.get(0));
        assertTrue(retry.matcher(lines.get(1)).matches() && lines.get(1).endsWith("attempt 2 of 2"), lines.get(1));
        assertEquals("upload failed: OPTIONS " + endpoint + " failed: connection refused (gave up after 2 retries)",
                lines.get(2));
        assertFalse(run.err().contains("null"), run.err());
    }

    @Test
    void an_unknown_host_is_named() throws Exception {
        Run run = run(file.toString(), "--endpoint", "http://no-such-host.invalid/files/", "--retries", "0", "--no-resume");
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains("failed: unknown host"), run.err());
    }

    /** Issue 7 item 20: a server that accepts a PATCH and never answers is given up on after --idle-timeout. */
    @Test
    void a_patch_the_server_never_answers_is_retried_after_the_idle_timeout() throws Exception {
        try (StubTusServer stub = new StubTusServer()) {
            stub.inject(StubTusServer.Fault.HANG);
            Run run = run(file.toString(), "--endpoint", stub.endpoint().toString(), "--idle-timeout", "1s", "--retries", "1",
                    "--no-resume");
            assertEquals(0, run.exit(), run.err());
            assertTrue(Pattern
                    .compile("PATCH: no progress for 1 s \\(idle timeout\\); retrying in \\d+(\\.\\d)? s, attempt 1 of 1")
                    .matcher(run.err().strip()).matches(), run.err());
            String url = run.out().strip().lines().reduce((a, b) -> b).orElseThrow();
            assertArrayEquals(data, stub.bytesOf(URI.create(url)));
        }
    }

    @Test
    void a_malformed_idle_timeout_is_a_usage_error() throws Exception {
        Run run = run(file.toString(), "--endpoint", "http://localhost:1/files/", "--idle-timeout", "soon");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("--idle-timeout takes a duration"), run.err());
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = UploadCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A port nothing listens on (bound, then released). */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
