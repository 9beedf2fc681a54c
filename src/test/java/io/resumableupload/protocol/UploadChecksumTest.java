package io.resumableupload.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class UploadChecksumTest {

    private static final Set<ChecksumAlgorithm> ALL = EnumSet.allOf(ChecksumAlgorithm.class);

    @ParameterizedTest
    @EnumSource(ChecksumAlgorithm.class)
    void parses_each_algorithm(ChecksumAlgorithm algorithm) {
        byte[] digest = algorithm.newDigest().digest("hello".getBytes(StandardCharsets.UTF_8));
        UploadChecksum checksum = UploadChecksum.parse(algorithm.tusName() + " " + Base64.getEncoder().encodeToString(digest),
                ALL);
        assertEquals(algorithm, checksum.algorithm());
    }

    @ParameterizedTest
    @ValueSource(strings = { "md4 AAAA", "SHA1 qvTGHdzF6KLavt4PO0gs2a6pQ00=", "crc32 AAAAAA==" })
    void unknown_algorithms_are_unsupported(String raw) {
        assertEquals(TusError.UNSUPPORTED_CHECKSUM_ALGORITHM,
                assertThrows(TusException.class, () -> UploadChecksum.parse(raw, ALL)).error());
    }

    @ParameterizedTest
    @ValueSource(strings = { "sha1", "sha1 ", " sha1 AAAA", "sha1 not base64!", "sha1 a b" })
    void malformed_headers_are_invalid(String raw) {
        assertEquals(TusError.INVALID_CHECKSUM, assertThrows(TusException.class, () -> UploadChecksum.parse(raw, ALL)).error());
    }

    @org.junit.jupiter.api.Test
    void a_disabled_algorithm_is_unsupported() {
        assertEquals(TusError.UNSUPPORTED_CHECKSUM_ALGORITHM, assertThrows(TusException.class,
                () -> UploadChecksum.parse("md5 XUFAKrxLKna5cZ2REBfFkg==", EnumSet.of(ChecksumAlgorithm.SHA1))).error());
    }

    /** Issue 7 item 18: a digest of the wrong length is well-formed; it parses and can never match (460, not 400). */
    @ParameterizedTest
    @ValueSource(strings = { "sha1 AAAA", "sha256 qvTGHdzF6KLavt4PO0gs2a6pQ00=" })
    void a_digest_of_the_wrong_length_parses(String raw) {
        UploadChecksum checksum = UploadChecksum.parse(raw, ALL);
        assertNotEquals(checksum.algorithm().newDigest().getDigestLength(), checksum.expectedDigest().length);
    }
}
