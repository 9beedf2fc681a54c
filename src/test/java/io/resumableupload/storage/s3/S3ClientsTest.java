package io.resumableupload.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The SDK client S3Clients builds, against a raw-socket stand-in for S3 that closes the connection after a request's
 * head without an answer, as an endpoint that restarted does to a pooled keep-alive connection. Where the JDK
 * transport waits for "100 Continue", it reports that ("Unexpected end of file from server") as an
 * UncheckedIOException, which the SDK neither retried nor turned into an SdkException: an append answered 500 in
 * S3AppendUnderLoadTest after s3proxy restarted.
 */
class S3ClientsTest {

    @Test
    void a_request_cut_before_its_answer_is_tried_again() throws Exception {
        try (CuttingStore store = new CuttingStore(1)) {
            S3Client s3 = store.client(3);
            String etag = s3.uploadPart(r -> r.bucket("bucket").key("key").uploadId("u1").partNumber(1),
                    RequestBody.fromBytes(new byte[1000])).eTag();
            assertEquals("\"done\"", etag);
            assertEquals(2, store.requests.get(), "one request cut, one answered");
            s3.close();
        }
    }

    @Test
    void a_store_that_cuts_every_request_fails_as_an_sdk_failure_after_the_retries() throws Exception {
        try (CuttingStore store = new CuttingStore(Integer.MAX_VALUE)) {
            S3Client s3 = store.client(3);
            // An SdkClientException is what the S3 backend answers 503 ERR_STORAGE_UNAVAILABLE to.
            assertThrows(SdkClientException.class, () -> s3.putObject(r -> r.bucket("bucket").key("key"),
                    RequestBody.fromBytes(new byte[1000])));
            assertEquals(3, store.requests.get(), "every attempt reached the store");
            s3.close();
        }
    }

    /** Answers requests; closes the connection after the head of the first {@code cuts} of them, answering nothing. */
    private static final class CuttingStore implements AutoCloseable {

        private final ServerSocket socket;
        private final int cuts;
        final AtomicInteger requests = new AtomicInteger();
        private final Thread acceptor;

        CuttingStore(int cuts) throws IOException {
            this.cuts = cuts;
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(this::accept, "cutting-store");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        S3Client client(int maxAttempts) {
            return new S3Clients(Optional.of(URI.create("http://127.0.0.1:" + socket.getLocalPort())),
                    Optional.of("us-east-1"), true, Optional.of("key"), Optional.of("secret"), maxAttempts).client();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    Thread serving = new Thread(() -> serve(connection), "cutting-store-connection");
                    serving.setDaemon(true);
                    serving.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket connection) {
            try (connection; InputStream in = connection.getInputStream(); OutputStream out = connection.getOutputStream()) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    long length = 0;
                    boolean expectsContinue = false;
                    for (String line : head.split("\r\n")) {
                        String lower = line.toLowerCase(Locale.ROOT);
                        if (lower.startsWith("content-length:")) {
                            length = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        } else if (lower.startsWith("expect:") && lower.contains("100-continue")) {
                            expectsContinue = true;
                        }
                    }
                    if (requests.incrementAndGet() <= cuts) {
                        // Closed with no status line while the client waits for "100 Continue" (the SDK asks for it
                        // on every part and put): HttpURLConnection.getOutputStream() fails, inside the transport.
                        return;
                    }
                    if (expectsContinue) {
                        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                    in.readNBytes((int) length);
                    out.write("HTTP/1.1 200 OK\r\nETag: \"done\"\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            for (int b; (b = in.read()) >= 0;) {
                head.write(b);
                matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4) {
                    return head.toString(StandardCharsets.US_ASCII);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
