package io.resumableupload.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of the server that can cut every connection once a number of request bytes went through,
 * the way a flaky network does. Armed with {@link #cutAfter}; after one cut it forwards everything.
 */
public final class CuttingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int targetPort;
    private final AtomicLong budget = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong cuts = new AtomicLong();

    public CuttingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "cutting-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Cuts the connection carrying the {@code bytes}-th request byte from now (counted across connections). */
    public void cutAfter(long bytes) {
        budget.set(bytes);
    }

    public long cuts() {
        return cuts.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                start(() -> pump(client, server, true));
                start(() -> pump(server, client, false));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean request) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (request) {
                    long left = budget.getAndAdd(-n);
                    if (left <= n) {
                        out.write(buffer, 0, (int) Math.max(0, left));
                        out.flush();
                        budget.set(Long.MAX_VALUE);
                        cuts.incrementAndGet();
                        from.setSoLinger(true, 0);
                        from.close();
                        to.close();
                        return;
                    }
                }
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void start(Runnable task) {
        Thread thread = new Thread(task, "cutting-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
