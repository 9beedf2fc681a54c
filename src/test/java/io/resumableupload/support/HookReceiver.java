package io.resumableupload.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.vertx.core.json.JsonObject;

/**
 * A tusd hook receiver, as operators write them: a JDK HttpServer that takes tusd's JSON and answers tusd's JSON.
 * It records every request it gets and answers what {@link #answer} says (default: {@code {}}, go on).
 */
public final class HookReceiver implements AutoCloseable {

    /** One request the receiver got. */
    public record Received(String type, String uploadId, String eventId, String signature, JsonObject body,
            String rawBody, long receivedAtNanos, long receivedAtMillis) {

        public JsonObject upload() {
            return body.getJsonObject("Event").getJsonObject("Upload");
        }

        public JsonObject httpRequest() {
            return body.getJsonObject("Event").getJsonObject("HTTPRequest");
        }
    }

    /** An answer: status and JSON body. */
    public record Answer(int status, String body) {
        public static final Answer OK = new Answer(200, "{}");

        public static Answer json(String json) {
            return new Answer(200, json);
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Received> attempts = new CopyOnWriteArrayList<>();
    /** The requests answered 2xx by type and upload id, for quick lookups over thousands of events. */
    private final java.util.Map<String, List<Received>> byUpload = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Function<Received, Answer> answer = r -> Answer.OK;

    public HookReceiver(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 200);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/hooks", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
    }

    /** What to answer from now on. */
    public void answer(Function<Received, Answer> answer) {
        this.answer = answer;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String raw;
        try (InputStream in = exchange.getRequestBody()) {
            raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        JsonObject body = new JsonObject(raw);
        Received request = new Received(body.getString("Type"),
                body.getJsonObject("Event").getJsonObject("Upload").getString("ID"),
                exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                exchange.getRequestHeaders().getFirst("Hook-Signature"), body, raw, System.nanoTime(),
                System.currentTimeMillis());
        attempts.add(request);
        Answer reply;
        try {
            reply = answer.apply(request);
        } catch (RuntimeException e) {
            reply = new Answer(500, "receiver failed");
        }
        if (reply.status() >= 200 && reply.status() < 300) {
            received.add(request);
            byUpload.computeIfAbsent(request.type() + " " + request.uploadId(), k -> new CopyOnWriteArrayList<>())
                    .add(request);
        }
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The requests answered 2xx so far, of {@code type} for {@code uploadId}, in arrival order. */
    public List<Received> got(String type, String uploadId) {
        return List.copyOf(byUpload.getOrDefault(type + " " + uploadId, List.of()));
    }

    /** Every request answered 2xx so far. */
    public List<Received> all() {
        return List.copyOf(received);
    }

    /** Every request, whatever it was answered, of {@code type} for {@code uploadId}. */
    public List<Received> attempts(String type, String uploadId) {
        return attempts.stream().filter(r -> r.type().equals(type) && r.uploadId().equals(uploadId)).toList();
    }

    public void clear() {
        received.clear();
        attempts.clear();
        byUpload.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
