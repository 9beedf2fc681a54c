package io.resumableupload.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/** The checksum algorithms of the checksum extension, under their TUS names. {@code sha1} is mandatory. */
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

    /** The lower-case name used in Upload-Checksum and Tus-Checksum-Algorithm. */
    public String tusName() {
        return tusName;
    }

    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + jcaName, e);
        }
    }

    public static Optional<ChecksumAlgorithm> byTusName(String name) {
        for (ChecksumAlgorithm algorithm : values()) {
            if (algorithm.tusName.equals(name)) {
                return Optional.of(algorithm);
            }
        }
        return Optional.empty();
    }
}
