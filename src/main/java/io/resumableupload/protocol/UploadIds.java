package io.resumableupload.protocol;

/**
 * The shape of an upload id. Ids come from a CSPRNG (see {@code upload.UploadIdGenerator}); whatever produced
 * one, it is checked here before it is used for anything: a lookup, a storage key, a file name.
 */
public final class UploadIds {

    /** 22 characters of unpadded base64url carry 132 bits; we never accept shorter ids. */
    public static final int MIN_LENGTH = 22;
    public static final int MAX_LENGTH = 64;

    private UploadIds() {
    }

    /**
     * True for 22 to 64 characters of {@code [A-Za-z0-9_-]}. Such an id cannot contain a path separator, a dot,
     * a percent sign, NUL or whitespace, so it can never step out of a storage namespace.
     */
    public static boolean isValid(String id) {
        if (id == null || id.length() < MIN_LENGTH || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
