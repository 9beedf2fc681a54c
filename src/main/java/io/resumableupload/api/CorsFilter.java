package io.resumableupload.api;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.resumableupload.config.TusConfig;
import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.TusHeaders;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * CORS for browsers, right for TUS without settings ({@code tus.cors.*}). Runs before routing and before
 * authentication, so a preflight is answered here: it never reaches the TUS filters (browsers send no
 * {@code Tus-Resumable} on a preflight) nor needs a token. Quarkus's own CORS filter
 * ({@code quarkus.http.cors.enabled}) must stay off: this one replaces it.
 */
@Singleton
public class CorsFilter {

    /** Every request header a TUS client sends (tus-js-client, Uppy, ours), plus those pages commonly add. */
    static final List<String> ALLOWED_HEADERS = List.of(TusHeaders.TUS_RESUMABLE, TusHeaders.UPLOAD_LENGTH,
            TusHeaders.UPLOAD_OFFSET, TusHeaders.UPLOAD_METADATA, TusHeaders.UPLOAD_DEFER_LENGTH,
            TusHeaders.UPLOAD_CONCAT, TusHeaders.UPLOAD_CHECKSUM, TusHeaders.X_HTTP_METHOD_OVERRIDE, "Content-Type",
            "Authorization", "X-Requested-With");

    /** Every response header a TUS client reads; without Location and Upload-Offset a browser cannot upload. */
    static final List<String> EXPOSED_HEADERS = List.of("Location", TusHeaders.UPLOAD_OFFSET, TusHeaders.UPLOAD_LENGTH,
            TusHeaders.UPLOAD_METADATA, TusHeaders.UPLOAD_DEFER_LENGTH, TusHeaders.UPLOAD_EXPIRES,
            TusHeaders.UPLOAD_CONCAT, TusHeaders.TUS_VERSION, TusHeaders.TUS_RESUMABLE, TusHeaders.TUS_MAX_SIZE,
            TusHeaders.TUS_EXTENSION, TusHeaders.TUS_CHECKSUM_ALGORITHM, "Content-Disposition");

    static final String ALLOWED_METHODS = "POST, HEAD, PATCH, DELETE, GET, OPTIONS";

    /** Before Quarkus's CORS (300) and security handlers. */
    private static final int PRIORITY = 400;

    private final TusConfig.Cors config;
    private final boolean anyOrigin;
    private final List<Pattern> origins;
    private final String allowedHeaders;
    private final String exposedHeaders;
    private final String maxAge;

    CorsFilter(TusConfig config) {
        this.config = config.cors();
        List<String> configured = this.config.allowedOrigins().stream().map(String::strip).filter(o -> !o.isEmpty())
                .toList();
        this.anyOrigin = anyOrigin(configured, this.config.allowCredentials());
        this.origins = configured.stream().filter(o -> !o.equals("*")).map(CorsFilter::originPattern).toList();
        this.allowedHeaders = join(ALLOWED_HEADERS, this.config.extraAllowedHeaders().orElse(List.of()));
        this.exposedHeaders = join(EXPOSED_HEADERS, this.config.extraExposedHeaders().orElse(List.of()));
        this.maxAge = String.valueOf(this.config.maxAge().toSeconds());
    }

    void register(@Observes Filters filters) {
        if (config.enabled()) {
            filters.register(this::handle, PRIORITY);
        }
    }

    private void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin == null) {
            context.next();
            return;
        }
        boolean preflight = request.method() == HttpMethod.OPTIONS
                && request.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) != null;
        HttpServerResponse response = context.response();
        if (!isAllowed(origin) && !isSameOrigin(origin, request)) {
            TusError error = TusError.ORIGIN_NOT_ALLOWED;
            response.setStatusCode(error.status()).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .putHeader(HttpHeaders.VARY, "Origin")
                    .end(error.code() + ": " + error.message() + "\n");
            return;
        }
        if (anyOrigin && !config.allowCredentials()) {
            response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        } else {
            response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.putHeader(HttpHeaders.VARY, "Origin");
        }
        if (config.allowCredentials()) {
            response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if (preflight) {
            // 200 rather than 204: some browsers have refused a 204 preflight (tusd makes the same choice).
            response.setStatusCode(200).putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS)
                    .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, allowedHeaders)
                    .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, maxAge)
                    .putHeader(HttpHeaders.CONTENT_LENGTH, "0").end();
            return;
        }
        response.putHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, exposedHeaders);
        context.next();
    }

    /** Whether every origin is allowed; refuses {@code *} with credentials. */
    static boolean anyOrigin(List<String> origins, boolean allowCredentials) {
        boolean any = origins.contains("*");
        if (any && allowCredentials) {
            // Any origin with credentials would let every site act with the user's cookies: refuse to run so.
            throw new IllegalStateException("tus.cors.allow-credentials=true cannot be combined with "
                    + "tus.cors.allowed-origins=*: list the origins that may send credentials");
        }
        return any;
    }

    boolean isAllowed(String origin) {
        if (anyOrigin) {
            return true;
        }
        String normalized = origin.toLowerCase(Locale.ROOT);
        return origins.stream().anyMatch(p -> p.matcher(normalized).matches());
    }

    /** The page served by this server itself (a browser sends Origin on its own POST and PATCH too). */
    private static boolean isSameOrigin(String origin, HttpServerRequest request) {
        return request.host() != null && origin.equalsIgnoreCase(request.scheme() + "://" + request.host());
    }

    /** An exact origin, or a pattern whose {@code *} matches any run of characters other than {@code /}. */
    static Pattern originPattern(String origin) {
        String lower = origin.toLowerCase(Locale.ROOT);
        List<String> parts = new ArrayList<>();
        for (String literal : lower.split("\\*", -1)) {
            parts.add(Pattern.quote(literal));
        }
        return Pattern.compile(String.join("[^/]+", parts));
    }

    private static String join(List<String> base, List<String> extra) {
        Set<String> all = new LinkedHashSet<>(base);
        extra.stream().map(String::strip).filter(h -> !h.isEmpty()).forEach(all::add);
        return String.join(", ", all);
    }
}
