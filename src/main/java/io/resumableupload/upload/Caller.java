package io.resumableupload.upload;

import io.resumableupload.persistence.UploadRecord;

/**
 * Who is asking, as far as ownership goes. With {@code tus.auth.mode=none} everyone is {@link #ANYONE} and sees every
 * upload; with {@code jwt} a caller sees only the uploads it created ({@link #owner(String)}), and a caller without
 * a token ({@link #ANONYMOUS}, allowed only for public downloads) sees none.
 *
 * @param subject the owner claim of the caller's token, or null
 * @param restricted whether ownership is checked at all
 */
public record Caller(String subject, boolean restricted) {

    /** tus.auth.mode=none: no identity and no ownership checks. */
    public static final Caller ANYONE = new Caller(null, false);

    /** tus.auth.mode=jwt without a token: owns nothing. */
    public static final Caller ANONYMOUS = new Caller(null, true);

    /** An authenticated caller whose uploads are those with this owner. */
    public static Caller owner(String subject) {
        if (subject == null || subject.isEmpty()) {
            throw new IllegalArgumentException("an owner needs a subject");
        }
        return new Caller(subject, true);
    }

    /** Whether this caller may see and change the upload. An upload without an owner is nobody's under jwt. */
    public boolean mayAccess(UploadRecord upload) {
        return !restricted || (subject != null && subject.equals(upload.owner()));
    }
}
