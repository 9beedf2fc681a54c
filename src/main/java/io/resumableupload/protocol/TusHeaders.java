package io.resumableupload.protocol;

/** Header names and fixed values of TUS 1.0.0. */
public final class TusHeaders {

    /** The only protocol version this server speaks. */
    public static final String VERSION = "1.0.0";

    public static final String TUS_RESUMABLE = "Tus-Resumable";
    public static final String TUS_VERSION = "Tus-Version";
    public static final String TUS_EXTENSION = "Tus-Extension";
    public static final String TUS_MAX_SIZE = "Tus-Max-Size";
    public static final String TUS_CHECKSUM_ALGORITHM = "Tus-Checksum-Algorithm";
    public static final String UPLOAD_OFFSET = "Upload-Offset";
    public static final String UPLOAD_LENGTH = "Upload-Length";
    public static final String UPLOAD_DEFER_LENGTH = "Upload-Defer-Length";
    public static final String UPLOAD_METADATA = "Upload-Metadata";
    public static final String UPLOAD_EXPIRES = "Upload-Expires";
    public static final String UPLOAD_CHECKSUM = "Upload-Checksum";
    public static final String UPLOAD_CONCAT = "Upload-Concat";
    public static final String X_HTTP_METHOD_OVERRIDE = "X-HTTP-Method-Override";

    /** The Content-Type every PATCH (and a creation-with-upload body) must carry. */
    public static final String OFFSET_OCTET_STREAM = "application/offset+octet-stream";

    private TusHeaders() {
    }
}
