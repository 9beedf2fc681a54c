package io.resumableupload.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * The lingering close after a refused body over TLS: the response, then close_notify, then the end of the
 * connection. Without the close_notify a strict client (curl, OpenSSL 3, the JVM with requireCloseNotify) reports
 * the end as a truncation attack and may throw away the answer it read.
 */
@QuarkusTest
@TestProfile(TlsLingeringCloseTest.Profile.class)
class TlsLingeringCloseTest {

    @TestHTTPResource(value = "/", tls = true)
    URL secure;

    /** HTTPS with a self-signed certificate for localhost, made by the JDK's keytool. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Path keyStore = Path.of("target/tls-test/server.p12").toAbsolutePath();
            try {
                Files.createDirectories(keyStore.getParent());
                Files.deleteIfExists(keyStore);
                Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                        "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                        "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                        "-keystore", keyStore.toString(), "-storepass", "test-secret").inheritIO().start();
                if (keytool.waitFor() != 0) {
                    throw new IllegalStateException("keytool exited with " + keytool.exitValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return Map.of("quarkus.http.ssl.certificate.key-store-file", keyStore.toString(),
                    "quarkus.http.ssl.certificate.key-store-password", "test-secret", "quarkus.http.test-ssl-port", "0",
                    // HTTP/1.1 only: the lingering close is HTTP/1.x's (HTTP/2 ends streams, not connections).
                    "quarkus.http.http2", "false");
        }
    }

    @Test
    void a_client_still_sending_a_refused_body_reads_the_413_and_a_clean_tls_end() throws Exception {
        String path = Tus.create(10);
        try (RawHttp http = RawHttp.connectTls(secure.getPort())) {
            http.patchOf3MiBInPieces(path);
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(5));
            assertEquals(413, response.status());
            assertEquals("close", response.header("Connection"));
            assertTrue(http.readBody(response).startsWith("ERR_UPLOAD_SIZE_EXCEEDED"));
            http.awaitCleanEnd(Duration.ofSeconds(3));
        }
        assertEquals(0, Tus.offset(path));
    }
}
