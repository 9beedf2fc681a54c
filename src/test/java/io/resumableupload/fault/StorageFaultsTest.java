package io.resumableupload.fault;

import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.support.Metrics;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.SmallDisk;
import io.resumableupload.support.Tus;

/**
 * Storage faults on a real small filesystem (a 16 MiB tmpfs, see {@link SmallDisk}): a full disk answers 507 and
 * gives the unacknowledged bytes back at once, HEAD and GET keep working; a read-only one answers 503
 * ERR_STORAGE_UNAVAILABLE; a failed creation leaves no trace; a DELETE that cannot delete the bytes yet never
 * orphans them. Skipped, with the reason, where a tmpfs cannot be mounted.
 */
@QuarkusTest
@TestProfile(StorageFaultsTest.Profile.class)
class StorageFaultsTest {

    private static final int MIB = 1024 * 1024;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // No checkpoint during these PATCHes, so everything a failed one wrote is unacknowledged; the reaper
            // runs every second (pending deletes); the disk may really fill up (no minimum free space).
            return Map.of("tus.patch.checkpoint-interval", "64M", "tus.expiration.sweep-interval", "1s",
                    "tus.storage.filesystem.min-free-space", "0");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SmallDisk.class));
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Inject
    UploadRepository repository;

    @Inject
    MeterRegistry registry;

    @BeforeEach
    void needsTheSmallDisk() {
        assumeTrue(SmallDisk.mounted(), SmallDisk::whyNotMounted);
    }

    @AfterEach
    void emptyTheDisk() throws IOException {
        if (!SmallDisk.mounted()) {
            return;
        }
        SmallDisk.writable(true);
        try (Stream<Path> files = Files.list(SmallDisk.mountPoint())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.delete(file);
            }
        }
        try (Stream<Path> files = Files.list(SmallDisk.uploads())) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
    }

    @Test
    void a_patch_that_fills_the_disk_answers_507_and_gives_the_bytes_back_at_once() throws Exception {
        long free = SmallDisk.usableSpace();
        byte[] data = Tus.randomBytes(40 * MIB, 1);
        String path = Tus.create(data.length);
        RawHttp.Response response = patch(path, 0, data);
        assertEquals(507, response.status());
        Tus.head(path).then().statusCode(200).header("Upload-Offset", "0");
        Path file = SmallDisk.uploads().resolve(Tus.idOf(path));
        assertTrue(!Files.exists(file) || Files.size(file) == 0, "unacknowledged bytes stayed on disk");
        assertTrue(SmallDisk.usableSpace() >= free - 64 * 1024, "space not given back");

        // Other uploads fit again, and the upload itself stays resumable.
        byte[] small = Tus.randomBytes(MIB, 2);
        assertArrayEquals(small, Tus.download(Tus.upload(small)));
        Tus.patch(path, 0, Arrays.copyOf(data, 4 * MIB)).then().statusCode(204).header("Upload-Offset",
                String.valueOf(4 * MIB));
    }

    @Test
    void head_and_get_keep_working_while_the_disk_is_full() throws Exception {
        byte[] data = Tus.randomBytes(MIB, 3);
        String finished = Tus.upload(data);
        String unfinished = Tus.create(100);
        fillTheDisk();
        Tus.head(finished).then().statusCode(200).header("Upload-Offset", String.valueOf(MIB));
        assertArrayEquals(data, Tus.download(finished));
        Tus.patch(unfinished, 0, new byte[100]).then().statusCode(507).body(startsWith("ERR_STORAGE_FULL"));
        Tus.head(unfinished).then().statusCode(200).header("Upload-Offset", "0");
        Tus.create(10);
        Files.delete(SmallDisk.mountPoint().resolve("filler"));
        Tus.patch(unfinished, 0, new byte[100]).then().statusCode(204);
    }

    /**
     * A creation-with-upload whose body is in hand writes and fsyncs it before inserting its row (one commit): on a
     * full disk it answers 507 and leaves neither a file nor a row. Whether the body is all there when the worker
     * looks is a race, so POST until one took that path.
     */
    @Test
    void a_creation_with_upload_in_one_commit_on_a_full_disk_leaves_no_trace() throws Exception {
        fillTheDisk();
        Set<String> filesBefore = files();
        double createdBefore = registry.counter("tus.uploads.created").count();
        double oneCommitBefore = oneCommitCreations();
        for (int i = 0; i < 20 && oneCommitCreations() == oneCommitBefore; i++) {
            tus().header("Upload-Length", 100_000).contentType("application/offset+octet-stream")
                    .body(Tus.randomBytes(100_000, 8)).post("/files").then().statusCode(507)
                    .header("Location", nullValue()).body(startsWith("ERR_STORAGE_FULL"));
        }
        assertTrue(oneCommitCreations() > oneCommitBefore, "no creation-with-upload took the one-commit path");
        assertEquals(filesBefore, files(), "a failed creation-with-upload left a file");
        assertEquals(createdBefore, registry.counter("tus.uploads.created").count(), "a failed creation counted");
        Files.delete(SmallDisk.mountPoint().resolve("filler"));
        byte[] data = Tus.randomBytes(100_000, 9);
        String path = Tus.pathOf(tus().header("Upload-Length", data.length).contentType("application/offset+octet-stream")
                .body(data).post("/files").then().statusCode(201).header("Upload-Offset", String.valueOf(data.length))
                .extract().header("Location"));
        assertArrayEquals(data, Tus.download(path));
    }

    private double oneCommitCreations() {
        return registry.counter("tus.creations.one.commit").count();
    }

    /** Issue 7.4: a final that cannot be assembled for lack of space is not created at all. */
    @Test
    void a_final_that_cannot_be_assembled_on_a_full_disk_leaves_no_trace() throws Exception {
        String pa = partialOf(Tus.randomBytes(6 * MIB, 4));
        String pb = partialOf(Tus.randomBytes(6 * MIB, 5));
        long rows = repository.count();
        Set<String> files = files();
        long free = SmallDisk.usableSpace();
        tus().header("Upload-Concat", "final;" + pa + " " + pb).post("/files").then().statusCode(507)
                .header("Location", nullValue()).body(startsWith("ERR_STORAGE_FULL"));
        assertEquals(rows, repository.count());
        assertEquals(files, files());
        assertTrue(SmallDisk.usableSpace() >= free - 64 * 1024, "the partial assembly stayed on disk");
    }

    /** Issue 7.5: a DELETE the storage cannot carry out yet answers 204, and the bytes go once it can. */
    @Test
    void a_delete_on_read_only_storage_never_orphans_the_bytes() throws Exception {
        String path = Tus.upload(Tus.randomBytes(1000, 6));
        Path file = SmallDisk.uploads().resolve(Tus.idOf(path));
        SmallDisk.writable(false);
        tus().delete(path).then().statusCode(204);
        Tus.head(path).then().statusCode(404);
        assertTrue(Files.exists(file));
        SmallDisk.writable(true);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(!Files.exists(file), "the bytes of the deleted upload stayed on disk");
    }

    /** Issue 7.14: read-only storage is an infrastructure fault, 503 with a code naming it; nothing changes. */
    @Test
    void read_only_storage_answers_503_storage_unavailable_and_changes_nothing() throws Exception {
        String path = Tus.create(100);
        Tus.patch(path, 0, new byte[10]).then().statusCode(204);
        String fresh = Tus.create(100);
        long rows = repository.count();
        SmallDisk.writable(false);
        Tus.patch(path, 10, new byte[10]).then().statusCode(503).body(startsWith("ERR_STORAGE_UNAVAILABLE"));
        Tus.patch(fresh, 0, new byte[10]).then().statusCode(503).body(startsWith("ERR_STORAGE_UNAVAILABLE"));
        tus().header("Upload-Length", 10).contentType(Tus.OFFSET_STREAM).body(new byte[10]).post("/files").then()
                .statusCode(503).body(startsWith("ERR_STORAGE_UNAVAILABLE"));
        assertEquals(rows, repository.count());
        Tus.head(path).then().statusCode(200).header("Upload-Offset", "10");
        SmallDisk.writable(true);
        Tus.patch(path, 10, new byte[10]).then().statusCode(204).header("Upload-Offset", "20");
    }

    @Test
    void free_space_is_a_metric() throws Exception {
        double before = Metrics.scrape().value("tus_storage_free_bytes");
        Tus.upload(Tus.randomBytes(4 * MIB, 7));
        double after = Metrics.scrape().value("tus_storage_free_bytes");
        assertEquals(4.0 * MIB, before - after, 256 * 1024, "free space moved by " + (before - after));
    }

    /** Sends a PATCH while reading its answer, so an early answer is read even while the body is refused. */
    private RawHttp.Response patch(String path, long offset, byte[] body) throws Exception {
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, offset, "Content-Length: " + body.length + "\r\n");
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < body.length; i += 64 * 1024) {
                        http.send(Arrays.copyOfRange(body, i, Math.min(body.length, i + 64 * 1024)));
                    }
                } catch (IOException e) {
                    // the server answered and closed
                }
            });
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(30));
            http.close();
            sending.join();
            assertTrue(response != null, "no response");
            return response;
        }
    }

    private static String partialOf(byte[] data) {
        String path = Tus.pathOf(tus().header("Upload-Concat", "partial").header("Upload-Length", data.length)
                .post("/files").then().statusCode(201).extract().header("Location"));
        Tus.patch(path, 0, data).then().statusCode(204);
        return path;
    }

    private static void fillTheDisk() throws IOException {
        try (FileChannel filler = FileChannel.open(SmallDisk.mountPoint().resolve("filler"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(64 * 1024);
            while (true) {
                block.clear();
                filler.write(block);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }

    private static Set<String> files() throws IOException {
        try (Stream<Path> files = Files.list(SmallDisk.uploads())) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
