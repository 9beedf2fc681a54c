package io.resumableupload.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How the tests install and wait for the services they start as processes (s3proxy, Azurite, the GCS emulator).
 */
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

    /**
     * Installs the npm package pinned in {@code source} (its package.json and package-lock.json) into {@code install}
     * with {@code npm ci}, logging to {@code target/it-logs/<name>-npm-ci.log}.
     */
    static void npmCi(Path source, Path install, String name, long timeoutMinutes) throws IOException {
        Files.createDirectories(install);
        for (String file : List.of("package.json", "package-lock.json")) {
            Files.copy(source.resolve(file), install.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Path log = Path.of("target/it-logs/" + name + "-npm-ci.log");
        Files.createDirectories(log.getParent());
        try {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
                    .directory(install.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!npm.waitFor(timeoutMinutes, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                npm.destroyForcibly();
                throw new IllegalStateException("npm ci of " + name + " failed, see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
