package io.resumableupload.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The one way the tests wait for a service they started as a process (s3proxy, Azurite, the GCS emulator). */
final class ServiceProcesses {

    private ServiceProcesses() {
    }

    /**
     * Waits up to 60 s until {@code process} accepts connections on {@code port} of 127.0.0.1.
     *
     * @throws IllegalStateException if it exits first or never listens, naming {@code what} and its {@code log}
     */
    static void awaitListening(Process process, int port, String what, Path log) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(what + " exited during start-up, see " + log);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + " did not listen within 60 s, see " + log);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException(interrupted);
                }
            }
        }
    }
}
