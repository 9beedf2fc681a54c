package io.resumableupload.fault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.Metrics;
import io.resumableupload.support.Poll;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * Zombie PATCHes (issue 7, item 8): a client sends the headers and part of the body, then closes (FIN) or resets
 * (RST). The append must end at once, not at the idle timeout (30 s here, so one that waits for it shows): the bytes
 * that arrived before a FIN are kept (after an RST, those the server had read), the lock and the open file released.
 * The server runs in this JVM, so /proc/self/fd is the server's. Also: a request whose headers never complete is cut
 * by the connection idle timeout (3 s here).
 */
@QuarkusTest
@TestProfile(ZombiePatchTest.Profile.class)
class ZombiePatchTest {

    private static final int LENGTH = 100_000;
    private static final int SENT = 1_000;
    private static final int ZOMBIES = 40;
    /** Well within the 30 s idle timeout; the appends end in milliseconds. */
    private static final Duration AT_ONCE = Duration.ofSeconds(10);

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tus.patch.idle-timeout", "30s", "quarkus.http.idle-timeout", "3s");
        }
    }

    @TestHTTPResource("/")
    URL root;

    /** FIN right after part of the body: every byte sent is kept, nothing stays open, the next PATCH goes through. */
    @Test
    void closed_patches_end_at_once_and_keep_their_bytes() throws Exception {
        byte[] data = Tus.randomBytes(LENGTH, 81);
        List<String> paths = create(ZOMBIES);
        long filesBefore = openUploadFiles();
        long connectionsBefore = openConnections(root.getPort());
        for (String path : paths) {
            RawHttp http = RawHttp.connect(root.getPort());
            http.patchHead(path, 0, "Content-Length: " + LENGTH + "\r\n").send(Arrays.copyOf(data, SENT));
            http.close();
        }
        assertAllEnded(filesBefore, connectionsBefore, root.getPort());
        for (String path : paths) {
            // Known gap: a close that lands between routing and the worker dispatch makes Quarkus REST skip the
            // resource method, so that PATCH stores nothing (it holds nothing either). Never a partial amount.
            long offset = Tus.offset(path);
            assertTrue(offset == SENT || offset == 0, path + " offset " + offset);
        }
        resumeAndVerify(paths, data);
    }

    /**
     * The client closes while its PATCH waits for the lock (a stalled PATCH holds it and is asked to let go). Vert.x
     * reported that close to no one: the append started on a dead connection and waited for the idle timeout.
     */
    @Test
    void a_patch_closed_while_waiting_for_the_lock_ends_at_once() throws Exception {
        byte[] data = Tus.randomBytes(LENGTH, 82);
        List<String> paths = create(10);
        List<RawHttp> holders = new ArrayList<>();
        try {
            for (String path : paths) {
                holders.add(RawHttp.connect(root.getPort()).patchHead(path, 0, "Content-Length: " + LENGTH + "\r\n")
                        .send(Arrays.copyOf(data, 500)));
            }
            for (String path : paths) {
                Poll.untilStored(stored(path), 500);
            }
            long filesBefore = openUploadFiles() - paths.size();
            long connectionsBefore = openConnections(root.getPort());
            for (String path : paths) {
                RawHttp http = RawHttp.connect(root.getPort());
                http.patchHead(path, 500, "Content-Length: " + (LENGTH - 500) + "\r\n")
                        .send(Arrays.copyOfRange(data, 500, 500 + SENT));
                http.close();
            }
            assertAllEnded(filesBefore, connectionsBefore, root.getPort());
        } finally {
            for (RawHttp holder : holders) {
                holder.close();
            }
        }
        for (String path : paths) {
            long offset = Tus.offset(path);
            assertTrue(offset == 500 + SENT || offset == 500, path + " offset " + offset);
        }
        resumeAndVerify(paths, data);
    }

    /**
     * RST (SO_LINGER 0) right after part of the body: the append ends at once; what the server had read before the
     * reset is kept (a correct prefix, possibly less than was sent: the kernel drops unread bytes on a reset).
     */
    @Test
    void reset_patches_end_at_once_and_keep_a_correct_prefix() throws Exception {
        byte[] data = Tus.randomBytes(LENGTH, 83);
        List<String> paths = create(ZOMBIES);
        long filesBefore = openUploadFiles();
        long connectionsBefore = openConnections(root.getPort());
        for (String path : paths) {
            RawHttp http = RawHttp.connect(root.getPort());
            http.patchHead(path, 0, "Content-Length: " + LENGTH + "\r\n").send(Arrays.copyOf(data, SENT));
            http.reset();
        }
        assertAllEnded(filesBefore, connectionsBefore, root.getPort());
        for (String path : paths) {
            long offset = Tus.offset(path);
            assertTrue(offset >= 0 && offset <= SENT, "offset " + offset);
            assertArrayEquals(Arrays.copyOf(data, (int) offset), Arrays.copyOf(Files.readAllBytes(stored(path)), (int) offset));
        }
        resumeAndVerify(paths, data);
    }

    /** Headers that never complete: the connection idle timeout cuts them (Quarkus's default would wait 30 min). */
    @Test
    void headers_that_never_complete_are_cut_by_the_connection_idle_timeout() throws Exception {
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            long start = System.nanoTime();
            http.send("PATCH /files/" + "a".repeat(32) + " HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\n");
            assertTrue(http.closedByServer(Duration.ofSeconds(10)), "headers still awaited after 10 s");
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(elapsedMs >= 2_500, "cut after " + elapsedMs + " ms");
        }
    }

    /** Files, appends and connections back where they were, in well under the idle timeout. */
    private static void assertAllEnded(long uploadFilesBefore, long connectionsBefore, int port)
            throws InterruptedException {
        Poll.until("upload files closed", AT_ONCE, () -> openUploadFiles() <= uploadFilesBefore);
        Poll.until("no append in progress", AT_ONCE,
                () -> Metrics.scrape().value("tus_uploads_in_progress") == 0);
        // The client sockets are gone too. Counted as TCP connections to the server's port, not as descriptors: the
        // database pool may grow while the cut PATCHes commit (it did under load in CI, by more than 5), and that is
        // not a leak.
        Poll.until("connections to port " + port + " back to " + connectionsBefore, AT_ONCE,
                () -> openConnections(port) <= connectionsBefore);
    }

    /** The next PATCH, at the offset HEAD gives, completes at once: no lock is left behind (no 423). */
    private static void resumeAndVerify(List<String> paths, byte[] data) {
        for (String path : paths) {
            long offset = Tus.offset(path);
            long start = System.nanoTime();
            Tus.patch(path, offset, Arrays.copyOfRange(data, (int) offset, data.length)).then().statusCode(204)
                    .header("Upload-Offset", String.valueOf(data.length));
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(elapsedMs < 2_000, "resume took " + elapsedMs + " ms");
        }
        assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(paths.get(0))));
    }

    private static List<String> create(int count) {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            paths.add(Tus.create(LENGTH));
        }
        return paths;
    }

    private static Path stored(String path) {
        return Path.of("target/test-uploads", Tus.idOf(path));
    }

    /**
     * TCP connections of this process's network namespace with {@code port} at either end (the server under test and
     * the raw clients live in this JVM), in any state that still holds a socket: not LISTEN, TIME_WAIT or CLOSE.
     */
    private static long openConnections(int port) {
        String hexPort = String.format(":%04X", port);
        long count = 0;
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] columns = line.trim().split("\\s+");
                String state = columns[3];
                boolean ours = columns[1].endsWith(hexPort) || columns[2].endsWith(hexPort);
                if (ours && !state.equals("0A") && !state.equals("06") && !state.equals("07")) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Descriptors of this process open on upload files. */
    private static long openUploadFiles() throws IOException {
        Path uploads = Path.of("target/test-uploads").toAbsolutePath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).startsWith(uploads);
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }
}
