package io.resumableupload.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * An HTTP proxy in front of s3proxy that can misbehave on chosen S3 requests, for faults that cannot be caused
 * otherwise: answer {@code 503 SlowDown} (throttling), or let S3 carry out a request and then run an action (kill -9
 * of the server that sent it) before the answer is delivered. One request per connection: the request goes upstream
 * with {@code Connection: close} and the answer comes back as it is.
 */
public final class S3FaultProxy implements AutoCloseable {

    /** What to do with one request. */
    public enum Action {
        FORWARD,
        SLOW_DOWN,
        /** Forward, wait for S3's answer, run {@link #onCut}, then drop the connection without answering. */
        FORWARD_THEN_CUT
    }

    private final int upstreamPort;
    private final ServerSocket server;
    private volatile BiFunction<String, String, Action> rule = (method, target) -> Action.FORWARD;
    private volatile Runnable onCut = () -> {
    };
    private final AtomicInteger slowDowns = new AtomicInteger();
    private final AtomicInteger cuts = new AtomicInteger();

    public S3FaultProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "s3-fault-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    /** Decides per request, from its method and request target (path and query). */
    public void rule(BiFunction<String, String, Action> rule) {
        this.rule = rule;
    }

    public void onCut(Runnable action) {
        this.onCut = action;
    }

    public int slowDowns() {
        return slowDowns.get();
    }

    public int cuts() {
        return cuts.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread handler = new Thread(() -> handle(client), "s3-fault-proxy-connection");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            long contentLength = 0;
            boolean expectContinue = false;
            StringBuilder forwarded = new StringBuilder(lines[0]).append("\r\n");
            for (int i = 1; i < lines.length; i++) {
                String name = lines[i].substring(0, Math.max(0, lines[i].indexOf(':'))).strip().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(lines[i].indexOf(':') + 1).strip();
                switch (name) {
                    case "content-length" -> contentLength = Long.parseLong(value);
                    case "expect" -> expectContinue = value.equalsIgnoreCase("100-continue");
                    case "transfer-encoding" -> throw new IOException("chunked requests are not supported");
                    default -> {
                    }
                }
                if (!name.equals("connection") && !name.equals("expect")) {
                    forwarded.append(lines[i]).append("\r\n");
                }
            }
            forwarded.append("Connection: close\r\n\r\n");
            if (expectContinue) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            byte[] body = in.readNBytes((int) contentLength);
            Action action = rule.apply(requestLine[0], requestLine[1]);
            if (action == Action.SLOW_DOWN) {
                slowDowns.incrementAndGet();
                byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                        + "<Message>Please reduce your request rate.</Message></Error>").getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " + xml.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(xml);
                out.flush();
                return;
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
                OutputStream up = upstream.getOutputStream();
                up.write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
                up.write(body);
                up.flush();
                byte[] answer = upstream.getInputStream().readAllBytes();
                if (action == Action.FORWARD_THEN_CUT) {
                    cuts.incrementAndGet();
                    onCut.run();
                    client.setSoLinger(true, 0);
                    return;
                }
                out.write(answer);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // the client or s3proxy went away: so does this connection
        }
    }

    /** The request head up to the blank line, or null at EOF. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b; (b = in.read()) >= 0;) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1
                    : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                String text = head.toString(StandardCharsets.ISO_8859_1);
                return text.substring(0, text.length() - 4);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
