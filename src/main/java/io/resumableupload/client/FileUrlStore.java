package io.resumableupload.client;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link UrlStore} in a text file (one {@code fingerprint<TAB>value} per line), safe when several processes
 * share it: every operation holds an OS lock on {@code <file>.lock} while it reads, and replaces the file
 * atomically (write a temporary file, then rename) when it writes, so a reader never sees half a file and a crash
 * never leaves one.
 */
public final class FileUrlStore implements UrlStore {

    private final Path file;
    private final Path lockFile;
    /** OS file locks are per process: threads of this JVM also queue here. */
    private final ReentrantLock threads = new ReentrantLock();

    public FileUrlStore(Path file) {
        this.file = file.toAbsolutePath();
        this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
    }

    /** The file this store uses. */
    public Path file() {
        return file;
    }

    @Override
    public Optional<String> get(String fingerprint) throws IOException {
        return locked(entries -> Optional.ofNullable(entries.get(fingerprint)), false);
    }

    @Override
    public void put(String fingerprint, String value) throws IOException {
        if (fingerprint.contains("\t") || fingerprint.contains("\n") || value.contains("\n")) {
            throw new IllegalArgumentException("fingerprints and values must be single lines without tabs");
        }
        locked(entries -> entries.put(fingerprint, value), true);
    }

    @Override
    public void remove(String fingerprint) throws IOException {
        locked(entries -> entries.remove(fingerprint), true);
    }

    private interface Operation<T> {
        T apply(Map<String, String> entries);
    }

    private <T> T locked(Operation<T> operation, boolean write) throws IOException {
        threads.lock();
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock held = lock.lock()) {
                Map<String, String> entries = read();
                T result = operation.apply(entries);
                if (write) {
                    write(entries);
                }
                return result;
            }
        } finally {
            threads.unlock();
        }
    }

    private Map<String, String> read() throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return entries;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                entries.put(line.substring(0, tab), line.substring(tab + 1));
            }
        }
        return entries;
    }

    private void write(Map<String, String> entries) throws IOException {
        StringBuilder text = new StringBuilder();
        entries.forEach((fingerprint, value) -> text.append(fingerprint).append('\t').append(value).append('\n'));
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(StandardCharsets.UTF_8.encode(text.toString()));
            out.force(true);
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
