package io.resumableupload.protocol;

/** Strict parsing of the numeric TUS headers. */
public final class HeaderValues {

    private static final int MAX_LONG_DIGITS = 19;

    private HeaderValues() {
    }

    /**
     * Parses a non-negative decimal integer the way the spec means it: ASCII digits only, no sign, no spaces, no
     * exponent, no overflow. Leading zeros are accepted (they do not change the value).
     *
     * @return the value, or -1 when {@code value} is not such an integer
     */
    public static long parseNonNegativeLong(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LONG_DIGITS + 20) {
            return -1;
        }
        long result = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            int digit = c - '0';
            if (result > (Long.MAX_VALUE - digit) / 10) {
                return -1;
            }
            result = result * 10 + digit;
        }
        return result;
    }

    /** Parses a header that must be a non-negative integer, or throws {@code error} naming the header. */
    public static long requireNonNegativeLong(String header, String value, TusError error) {
        long parsed = parseNonNegativeLong(value);
        if (parsed < 0) {
            throw new TusException(error,
                    value == null ? "missing " + header + " header"
                            : "invalid " + header + " header: not a non-negative integer");
        }
        return parsed;
    }
}
