package io.resumableupload.api;

import java.util.Locale;
import java.util.Set;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.UriBuilder;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import io.resumableupload.config.TusConfig;
import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.TusException;
import io.resumableupload.protocol.TusHeaders;
import io.resumableupload.upload.UploadMetrics;

/** The protocol rules every TUS request and response goes through. */
public class TusFilters {

    private static final Set<String> OVERRIDABLE_METHODS = Set.of("PATCH", "DELETE", "HEAD", "OPTIONS", "POST");

    private final TusConfig config;
    private final UploadMetrics metrics;

    TusFilters(TusConfig config, UploadMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    /**
     * Before routing: maps the configured base path onto the resource, applies X-HTTP-Method-Override, and checks
     * Tus-Resumable (412 with Tus-Version, without processing the request).
     */
    @ServerRequestFilter(preMatching = true)
    public void beforeRouting(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!isTusPath(path)) {
            return;
        }
        String basePath = config.basePath();
        if (!basePath.equals(TusResource.PATH)) {
            if (!path.startsWith(basePath)) {
                // The resource's fixed path is only reachable through the configured base path.
                throw new TusException(TusError.UPLOAD_NOT_FOUND, "no upload collection at " + TusResource.PATH);
            }
            String rest = path.substring(basePath.length());
            request.setRequestUri(UriBuilder.fromUri(request.getUriInfo().getRequestUri())
                    .replacePath(TusResource.PATH + rest).build());
        }
        // Only POST may be overridden: turning a GET (which browsers, caches and crawlers treat as safe) into a
        // DELETE would let a plain link destroy uploads. tusd makes the same choice.
        String override = request.getHeaderString(TusHeaders.X_HTTP_METHOD_OVERRIDE);
        if (override != null && request.getMethod().equals("POST")) {
            String method = override.strip().toUpperCase(Locale.ROOT);
            if (!OVERRIDABLE_METHODS.contains(method)) {
                throw new TusException(TusError.INVALID_METHOD_OVERRIDE,
                        "X-HTTP-Method-Override must be one of PATCH, DELETE, HEAD, OPTIONS");
            }
            request.setMethod(method);
        }
        String method = request.getMethod();
        // OPTIONS: the spec says the server MUST ignore Tus-Resumable. GET is a plain download (a browser link
        // cannot send the header), not a TUS request.
        if (!method.equals("OPTIONS") && !method.equals("GET")
                && !TusHeaders.VERSION.equals(request.getHeaderString(TusHeaders.TUS_RESUMABLE))) {
            throw new TusException(TusError.UNSUPPORTED_VERSION,
                    "Tus-Resumable must be " + TusHeaders.VERSION + ", got "
                            + printable(request.getHeaderString(TusHeaders.TUS_RESUMABLE)));
        }
    }

    /** Headers every TUS response carries, and the request counter. */
    @ServerResponseFilter
    public void afterResponse(ContainerRequestContext request, ContainerResponseContext response) {
        if (!isTusPath(request.getUriInfo().getPath())) {
            return;
        }
        response.getHeaders().putSingle(TusHeaders.TUS_RESUMABLE, TusHeaders.VERSION);
        // Uploaded bytes are hostile: never let a browser sniff them into HTML.
        response.getHeaders().putSingle("X-Content-Type-Options", "nosniff");
        metrics.request(request.getMethod(), response.getStatus());
    }

    private boolean isTusPath(String path) {
        return isUnder(path, config.basePath()) || isUnder(path, TusResource.PATH);
    }

    private static boolean isUnder(String path, String base) {
        return path.equals(base) || path.startsWith(base.endsWith("/") ? base : base + "/");
    }

    private static String printable(String value) {
        if (value == null) {
            return "nothing";
        }
        String cut = value.length() > 20 ? value.substring(0, 20) : value;
        return "'" + cut.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }
}
