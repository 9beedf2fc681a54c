package io.resumableupload.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real, small filesystem for the upload directory: a 16 MiB tmpfs mounted on {@code target/small-disk} (needs
 * root, or CAP_SYS_ADMIN), so tests can fill it up or make it read-only. Where mounting is not allowed the server
 * gets a plain directory instead and {@link #mounted()} is false: tests that need the mount skip with
 * {@link #whyNotMounted()}.
 */
public class SmallDisk implements QuarkusTestResourceLifecycleManager {

    public static final long SIZE = 16L * 1024 * 1024;
    private static final Path MOUNT_POINT = Path.of("target", "small-disk").toAbsolutePath();

    private static volatile boolean mounted;
    private static volatile String whyNotMounted = "not started";

    @Override
    public Map<String, String> start() {
        try {
            Files.createDirectories(MOUNT_POINT);
            run("umount", MOUNT_POINT.toString()); // a mount left behind by a killed run
            String failure = run("mount", "-t", "tmpfs", "-o", "size=" + SIZE, "tmpfs", MOUNT_POINT.toString());
            mounted = failure == null;
            whyNotMounted = failure;
            Files.createDirectories(uploads());
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + MOUNT_POINT, e);
        }
        return Map.of("tus.storage.filesystem.directory", uploads().toString());
    }

    @Override
    public void stop() {
        if (mounted) {
            writable(true);
            if (run("umount", MOUNT_POINT.toString()) != null) {
                run("umount", "-l", MOUNT_POINT.toString());
            }
            mounted = false;
        }
    }

    public static boolean mounted() {
        return mounted;
    }

    /** Why the tmpfs could not be mounted (the output of {@code mount}), or null. */
    public static String whyNotMounted() {
        return "cannot mount a tmpfs here, skipping: " + whyNotMounted;
    }

    /** The server's upload directory, on the small filesystem. */
    public static Path uploads() {
        return MOUNT_POINT.resolve("uploads");
    }

    /** A place on the small filesystem outside the upload directory (filler files). */
    public static Path mountPoint() {
        return MOUNT_POINT;
    }

    /** Remounts the filesystem read-only or read-write. */
    public static void writable(boolean writable) {
        String failure = run("mount", "-o", "remount," + (writable ? "rw" : "ro"), MOUNT_POINT.toString());
        if (failure != null) {
            throw new IllegalStateException("remount failed: " + failure);
        }
    }

    public static long usableSpace() throws IOException {
        return Files.getFileStore(MOUNT_POINT).getUsableSpace();
    }

    /** Runs a command; null when it succeeded, else what it printed. */
    private static String run(String... command) {
        try {
            Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return String.join(" ", command) + " did not finish";
            }
            return process.exitValue() == 0 ? null
                    : String.join(" ", command) + " exited with " + process.exitValue() + ": " + output;
        } catch (IOException e) {
            return String.join(" ", command) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
