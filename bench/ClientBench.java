// Times one upload with the resumable-upload client library, in-process, after a warm-up upload of WARMUP_FILE
// with the same settings (tus-js-upload.mjs does the same), so both clients are measured warm.
// java -cp target/resumable-upload-<version>-client.jar bench/ClientBench.java FILE ENDPOINT PARALLEL WARMUP_FILE
import io.resumableupload.client.TusClient;
import io.resumableupload.client.UploadOptions;
import io.resumableupload.client.UploadSource;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

public class ClientBench {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int parallel = Integer.parseInt(args[2]);
        try (TusClient client = TusClient.builder(URI.create(args[1])).parallelUploads(parallel).build()) {
            client.upload(UploadSource.of(Path.of(args[3])), UploadOptions.defaults());
            long start = System.nanoTime();
            client.upload(UploadSource.of(file), UploadOptions.defaults());
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "{\"client\":\"ours\",\"parallel\":%d,\"bytes\":%d,\"seconds\":%.3f,\"mb_per_s\":%.1f}%n",
                    parallel, Files.size(file), seconds, Files.size(file) / 1e6 / seconds);
        }
    }
}
