package io.resumableupload.protocol;

/**
 * Every error the server answers with: a stable code (named as in tusd, so operators can grep both), the HTTP
 * status and a default message. The response body is {@code text/plain} {@code CODE: detail}.
 */
public enum TusError {
    /** Spec: 412 and Tus-Version when the client's Tus-Resumable is missing or unsupported. */
    UNSUPPORTED_VERSION("ERR_UNSUPPORTED_VERSION", 412, "missing, invalid or unsupported Tus-Resumable header"),
    /** Spec: 413 whenever an upload would exceed Tus-Max-Size, on every path. */
    MAX_SIZE_EXCEEDED("ERR_MAX_SIZE_EXCEEDED", 413, "maximum size exceeded"),
    /** Spec 415; tusd answers 400 here, we follow the spec. */
    INVALID_CONTENT_TYPE("ERR_INVALID_CONTENT_TYPE", 415,
            "missing or invalid Content-Type header, expected application/offset+octet-stream"),
    INVALID_UPLOAD_LENGTH("ERR_INVALID_UPLOAD_LENGTH", 400, "missing or invalid Upload-Length header"),
    AMBIGUOUS_UPLOAD_LENGTH("ERR_AMBIGUOUS_UPLOAD_LENGTH", 400,
            "provided both Upload-Length and Upload-Defer-Length"),
    INVALID_UPLOAD_DEFER_LENGTH("ERR_INVALID_UPLOAD_DEFER_LENGTH", 400, "invalid Upload-Defer-Length header"),
    INVALID_OFFSET("ERR_INVALID_OFFSET", 400, "missing or invalid Upload-Offset header"),
    /** Spec: 409 without modifying the upload when Upload-Offset differs from the stored offset. */
    MISMATCHED_OFFSET("ERR_MISMATCHED_OFFSET", 409, "mismatched offset"),
    /** tusd: 413 when offset + body would exceed the declared Upload-Length. */
    UPLOAD_SIZE_EXCEEDED("ERR_UPLOAD_SIZE_EXCEEDED", 413, "upload's size exceeded"),
    INVALID_METADATA("ERR_INVALID_METADATA", 400, "invalid Upload-Metadata header"),
    INVALID_CONCAT("ERR_INVALID_CONCAT", 400, "invalid Upload-Concat header"),
    /**
     * A final upload naming more partials than tus.concatenation.max-partials (repeats counted): each reference is
     * copied, so the list bounds what one request can make the server do.
     */
    TOO_MANY_PARTIALS("ERR_TOO_MANY_PARTIALS", 400, "the final upload names too many partial uploads"),
    /** 400 when a final upload names an unfinished partial and concatenation-unfinished is off. */
    UPLOAD_NOT_FINISHED("ERR_UPLOAD_NOT_FINISHED", 400, "one of the partial uploads is not finished"),
    /** Spec: 403 for a PATCH to a final upload, or a final creation that carries a body. */
    MODIFY_FINAL("ERR_MODIFY_FINAL", 403, "modifying a final upload is not allowed"),
    UPLOAD_NOT_FOUND("ERR_UPLOAD_NOT_FOUND", 404, "upload not found"),
    /** 410 rather than 404 because the server remembers expired uploads (spec: "404 or 410"). */
    UPLOAD_EXPIRED("ERR_UPLOAD_EXPIRED", 410, "upload has expired"),
    INVALID_CHECKSUM("ERR_INVALID_CHECKSUM", 400, "invalid Upload-Checksum header"),
    /** Spec: 400 for an algorithm the server does not support. */
    UNSUPPORTED_CHECKSUM_ALGORITHM("ERR_UNSUPPORTED_CHECKSUM_ALGORITHM", 400, "unsupported checksum algorithm"),
    /** Spec: 460; the chunk is discarded and the offset is not moved. */
    CHECKSUM_MISMATCH("ERR_CHECKSUM_MISMATCH", 460, "checksum mismatch"),
    /**
     * The upload stayed locked past the acquire timeout. tusd answers 500 here; we answer 423 because it is the
     * truth (another request holds the upload), clients retry it (tus-js-client, ours), and a 5xx would page
     * operators for ordinary contention.
     */
    LOCK_TIMEOUT("ERR_LOCK_TIMEOUT", 423, "upload is locked by another request, try again"),
    /** The request was ended because a newer request for the same upload asked for the lock (tusd: 400). */
    UPLOAD_INTERRUPTED("ERR_UPLOAD_INTERRUPTED", 400, "upload has been interrupted by another request for this upload"),
    /**
     * The client sent nothing for the idle timeout. 500 as in tusd, "because most clients will not retry 4XX";
     * the bytes received before the pause are stored.
     */
    READ_TIMEOUT("ERR_READ_TIMEOUT", 500, "timeout while reading request body"),
    /** The body ended before Content-Length bytes arrived; what arrived is stored. */
    UNEXPECTED_EOF("ERR_UNEXPECTED_EOF", 400, "server expected to receive more bytes"),
    /** The server is shutting down; what arrived is stored, and the client resumes on another replica. */
    SERVER_SHUTDOWN("ERR_SERVER_SHUTDOWN", 503, "request has been interrupted because the server is shutting down"),
    /** GET of an upload whose bytes are not all there yet: we never serve a partial file. */
    INCOMPLETE_UPLOAD("ERR_INCOMPLETE_UPLOAD", 409, "cannot download an unfinished upload"),
    RANGE_NOT_SATISFIABLE("ERR_RANGE_NOT_SATISFIABLE", 416, "requested range not satisfiable"),
    /**
     * A creation request without a usable Host (HTTP/1.0 without one, an empty or invalid one) while
     * tus.location.base-url is unset: there is no URL to answer with, so nothing is created.
     */
    INVALID_HOST("ERR_INVALID_HOST", 400,
            "missing, empty or invalid Host header: the upload's URL cannot be built from it"),
    INVALID_METHOD_OVERRIDE("ERR_INVALID_METHOD_OVERRIDE", 400, "invalid X-HTTP-Method-Override header"),
    /** An extension that is switched off in configuration. */
    NOT_IMPLEMENTED("ERR_NOT_IMPLEMENTED", 501, "feature not implemented"),
    /** DELETE of a finished upload when tus.termination.finished-uploads is false (@tus/server: 400). */
    TERMINATION_REJECTED("ERR_UPLOAD_TERMINATION_REJECTED", 400, "upload termination has been rejected"),
    /** A dependency failed; nothing was changed and the client may retry. Prefer a code naming the cause below. */
    SERVICE_UNAVAILABLE("ERR_SERVICE_UNAVAILABLE", 503, "service temporarily unavailable, try again"),
    /** The database cannot be reached; nothing was changed and the client may retry (clients retry 5xx). */
    DATABASE_UNAVAILABLE("ERR_DATABASE_UNAVAILABLE", 503, "the database is unavailable, try again"),
    /** The storage backend cannot be reached or refuses writes (read-only mount, throttling); retry later. */
    STORAGE_UNAVAILABLE("ERR_STORAGE_UNAVAILABLE", 503, "the storage is unavailable, try again"),
    /** The lock backend (PostgreSQL sessions, Redis) cannot be reached, or a held lock was lost mid-request. */
    LOCK_UNAVAILABLE("ERR_LOCK_UNAVAILABLE", 503, "the lock service is unavailable, try again"),
    /** RFC 4918 507: no room left in storage; unacknowledged bytes were given back and the upload stays resumable. */
    STORAGE_FULL("ERR_STORAGE_FULL", 507, "insufficient storage, try again later"),
    /** The bytes the upload's offset counts are gone from storage; the upload cannot be resumed (as expired). */
    UPLOAD_LOST("ERR_UPLOAD_LOST", 410, "the upload's stored bytes were lost; start a new upload"),
    /** tus.auth.mode=jwt and no bearer token: 401 with {@code WWW-Authenticate: Bearer} (RFC 6750). */
    UNAUTHORIZED("ERR_UNAUTHORIZED", 401, "a bearer token is required"),
    /** A bearer token that fails verification (signature, issuer, audience, expiry, owner claim): 401, RFC 6750. */
    INVALID_TOKEN("ERR_INVALID_TOKEN", 401, "the bearer token is not valid"),
    /**
     * The token is valid but lacks tus.auth.create-role (RFC 6750 insufficient_scope). Uploads of other callers are
     * 404, never 403, so that ids cannot be probed.
     */
    FORBIDDEN("ERR_FORBIDDEN", 403, "the token does not allow this"),
    /** CORS: a request whose Origin is not in tus.cors.allowed-origins (preflights included). */
    ORIGIN_NOT_ALLOWED("ERR_ORIGIN_NOT_ALLOWED", 403, "this origin is not allowed to call the upload service"),
    /** A pre-create hook refused the upload (tusd: 400); the hook may set another status, body and headers. */
    UPLOAD_REJECTED("ERR_UPLOAD_REJECTED", 400, "upload creation has been rejected by server"),
    /** A pre-access hook refused the request; the hook may set another status, body and headers. */
    ACCESS_REJECTED("ERR_ACCESS_REJECTED", 403, "access to the upload has been rejected by server"),
    /** A post-receive hook stopped the upload (tusd: 400); the upload is terminated, as in tusd. */
    UPLOAD_STOPPED("ERR_UPLOAD_STOPPED", 400, "upload has been stopped by server"),
    /**
     * A blocking hook failed (timeout, 5xx, an answer that is not tusd's JSON) and tus.hooks.http.on-failure is
     * reject: 502, as a gateway whose upstream failed; clients retry 5xx, and nothing was changed.
     */
    HOOK_FAILED("ERR_HOOK_FAILED", 502, "a hook failed; nothing was changed, try again"),
    INTERNAL_SERVER_ERROR("ERR_INTERNAL_SERVER_ERROR", 500, "internal server error");

    private final String code;
    private final int status;
    private final String message;

    TusError(String code, int status, String message) {
        this.code = code;
        this.status = status;
        this.message = message;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    public String message() {
        return message;
    }
}
