// Many slow uploads at once on one server: N PATCHes that each send 1 KiB per second for S seconds, while normal
// 64 KiB uploads are timed, and the server's threads, RSS and database connections are sampled.
// java bench/SlowClients.java ENDPOINT N SECONDS PID JDBC_URL
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.sql.*;
import java.util.*;

public class SlowClients {
    public static void main(String[] a) throws Exception {
        URI endpoint = URI.create(a[0]);
        int n = Integer.parseInt(a[1]);
        int seconds = Integer.parseInt(a[2]);
        long pid = Long.parseLong(a[3]);
        String jdbc = a[4];
        long size = 1024L * (seconds + 5);
        List<Socket> sockets = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String path = create(endpoint, size);
            Socket s = new Socket(endpoint.getHost(), endpoint.getPort());
            s.getOutputStream().write(("PATCH " + path + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            sockets.add(s);
            paths.add(path);
        }
        byte[] kib = new byte[1024];
        long maxThreads = 0, maxRss = 0, maxDb = 0;
        List<Long> normal = new ArrayList<>();
        for (int second = 0; second < seconds; second++) {
            long t = System.nanoTime();
            for (Socket s : sockets) s.getOutputStream().write(kib);
            long u = System.nanoTime();
            create(endpoint, 65536, true);
            normal.add((System.nanoTime() - u) / 1_000_000);
            long[] status = status(pid);
            maxThreads = Math.max(maxThreads, status[0]);
            maxRss = Math.max(maxRss, status[1]);
            maxDb = Math.max(maxDb, dbConnections(jdbc));
            long left = 1000 - (System.nanoTime() - t) / 1_000_000;
            if (left > 0) Thread.sleep(left);
        }
        for (Socket s : sockets) s.close();
        Collections.sort(normal);
        System.out.printf(Locale.ROOT, "{\"slow_uploads\":%d,\"seconds\":%d,\"server_threads_max\":%d,\"server_rss_max_mb\":%.0f,"
                + "\"db_connections_max\":%d,\"normal_upload_p50_ms\":%d,\"normal_upload_max_ms\":%d}%n",
                n, seconds, maxThreads, maxRss / 1024.0, maxDb, normal.get(normal.size() / 2), normal.get(normal.size() - 1));
    }

    static String create(URI endpoint, long size) throws IOException {
        return create(endpoint, size, false);
    }

    /** POST (and, with upload, one PATCH of the whole body); returns the path. */
    static String create(URI endpoint, long size, boolean upload) throws IOException {
        HttpURLConnection post = (HttpURLConnection) endpoint.toURL().openConnection();
        post.setRequestMethod("POST");
        post.setRequestProperty("Tus-Resumable", "1.0.0");
        post.setRequestProperty("Upload-Length", Long.toString(size));
        if (post.getResponseCode() != 201) throw new IOException("POST " + post.getResponseCode());
        String path = URI.create(post.getHeaderField("Location")).getPath();
        if (upload) {
            HttpURLConnection patch = (HttpURLConnection) endpoint.resolve(path).toURL().openConnection();
            patch.setRequestMethod("POST");
            patch.setRequestProperty("X-HTTP-Method-Override", "PATCH");
            patch.setRequestProperty("Tus-Resumable", "1.0.0");
            patch.setRequestProperty("Upload-Offset", "0");
            patch.setRequestProperty("Content-Type", "application/offset+octet-stream");
            patch.setDoOutput(true);
            patch.setFixedLengthStreamingMode(size);
            patch.getOutputStream().write(new byte[(int) size]);
            if (patch.getResponseCode() != 204) throw new IOException("PATCH " + patch.getResponseCode());
        }
        return path;
    }

    static long[] status(long pid) throws IOException {
        long threads = 0, rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) threads = Long.parseLong(line.replaceAll("\\D", ""));
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D", ""));
        }
        return new long[] { threads, rss };
    }

    static long dbConnections(String jdbc) {
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
                ResultSet r = c.createStatement().executeQuery("SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = current_database()")) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }
}
