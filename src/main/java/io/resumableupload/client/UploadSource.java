package io.resumableupload.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What to upload: a file (re-readable, so it can be sent in parallel and resumed across runs) or a stream (read
 * once, in chunks; of known or unknown length).
 */
public sealed interface UploadSource {

    /** The size in bytes, or -1 when unknown (deferred length). */
    long size();

    /** The key under which a {@link UrlStore} remembers this source's upload, or empty if it cannot be resumed. */
    Optional<String> fingerprint() throws IOException;

    /** A file. Its fingerprint is its absolute path, size and modification time. */
    static UploadSource of(Path file) throws IOException {
        return new FileSource(file.toAbsolutePath(), Files.size(file), false);
    }

    /**
     * A file whose fingerprint also covers a SHA-256 of its content: a changed file with the same size and time is
     * not mistaken for the one already partly uploaded. Reads the whole file once more.
     */
    static UploadSource ofWithContentFingerprint(Path file) throws IOException {
        return new FileSource(file.toAbsolutePath(), Files.size(file), true);
    }

    /**
     * A stream of {@code size} bytes. The caller gives {@code fingerprint} to make it resumable across runs (the
     * stream must then yield the same bytes again), or null.
     */
    static UploadSource of(InputStream in, long size, String fingerprint) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0; use ofUnknownLength for streams of unknown size");
        }
        return new StreamSource(in, size, fingerprint);
    }

    /** A stream whose length is known only at its end (creation-defer-length). */
    static UploadSource ofUnknownLength(InputStream in) {
        return new StreamSource(in, -1, null);
    }

    /** A file source. */
    record FileSource(Path path, long size, boolean contentFingerprint) implements UploadSource {
        @Override
        public Optional<String> fingerprint() throws IOException {
            StringBuilder key = new StringBuilder("file:").append(path).append('|').append(size).append('|')
                    .append(Files.getLastModifiedTime(path).toMillis());
            if (contentFingerprint) {
                key.append('|').append(contentHash());
            }
            return Optional.of(hex(sha256().digest(key.toString().getBytes(StandardCharsets.UTF_8))));
        }

        private String contentHash() throws IOException {
            MessageDigest digest = sha256();
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(1 << 20);
                while (channel.read(buffer) > 0) {
                    buffer.flip();
                    digest.update(buffer);
                    buffer.clear();
                }
            }
            return hex(digest.digest());
        }
    }

    /** A stream source. */
    record StreamSource(InputStream in, long size, String givenFingerprint) implements UploadSource {
        @Override
        public Optional<String> fingerprint() {
            return Optional.ofNullable(givenFingerprint)
                    .map(f -> hex(sha256().digest(("stream:" + f + '|' + size).getBytes(StandardCharsets.UTF_8))));
        }
    }

    private static MessageDigest sha256() {
        return ChecksumAlgorithm.SHA256.newDigest();
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
