import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Fires N cut PATCHes at a server: each creates an upload, sends the PATCH head and 1,000 of 100,000 bytes, then
 * closes (FIN) or, every other one, resets (RST). Prints how many it sent; bench/zombies.sh reads the server's files.
 *   java Zombies.java http://localhost:8080/files 3000
 */
public class Zombies {
    public static void main(String[] args) throws Exception {
        URI files = URI.create(args[0]);
        int count = Integer.parseInt(args[1]);
        HttpClient http = HttpClient.newHttpClient();
        byte[] part = new byte[1000];
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            HttpResponse<Void> created = http.send(HttpRequest.newBuilder(files).header("Tus-Resumable", "1.0.0")
                    .header("Upload-Length", "100000").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding());
            String path = URI.create(created.headers().firstValue("Location").orElseThrow()).getPath();
            Socket socket = new Socket(files.getHost(), files.getPort());
            OutputStream out = socket.getOutputStream();
            out.write(("PATCH " + path + " HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nContent-Length: 100000\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(part);
            out.flush();
            if (i % 2 == 1) {
                socket.setSoLinger(true, 0);
            }
            socket.close();
        }
        System.out.printf("%d cut PATCHes (half FIN, half RST) in %d ms%n", count, (System.nanoTime() - start) / 1_000_000);
    }
}
