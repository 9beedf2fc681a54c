package io.resumableupload.fault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.RepeatedTest;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * RELIABILITY B5: two clients PATCH the same upload at the same offset at once. At most one append wins, the other
 * gets an error, bytes never interleave, and the stored bytes are a prefix of one writer's data.
 */
@QuarkusTest
class ConcurrentPatchTest {

    private static final int SIZE = 256 * 1024;
    private static final int CHUNK = 8 * 1024;

    @TestHTTPResource("/")
    URL root;

    @RepeatedTest(5)
    void two_writers_never_interleave() throws Exception {
        byte[] a = new byte[SIZE];
        byte[] b = new byte[SIZE];
        Arrays.fill(a, (byte) 'A');
        Arrays.fill(b, (byte) 'B');
        String path = Tus.create(SIZE);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> first = pool.submit(writer(path, a));
            Future<Integer> second = pool.submit(writer(path, b));
            int statusA = first.get(30, TimeUnit.SECONDS);
            int statusB = second.get(30, TimeUnit.SECONDS);
            assertTrue(statusA != 204 || statusB != 204, "both writers succeeded: " + statusA + ", " + statusB);
        } finally {
            pool.shutdownNow();
        }
        long offset = Tus.offset(path);
        byte[] stored = Arrays.copyOf(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("target/test-uploads",
                Tus.idOf(path))), (int) offset);
        if (offset > 0) {
            byte[] expected = new byte[(int) offset];
            Arrays.fill(expected, stored[0]);
            assertArrayEquals(expected, stored, "bytes of both writers were interleaved");
        }
        // Whoever lost can resume where the winner stopped.
        byte[] rest = new byte[SIZE - (int) offset];
        Tus.patch(path, offset, rest).then().statusCode(204);
        assertEquals(SIZE, Tus.offset(path));
    }

    /** Sends the body in chunks with small pauses, so the two requests overlap. Returns the status. */
    private Callable<Integer> writer(String path, byte[] data) {
        return () -> {
            try (RawHttp http = RawHttp.connect(root.getPort())) {
                http.patchHead(path, 0, "Content-Length: " + data.length + "\r\n");
                for (int i = 0; i < data.length; i += CHUNK) {
                    try {
                        http.send(Arrays.copyOfRange(data, i, i + CHUNK));
                    } catch (java.io.IOException e) {
                        break;
                    }
                    Thread.sleep(2);
                }
                RawHttp.Response response = http.readResponse(Duration.ofSeconds(20));
                return response == null ? -1 : response.status();
            }
        };
    }
}
