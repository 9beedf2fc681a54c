package io.resumableupload.protocol;

/**
 * A single byte range of a {@code Range: bytes=...} request header (RFC 9110 §14), resolved against a length.
 *
 * @param first the first byte, inclusive
 * @param last the last byte, inclusive
 */
public record ByteRange(long first, long last) {

    /** Returned by {@link #parse} when the header asks for bytes that do not exist (answer 416). */
    public static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    public long length() {
        return last - first + 1;
    }

    /**
     * @return the range; null when the whole representation should be sent (no header, a syntax this server
     *         ignores, several ranges); {@link #UNSATISFIABLE} when no requested byte exists
     */
    public static ByteRange parse(String header, long length) {
        if (header == null || !header.startsWith("bytes=")) {
            return null;
        }
        String spec = header.substring("bytes=".length()).strip();
        if (spec.indexOf(',') >= 0) {
            // Multiple ranges would need multipart/byteranges; RFC 9110 lets us send the whole body instead.
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String start = spec.substring(0, dash).strip();
        String end = spec.substring(dash + 1).strip();
        if (start.isEmpty()) {
            long suffix = HeaderValues.parseNonNegativeLong(end);
            if (suffix < 0) {
                return null;
            }
            if (suffix == 0 || length == 0) {
                return UNSATISFIABLE;
            }
            return new ByteRange(Math.max(0, length - suffix), length - 1);
        }
        long first = HeaderValues.parseNonNegativeLong(start);
        long last = end.isEmpty() ? Long.MAX_VALUE : HeaderValues.parseNonNegativeLong(end);
        if (first < 0 || last < 0 || last < first) {
            return null;
        }
        if (first >= length) {
            return UNSATISFIABLE;
        }
        return new ByteRange(first, Math.min(last, length - 1));
    }
}
