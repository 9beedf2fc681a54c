package io.resumableupload.client;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;

/**
 * Checksum algorithms of the TUS checksum extension, under their TUS names. The server has its own copy
 * ({@code protocol.ChecksumAlgorithm}) on purpose: the client jar holds nothing but this package, and the server
 * never depends on the client.
 */
public enum ChecksumAlgorithm {
    SHA1("sha1", "SHA-1"),
    SHA256("sha256", "SHA-256"),
    SHA512("sha512", "SHA-512"),
    MD5("md5", "MD5");

    private final String tusName;
    private final String jcaName;

    ChecksumAlgorithm(String tusName, String jcaName) {
        this.tusName = tusName;
        this.jcaName = jcaName;
    }

    /** The name used in {@code Upload-Checksum} and {@code Tus-Checksum-Algorithm}. */
    public String tusName() {
        return tusName;
    }

    /** A new digest for this algorithm. */
    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + jcaName, e);
        }
    }

    /** The algorithm with this TUS name (case-insensitive), if any. */
    public static Optional<ChecksumAlgorithm> byTusName(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        for (ChecksumAlgorithm algorithm : values()) {
            if (algorithm.tusName.equals(wanted)) {
                return Optional.of(algorithm);
            }
        }
        return Optional.empty();
    }
}
