package io.resumableupload.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A request over a raw socket, for what HTTP clients will not do: stop mid-body, stall, reset, lie about
 * Content-Length, send chunked bodies of our choosing.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = socket.getInputStream();
    }

    public static RawHttp connect(int port) throws IOException {
        Socket socket = new Socket("localhost", port);
        socket.setTcpNoDelay(true);
        return new RawHttp(socket);
    }

    /**
     * A TLS connection that trusts any certificate (the test server's is self-signed). The JVM's TLS clients treat an
     * end without close_notify as an error in the tests (surefire sets {@code com.sun.net.ssl.requireCloseNotify}),
     * as curl and OpenSSL 3 do.
     */
    public static RawHttp connectTls(int port) throws Exception {
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, new javax.net.ssl.TrustManager[] { new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        } }, null);
        javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket("localhost", port);
        socket.setTcpNoDelay(true);
        socket.startHandshake();
        return new RawHttp(socket);
    }

    /**
     * Waits (at most {@code timeout}) for the server to end the connection cleanly: the end of the stream, with no
     * byte before it; a reset or (over TLS) an end without close_notify is thrown as the IOException it is.
     */
    public void awaitCleanEnd(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        int b = in.read();
        if (b >= 0) {
            throw new AssertionError("the server sent more on a connection it should have closed: " + (char) b);
        }
    }

    /** Sends a PATCH request head for {@code path} with the given extra header lines (each ending in CRLF). */
    public RawHttp patchHead(String path, long offset, String extraHeaders) throws IOException {
        return send("PATCH " + path + " HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: " + offset
                + "\r\nContent-Type: application/offset+octet-stream\r\n" + extraHeaders + "\r\n");
    }

    /**
     * Sends a PATCH of 3 MiB (more than the socket buffers hold, less than a lingering close reads) at offset 0 in
     * 64 KiB pieces with short pauses, as a client that goes on writing its body after an early answer.
     */
    public RawHttp patchOf3MiBInPieces(String path) throws IOException, InterruptedException {
        byte[] piece = new byte[64 * 1024];
        int pieces = 48;
        patchHead(path, 0, "Content-Length: " + (long) piece.length * pieces + "\r\n");
        for (int i = 0; i < pieces; i++) {
            send(piece);
            if (i % 8 == 0) {
                Thread.sleep(20);
            }
        }
        return this;
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends {@code bytes} as one chunk of a chunked body. */
    public RawHttp chunk(byte[] bytes) throws IOException {
        send(Integer.toHexString(bytes.length) + "\r\n");
        send(bytes);
        return send("\r\n");
    }

    public RawHttp lastChunk() throws IOException {
        return send("0\r\n\r\n");
    }

    /** Half-closes: the server sees FIN (end of stream) after what was sent. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Closes with SO_LINGER 0: the server sees a TCP RST. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Reads the response status line and headers (not the body), or null when the connection closes first. */
    public Response readResponse(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                    String text = head.toString(StandardCharsets.ISO_8859_1);
                    if (text.startsWith("HTTP/1.1 100")) {
                        head.reset();
                        continue;
                    }
                    return new Response(text);
                }
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** Reads the body of {@code response} (Content-Length bytes) as text. */
    public String readBody(Response response) throws IOException {
        String length = response.header("Content-Length");
        byte[] body = in.readNBytes(length == null ? 0 : Integer.parseInt(length));
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Whether response bytes are waiting to be read (does not block). */
    public boolean answered() throws IOException {
        return in.available() > 0;
    }

    /**
     * Whether the server closes the connection within {@code timeout}: true on end of stream or a reset, false when
     * the connection is still open then. Fails when the server sends anything else.
     */
    public boolean closedByServer(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            int b = in.read();
            if (b >= 0) {
                throw new AssertionError("the server sent more on a connection it should have closed: " + (char) b
                        + new String(in.readNBytes(Math.min(in.available(), 200)), StandardCharsets.ISO_8859_1));
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Reads a response that must have {@code status} and say {@code Connection: close}, then checks that the server
     * ends the connection after it (within 3 s); returns the response's body.
     */
    public String readClosingResponse(int status) throws IOException {
        Response response = readResponse(Duration.ofSeconds(5));
        if (response == null) {
            throw new AssertionError("the connection ended before a response came");
        }
        if (response.status() != status || !"close".equalsIgnoreCase(response.header("Connection"))) {
            throw new AssertionError("expected " + status + " with Connection: close, got " + response.head());
        }
        String body = readBody(response);
        if (!closedByServer(Duration.ofSeconds(3))) {
            throw new AssertionError("the connection stayed open after Connection: close");
        }
        return body;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A response head. */
    public record Response(String head) {
        public int status() {
            return Integer.parseInt(head.substring(9, 12));
        }

        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0
                        && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }
}
