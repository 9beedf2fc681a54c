package io.resumableupload.api;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.runtime.Startup;
import io.resumableupload.config.TusConfig;
import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.TusException;
import io.resumableupload.protocol.UploadIds;
import io.resumableupload.upload.UploadMetrics;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The URLs of uploads, both ways: the {@code Location} of a new upload, and the upload named by a URL in an
 * {@code Upload-Concat} final. One place, so that every URL this server hands out is one it accepts back.
 * {@code tus.location.base-url} is checked when the server starts.
 */
@Singleton
@Startup
public class UploadUrls {

    /**
     * A Host header value a URL can be built from: a host name or IP literal and an optional port, nothing that
     * would end the authority (RFC 3986 reg-name, IP-literal and port characters).
     */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._~%!$&'()*+,;=:\\[\\]-]+");

    /** {@code <base-path>/}, e.g. {@code /files/}. */
    private final String collectionPath;
    /** {@code tus.location.base-url} without a trailing slash, or null. */
    private final String publicBase;
    /** The collection's path as the public base URL shows it, e.g. {@code /api/files/}; null without one. */
    private final String publicCollectionPath;
    private final UploadMetrics metrics;

    UploadUrls(TusConfig config, UploadMetrics metrics) {
        this.metrics = metrics;
        this.collectionPath = config.basePath().endsWith("/") ? config.basePath() : config.basePath() + "/";
        URI base = config.location().baseUrl().orElse(null);
        if (base == null) {
            this.publicBase = null;
            this.publicCollectionPath = null;
        } else {
            String text = validBaseUrl(base).toString();
            this.publicBase = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
            String path = URI.create(publicBase).getRawPath();
            this.publicCollectionPath = (path == null ? "" : path) + collectionPath;
        }
    }

    /**
     * Vert.x Web refuses an HTTP/1.1 or HTTP/2 request whose Host (:authority) is missing or invalid before any route
     * runs (400, logged as an error with an id, body not in our format). This answers it as every other refusal:
     * {@code text/plain} {@code ERR_INVALID_HOST: ...}, counted, not logged: it is the client's mistake.
     */
    void answerInvalidHosts(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::invalidHost);
    }

    private void invalidHost(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (context.statusCode() != 400 || request.version() == HttpVersion.HTTP_1_0 || request.authority() != null
                || context.response().headWritten()) {
            context.next();
            return;
        }
        TusError error = TusError.INVALID_HOST;
        metrics.error(error.code(), error.status());
        HttpServerResponse response = context.response().setStatusCode(error.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain;charset=UTF-8");
        if (request.version() != HttpVersion.HTTP_2) {
            // HTTP/2 has no Connection header.
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        response.end(error.code() + ": the request needs a Host header (HTTP/2: :authority) with a host name and port\n");
    }

    /**
     * A configured base URL, if it is an absolute http(s) URL without credentials, query or fragment.
     *
     * @throws IllegalStateException otherwise (the server does not start)
     */
    static URI validBaseUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || url.getRawAuthority() == null
                || url.getRawUserInfo() != null || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw new IllegalStateException("tus.location.base-url must be an absolute http or https URL without "
                    + "credentials, query or fragment, like https://uploads.example.com; got " + url);
        }
        return url;
    }

    /**
     * The URL uploads created by this request live under, e.g. {@code https://uploads.example.com/files/}: from
     * {@code tus.location.base-url} when set, else from the request's scheme and Host (which Quarkus rewrites from
     * X-Forwarded-* only when {@code quarkus.http.proxy.*} says to trust them). Called before anything is created.
     *
     * @throws TusException {@link TusError#INVALID_HOST} when there is no base URL and no usable Host
     */
    public String collectionUrl(HttpServerRequest request) {
        if (publicBase != null) {
            return publicBase + collectionPath;
        }
        String host = request.host();
        if (host == null || host.isBlank()) {
            throw new TusException(TusError.INVALID_HOST,
                    "the request has no Host header, so the new upload would have no URL; send Host (HTTP/1.1)");
        }
        if (!HOST.matcher(host).matches()) {
            throw new TusException(TusError.INVALID_HOST, "the Host header is not a host name and port");
        }
        String url = request.scheme() + "://" + host + collectionPath;
        try {
            URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new TusException(TusError.INVALID_HOST, "the Host header is not a host name and port");
        }
        return url;
    }

    /** The {@code Location} of upload {@code id} created under {@code collectionUrl} (see {@link #collectionUrl}). */
    public static URI location(String collectionUrl, String id) {
        return URI.create(collectionUrl + id);
    }

    /**
     * The id named by a partial upload's URL in Upload-Concat: absolute or relative, its path must be
     * {@code <base-path>/<id>}, or that under the path of {@code tus.location.base-url} (the URL handed out).
     * Anything else (another path, traversal, an encoded character) is rejected before any lookup.
     *
     * @throws TusException {@link TusError#INVALID_CONCAT}
     */
    public String uploadIdOf(String url) {
        String path;
        try {
            path = URI.create(url).getRawPath();
        } catch (IllegalArgumentException e) {
            throw new TusException(TusError.INVALID_CONCAT, "Upload-Concat names an invalid URL");
        }
        String id = null;
        if (path != null && path.startsWith(collectionPath)) {
            id = path.substring(collectionPath.length());
        } else if (path != null && publicCollectionPath != null && path.startsWith(publicCollectionPath)) {
            id = path.substring(publicCollectionPath.length());
        }
        if (!UploadIds.isValid(id)) {
            throw new TusException(TusError.INVALID_CONCAT, "Upload-Concat names a URL that is not an upload of this server");
        }
        return id;
    }
}
