package io.resumableupload.upload;

import io.resumableupload.hooks.RequestInfo;
import io.resumableupload.persistence.UploadRecord;

/**
 * Who is asking, as far as ownership goes. With {@code tus.auth.mode=none} everyone is {@link #ANYONE} and sees every
 * upload; with {@code jwt} a caller sees only the uploads it created ({@link #owner(String)}), and a caller without
 * a token ({@link #ANONYMOUS}, allowed only for public downloads) sees none.
 *
 * @param subject the owner claim of the caller's token, or null
 * @param restricted whether ownership is checked at all
 * @param request the request being served, for hooks ({@link RequestInfo#NONE} outside a request)
 */
public record Caller(String subject, boolean restricted, RequestInfo request) {

    public Caller(String subject, boolean restricted) {
        this(subject, restricted, RequestInfo.NONE);
    }

    /** This caller making {@code request} (what hooks are told about it). */
    public Caller withRequest(RequestInfo request) {
        return new Caller(subject, restricted, request);
    }

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
