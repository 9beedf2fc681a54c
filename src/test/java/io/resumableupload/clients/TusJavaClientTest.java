package io.resumableupload.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.CuttingProxy;
import io.resumableupload.support.Tus;
import io.tus.java.client.TusClient;
import io.tus.java.client.TusURLMemoryStore;
import io.tus.java.client.TusUpload;
import io.tus.java.client.TusUploader;

/** The real tus-java-client (Maven Central) uploads, gets cut off by the network, and resumes. */
@QuarkusTest
class TusJavaClientTest {

    private static final int SIZE = 3 * 1024 * 1024 + 123;

    @TestHTTPResource("/")
    URL root;

    @Test
    void uploads_in_chunks_with_metadata() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 1);
        TusClient client = client(root.getPort());
        TusUpload upload = upload(data);
        upload.setMetadata(Map.of("filename", "report.bin", "filetype", "application/octet-stream"));
        TusUploader uploader = client.createUpload(upload);
        uploader.setChunkSize(512 * 1024);
        while (uploader.uploadChunk() > -1) {
            // keep going
        }
        uploader.finish();
        String path = uploader.getUploadURL().getPath();
        assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(path)));
        Tus.head(path).then().header("Upload-Metadata", org.hamcrest.Matchers.containsString("filename"));
    }

    @Test
    void is_cut_off_mid_upload_and_resumes_from_the_stored_offset() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 2);
        TusURLMemoryStore store = new TusURLMemoryStore();
        try (CuttingProxy proxy = new CuttingProxy(root.getPort())) {
            TusClient client = client(proxy.port());
            client.enableResuming(store);
            TusUpload upload = upload(data);

            proxy.cutAfter(1_200_000);
            TusUploader first = client.resumeOrCreateUpload(upload);
            first.setChunkSize(SIZE);
            assertThrows(IOException.class, () -> {
                while (first.uploadChunk() > -1) {
                    // the proxy cuts the connection part way
                }
                first.finish();
            });
            assertEquals(1, proxy.cuts());

            String path = first.getUploadURL().getPath();
            long stored = Tus.offset(path);
            assertTrue(stored > 0 && stored < SIZE, "stored " + stored);

            TusUploader second = client.resumeOrCreateUpload(upload);
            assertEquals(first.getUploadURL(), second.getUploadURL(), "the client created a new upload");
            assertEquals(stored, second.getOffset(), "the client did not resume from the stored offset");
            second.setChunkSize(SIZE);
            while (second.uploadChunk() > -1) {
                // upload the rest
            }
            second.finish();
            assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(path)));
        }
    }

    private static TusClient client(int port) throws Exception {
        TusClient client = new TusClient();
        client.setUploadCreationURL(new URL("http://localhost:" + port + "/files"));
        return client;
    }

    private static TusUpload upload(byte[] data) throws IOException {
        Path file = Files.createTempFile("tus-java-client", ".bin");
        Files.write(file, data);
        file.toFile().deleteOnExit();
        return new TusUpload(file.toFile());
    }
}
