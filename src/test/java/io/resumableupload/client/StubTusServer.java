package io.resumableupload.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A TUS server in memory (JDK HttpServer) whose PATCH answers can be made to fail on purpose: 503, 409, 423, a
 * connection cut after part of the body, a slow answer. For the client's retry tests.
 */
final class StubTusServer implements AutoCloseable {

    /** What the next PATCH does instead of succeeding normally. */
    enum Fault {
        /** 503 without storing anything. */
        UNAVAILABLE,
        /** 409 without storing anything (as if another request had moved the offset). */
        CONFLICT,
        /** 423 without storing anything. */
        LOCKED,
        /** Stores half the body, then cuts the connection without an answer. */
        RESET_HALFWAY,
        /** Stores the body, then waits 1.5 s before answering. */
        SLOW,
        /** 400, which must not be retried. */
        BAD_REQUEST,
        /** Accepts the PATCH, then neither reads its body nor answers (until the stub is closed). */
        HANG
    }

    private final HttpServer server;
    private final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();
    private final Map<String, Long> lengths = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final AtomicInteger ids = new AtomicInteger();
    final AtomicInteger patches = new AtomicInteger();
    final AtomicInteger heads = new AtomicInteger();
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    StubTusServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/files", this::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/files/");
    }

    void inject(Fault... next) {
        faults.addAll(java.util.List.of(next));
    }

    byte[] bytesOf(URI url) {
        return uploads.get(idOf(url.getPath())).toByteArray();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String override = exchange.getRequestHeaders().getFirst("X-HTTP-Method-Override");
        if (override != null && method.equals("POST")) {
            method = override;
        }
        String path = exchange.getRequestURI().getPath();
        exchange.getResponseHeaders().set("Tus-Resumable", "1.0.0");
        switch (method) {
            case "OPTIONS" -> {
                exchange.getResponseHeaders().set("Tus-Version", "1.0.0");
                exchange.getResponseHeaders().set("Tus-Extension", "creation,creation-defer-length");
                respond(exchange, 200);
            }
            case "POST" -> {
                String id = "u" + ids.incrementAndGet();
                uploads.put(id, new ByteArrayOutputStream());
                String length = exchange.getRequestHeaders().getFirst("Upload-Length");
                if (length != null) {
                    lengths.put(id, Long.parseLong(length));
                }
                exchange.getResponseHeaders().set("Location", "/files/" + id);
                respond(exchange, 201);
            }
            case "HEAD" -> {
                heads.incrementAndGet();
                ByteArrayOutputStream data = uploads.get(idOf(path));
                if (data == null) {
                    respond(exchange, 404);
                    return;
                }
                exchange.getResponseHeaders().set("Upload-Offset", Long.toString(data.size()));
                Long length = lengths.get(idOf(path));
                if (length != null) {
                    exchange.getResponseHeaders().set("Upload-Length", Long.toString(length));
                }
                respond(exchange, 200);
            }
            case "PATCH" -> patch(exchange, idOf(path));
            default -> respond(exchange, 405);
        }
    }

    private void patch(HttpExchange exchange, String id) throws IOException {
        patches.incrementAndGet();
        ByteArrayOutputStream data = uploads.get(id);
        long offset = Long.parseLong(exchange.getRequestHeaders().getFirst("Upload-Offset"));
        String declared = exchange.getRequestHeaders().getFirst("Upload-Length");
        if (declared != null) {
            lengths.put(id, Long.parseLong(declared));
        }
        Fault fault = faults.poll();
        if (fault == Fault.HANG) {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        if (fault != null && fault != Fault.RESET_HALFWAY && fault != Fault.SLOW) {
            exchange.getRequestBody().readAllBytes();
            respond(exchange, switch (fault) {
                case UNAVAILABLE -> 503;
                case CONFLICT -> 409;
                case LOCKED -> 423;
                default -> 400;
            });
            return;
        }
        synchronized (data) {
            if (offset != data.size()) {
                exchange.getRequestBody().readAllBytes();
                respond(exchange, 409);
                return;
            }
            InputStream body = exchange.getRequestBody();
            if (fault == Fault.RESET_HALFWAY) {
                long length = Long.parseLong(exchange.getRequestHeaders().getFirst("Content-Length"));
                data.write(body.readNBytes((int) (length / 2)));
                // Closing without an answer: the client sees the connection end mid-request.
                exchange.close();
                return;
            }
            data.write(body.readAllBytes());
        }
        if (fault == Fault.SLOW) {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        exchange.getResponseHeaders().set("Upload-Offset", Long.toString(data.size()));
        respond(exchange, 204);
    }

    private static String idOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static void respond(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }
}
