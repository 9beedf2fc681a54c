package io.resumableupload.protocol;

import java.util.Base64;
import java.util.Set;

/**
 * An {@code Upload-Checksum} header: {@code <algorithm> <base64 digest>}. The digest may have the wrong length for its
 * algorithm: such a checksum never matches (460).
 */
public record UploadChecksum(ChecksumAlgorithm algorithm, byte[] expectedDigest) {

    /**
     * @param supported the algorithms this server accepts
     * @throws TusException {@link TusError#UNSUPPORTED_CHECKSUM_ALGORITHM} for an unknown or disabled algorithm,
     *         {@link TusError#INVALID_CHECKSUM} for anything else malformed
     */
    public static UploadChecksum parse(String raw, Set<ChecksumAlgorithm> supported) {
        int space = raw.indexOf(' ');
        if (space <= 0 || space == raw.length() - 1 || raw.indexOf(' ', space + 1) >= 0) {
            throw new TusException(TusError.INVALID_CHECKSUM, "Upload-Checksum must be '<algorithm> <base64 digest>'");
        }
        String name = raw.substring(0, space);
        ChecksumAlgorithm algorithm = ChecksumAlgorithm.byTusName(name).filter(supported::contains)
                .orElseThrow(() -> new TusException(TusError.UNSUPPORTED_CHECKSUM_ALGORITHM,
                        "unsupported checksum algorithm '" + printable(name) + "'"));
        byte[] digest;
        try {
            digest = Base64.getDecoder().decode(raw.substring(space + 1));
        } catch (IllegalArgumentException e) {
            throw new TusException(TusError.INVALID_CHECKSUM, "Upload-Checksum digest is not valid base64");
        }
        // A digest of the wrong length is well-formed but can never match: the body is checked as any other and
        // answered 460 (tus-compliance-tests expects it; 400 is for headers that cannot be parsed).
        return new UploadChecksum(algorithm, digest);
    }

    private static String printable(String s) {
        String cut = s.length() > 32 ? s.substring(0, 32) : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
