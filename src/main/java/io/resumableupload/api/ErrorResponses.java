package io.resumableupload.api;

import jakarta.inject.Singleton;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.TusHeaders;
import io.resumableupload.upload.UploadMetrics;
import io.vertx.core.http.HttpServerRequest;

/** Builds every error response: {@code text/plain} {@code ERR_CODE: detail} with the catalogue's status. */
@Singleton
public class ErrorResponses {

    private final UploadMetrics metrics;

    ErrorResponses(UploadMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * @param request the request, to decide whether the connection must close (a body that was not read); may be null
     */
    public Response of(TusError error, String detail, HttpServerRequest request) {
        metrics.error(error.code(), error.status());
        Response.ResponseBuilder response = Response.status(error.status(), reasonPhrase(error))
                .type(MediaType.TEXT_PLAIN_TYPE.withCharset("utf-8")).entity(error.code() + ": " + detail + "\n");
        if (error == TusError.UNSUPPORTED_VERSION) {
            response.header(TusHeaders.TUS_VERSION, TusHeaders.VERSION);
        }
        String challenge = challenge(error);
        if (challenge != null) {
            response.header("WWW-Authenticate", challenge);
        }
        if (request != null && bodyLeftUnread(request)) {
            // Closing beats reading possibly gigabytes only to discard them; ConnectionClose makes it happen.
            response.header("Connection", "close");
        }
        return response.build();
    }

    /**
     * The request announced a body that was not (fully) read. A request without a body never counts: Quarkus hands
     * requests over paused, so {@link HttpServerRequest#isEnded()} is false for them too, and a 404 on a HEAD must not
     * cost the client its connection.
     */
    static boolean bodyLeftUnread(HttpServerRequest request) {
        if (request.isEnded()) {
            return false;
        }
        String length = request.getHeader("Content-Length");
        return request.getHeader("Transfer-Encoding") != null || (length != null && !length.strip().equals("0"));
    }

    /** The RFC 6750 challenge of an authentication error, else null. */
    private static String challenge(TusError error) {
        return switch (error) {
            case UNAUTHORIZED -> "Bearer";
            case INVALID_TOKEN -> "Bearer error=\"invalid_token\"";
            case FORBIDDEN -> "Bearer error=\"insufficient_scope\"";
            default -> null;
        };
    }

    private static String reasonPhrase(TusError error) {
        if (error.status() == 460) {
            return "Checksum Mismatch";
        }
        if (error.status() == 423) {
            return "Locked";
        }
        Response.Status standard = Response.Status.fromStatusCode(error.status());
        return standard != null ? standard.getReasonPhrase() : "Error";
    }
}
