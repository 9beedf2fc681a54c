package io.resumableupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import io.resumableupload.support.HookReceiver;
import io.resumableupload.support.HookReceiver.Answer;
import io.resumableupload.support.PackagedServer;
import io.resumableupload.support.Poll;
import io.resumableupload.support.SharedDatabase;

/**
 * Post-* events over 3 packaged replicas on one PostgreSQL, to an unchanged tusd hook receiver: post-create and
 * post-finish arrive once per upload in the happy path, in order; after a receiver outage and after a replica is
 * killed with -9 while it was sending, every event still arrives (retries carry the same Idempotency-Key, so the
 * receiver can drop a repeat). Also measures delivery latency and outbox throughput (printed, in the README).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HooksMultiReplicaIT {

    private static final int REPLICAS = 3;
    private static final Path UPLOAD_DIR = Path.of("target/hooks-uploads");

    private SharedDatabase database;
    private HookReceiver receiver;
    private final PackagedServer[] replicas = new PackagedServer[REPLICAS];
    private final int[] ports = new int[REPLICAS];
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger roundRobin = new AtomicInteger();

    @BeforeAll
    void start() throws Exception {
        database = new SharedDatabase("hooks");
        receiver = new HookReceiver(PackagedServer.freePort());
        Files.createDirectories(UPLOAD_DIR);
        try (Connection connection = connect()) {
            // Events left by other tests on this database would go to this receiver too.
            connection.createStatement().execute("DELETE FROM hook_outbox");
        } catch (java.sql.SQLException e) {
            // The table does not exist until a replica migrated the database: nothing is left over then.
        }
        ExecutorService starting = Executors.newFixedThreadPool(REPLICAS);
        List<Future<PackagedServer>> started = new ArrayList<>();
        for (int i = 0; i < REPLICAS; i++) {
            ports[i] = PackagedServer.freePort();
            int n = i;
            started.add(starting.submit(() -> replica(n).start()));
        }
        for (int i = 0; i < REPLICAS; i++) {
            replicas[i] = started.get(i).get(120, TimeUnit.SECONDS);
        }
        starting.shutdown();
    }

    private PackagedServer replica(int n) throws IOException {
        Map<String, String> env = new HashMap<>(database.env());
        env.put("TUS_STORAGE_FILESYSTEM_DIRECTORY", UPLOAD_DIR.toAbsolutePath().toString());
        env.put("TUS_HOOKS_HTTP_URL", receiver.url());
        env.put("TUS_HOOKS_OUTBOX_INITIAL_BACKOFF", "200ms");
        env.put("TUS_HOOKS_OUTBOX_MAX_BACKOFF", "2s");
        env.put("TUS_HOOKS_OUTBOX_POLL_INTERVAL", "500ms");
        env.put("TUS_HOOKS_HTTP_TIMEOUT", "10s");
        return new PackagedServer("hooks-replica-" + n, ports[n], env);
    }

    private Connection connect() throws java.sql.SQLException {
        return DriverManager.getConnection(database.jdbcUrl(), database.env().get("QUARKUS_DATASOURCE_USERNAME"),
                database.env().get("QUARKUS_DATASOURCE_PASSWORD"));
    }

    @AfterAll
    void stop() throws Exception {
        for (PackagedServer replica : replicas) {
            if (replica != null) {
                replica.close();
            }
        }
        receiver.close();
        database.close();
    }

    /** Index of the next live replica, round-robin. */
    private int next() {
        for (int tries = 0; tries < REPLICAS * 2; tries++) {
            int n = Math.floorMod(roundRobin.getAndIncrement(), REPLICAS);
            if (replicas[n].isAlive()) {
                return n;
            }
        }
        throw new IllegalStateException("no replica alive");
    }

    /** Creates an upload on one replica and sends its bytes to the next; returns its id and when the 204 came. */
    private record Uploaded(String id, long finishedAtNanos) {
    }

    private Uploaded upload(int size) throws Exception {
        HttpResponse<String> created = http
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[next()] + "/files"))
                        .header("Tus-Resumable", "1.0.0").header("Upload-Length", Integer.toString(size))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        String location = created.headers().firstValue("Location").orElseThrow();
        String id = location.substring(location.lastIndexOf('/') + 1);
        HttpResponse<String> patched = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[next()] + "/files/" + id))
                        .header("Tus-Resumable", "1.0.0").header("Upload-Offset", "0")
                        .header("Content-Type", "application/offset+octet-stream")
                        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(new byte[size])).build(),
                HttpResponse.BodyHandlers.ofString());
        long at = System.nanoTime();
        assertEquals(204, patched.statusCode(), patched.body());
        return new Uploaded(id, at);
    }

    private List<Uploaded> uploadMany(int count, int threads) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(threads);
        List<Future<Uploaded>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(clients.submit(() -> upload(10_000)));
        }
        List<Uploaded> done = new ArrayList<>();
        for (Future<Uploaded> future : futures) {
            done.add(future.get(2, TimeUnit.MINUTES));
        }
        clients.shutdown();
        return done;
    }

    private void awaitAll(List<Uploaded> uploads, String type) throws InterruptedException {
        Poll.until("every " + type, Duration.ofSeconds(120),
                () -> uploads.stream().allMatch(u -> !receiver.got(type, u.id()).isEmpty()));
    }

    /** Distinct event ids the receiver got for each upload and type: exactly one each, whatever the repeats. */
    private void assertOneEventEach(List<Uploaded> uploads) {
        for (Uploaded upload : uploads) {
            for (String type : List.of("post-create", "post-finish")) {
                Set<String> ids = receiver.got(type, upload.id()).stream().map(HookReceiver.Received::eventId)
                        .collect(Collectors.toSet());
                assertEquals(1, ids.size(), type + " of " + upload.id() + ": " + ids);
            }
            long created = receiver.got("post-create", upload.id()).get(0).receivedAtNanos();
            long finished = receiver.got("post-finish", upload.id()).get(0).receivedAtNanos();
            assertTrue(created <= finished, "post-finish before post-create for " + upload.id());
        }
    }

    private int repeats(List<Uploaded> uploads) {
        int repeats = 0;
        for (Uploaded upload : uploads) {
            repeats += receiver.got("post-create", upload.id()).size() - 1;
            repeats += receiver.got("post-finish", upload.id()).size() - 1;
        }
        return repeats;
    }

    @Test
    @Order(1)
    void happy_path_every_event_exactly_once_in_order() throws Exception {
        receiver.answer(r -> Answer.OK);
        List<Uploaded> uploads = uploadMany(300, 12);
        awaitAll(uploads, "post-finish");
        assertOneEventEach(uploads);
        assertEquals(0, repeats(uploads), "a repeated delivery in the happy path");
        List<Long> latencies = new ArrayList<>();
        for (Uploaded upload : uploads) {
            long received = receiver.got("post-finish", upload.id()).get(0).receivedAtNanos();
            latencies.add(Math.max(0, received - upload.finishedAtNanos()) / 1_000_000);
        }
        Collections.sort(latencies);
        for (int i = 0; i < REPLICAS; i++) {
            System.out.printf("hooks: replica %d, commit to receiver's 2xx (tus_hook_outbox_delivery_delay_seconds): "
                    + "p50 %.1f ms, p99 %.1f ms%n", i, 1000 * quantile(replicas[i], "0.5"),
                    1000 * quantile(replicas[i], "0.99"));
        }
        System.out.printf("hooks: post-finish latency (client's 204 to receiver) over %d uploads on %d replicas: "
                + "p50 %d ms, p99 %d ms, max %d ms%n", uploads.size(), REPLICAS, latencies.get(latencies.size() / 2),
                latencies.get(latencies.size() * 99 / 100), latencies.get(latencies.size() - 1));
    }

    @Test
    @Order(2)
    void receiver_outage_then_back_every_event_arrives() throws Exception {
        // The receiver's post-* handler is down (pre-create keeps answering: were it down too, creations would get 502
        // ERR_HOOK_FAILED, as HttpHooksTest shows, and clients would retry them).
        receiver.answer(r -> r.type().startsWith("post-") ? new Answer(503, "down for maintenance") : Answer.OK);
        List<Uploaded> uploads = uploadMany(40, 8);
        Poll.until("the replicas to retry", Duration.ofSeconds(30),
                () -> uploads.stream().anyMatch(u -> receiver.attempts("post-create", u.id()).size() >= 2));
        receiver.answer(r -> Answer.OK);
        awaitAll(uploads, "post-finish");
        assertOneEventEach(uploads);
        assertEquals(0, repeats(uploads), "an event delivered twice after an outage");
    }

    @Test
    @Order(3)
    void a_replica_killed_while_sending_leaves_its_events_to_the_others() throws Exception {
        // The receiver holds each request 3 s, so replicas are mid-send when one of them is killed.
        CountDownLatch killed = new CountDownLatch(1);
        receiver.answer(r -> {
            try {
                killed.await(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Answer.OK;
        });
        List<Uploaded> uploads = uploadMany(40, 8);
        Poll.until("events in flight", Duration.ofSeconds(30),
                () -> uploads.stream().anyMatch(u -> !receiver.attempts("post-finish", u.id()).isEmpty()));
        replicas[1].kill();
        replicas[1].awaitExit(Duration.ofSeconds(10));
        killed.countDown();
        receiver.answer(r -> Answer.OK);
        awaitAll(uploads, "post-finish");
        assertOneEventEach(uploads);
        System.out.printf("hooks: after kill -9 of a replica mid-send, %d repeated deliveries (same Idempotency-Key)%n",
                repeats(uploads));
        Poll.until("an empty outbox", Duration.ofSeconds(60), () -> outboxDepth() == 0);
        replicas[1] = replica(1).start();
    }

    @Test
    @Order(4)
    void outbox_throughput_over_replicas() throws Exception {
        receiver.answer(r -> Answer.OK);
        int events = 3000;
        List<String> ids = new ArrayList<>();
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO hook_outbox (event_id, upload_id, "
                    + "hook_type, payload) VALUES (?, ?, 'post-finish', ?)")) {
                for (int i = 0; i < events; i++) {
                    String id = "bench" + i + "x" + UUID.randomUUID().toString().replace("-", "");
                    ids.add(id);
                    insert.setObject(1, UUID.randomUUID());
                    insert.setString(2, id);
                    insert.setString(3, "{\"Type\":\"post-finish\",\"Event\":{\"Upload\":{\"ID\":\"" + id + "\",\"Size\":1,"
                            + "\"SizeIsDeferred\":false,\"Offset\":1,\"MetaData\":{},\"IsPartial\":false,\"IsFinal\":false,"
                            + "\"PartialUploads\":null,\"Storage\":null},\"HTTPRequest\":{\"Method\":\"PATCH\",\"URI\":\"/files/"
                            + id + "\",\"RemoteAddr\":\"127.0.0.1:1\",\"Header\":{}}}}");
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            long start = System.nanoTime();
            connection.commit();
            Poll.until("the backlog to drain", Duration.ofSeconds(120),
                    () -> ids.stream().allMatch(id -> !receiver.got("post-finish", id).isEmpty()));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("hooks: outbox drained %d events in %.2f s over %d replicas: %.0f events/s%n", events,
                    seconds, REPLICAS, events / seconds);
            for (String id : ids) {
                assertEquals(1, receiver.got("post-finish", id).size(), "event of " + id);
            }
        }
    }

    /** A quantile of the delivery delay a replica measured (seconds). */
    private double quantile(PackagedServer replica, String quantile) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(replica.managementUrl() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("tus_hook_outbox_delivery_delay_seconds{") && line.contains("quantile=\"" + quantile + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no delivery delay quantile " + quantile + " on " + replica.managementUrl());
    }

    private long outboxDepth() throws Exception {
        try (Connection connection = connect();
                java.sql.ResultSet row = connection.createStatement().executeQuery("SELECT count(*) FROM hook_outbox")) {
            row.next();
            return row.getLong(1);
        }
    }
}
