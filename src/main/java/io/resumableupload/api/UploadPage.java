package io.resumableupload.api;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.resumableupload.config.TusConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The upload page at {@code /} ({@code tus.ui.enabled}): static files in {@code META-INF/resources} (index.html and
 * the Uppy bundle under ui/, built by ui/build.sh) plus {@code /ui/config.json}, which tells the page where uploads
 * go and whether to ask for a token. Switched off, all of it answers 404 and the public port serves only the
 * upload collection.
 */
@Singleton
public class UploadPage {

    static final String CONFIG_PATH = "/ui/config.json";

    private final TusConfig config;

    UploadPage(TusConfig config) {
        this.config = config;
    }

    void routes(@Observes Router router) {
        if (!config.ui().enabled()) {
            return;
        }
        String basePath = config.basePath().endsWith("/") ? config.basePath() : config.basePath() + "/";
        String body = new JsonObject().put("endpoint", basePath)
                .put("auth", config.auth().mode().name().toLowerCase(java.util.Locale.ROOT))
                .put("maxSize", config.maxSize().asLongValue()).encode();
        router.get(CONFIG_PATH).handler(context -> context.response().putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-store").end(body));
    }

    /**
     * With the page off, its static files must not be served either (they are in the jar whatever the setting). On,
     * it is served only at its own paths: {@code /files/..} is normalized to {@code /}, and a malformed upload URL
     * must not be answered with the page.
     */
    void guardPagePaths(@Observes Filters filters) {
        filters.register(context -> {
            String path = context.normalizedPath();
            boolean pagePath = path.equals("/") || path.equals("/index.html") || path.startsWith("/ui/");
            if (pagePath && (!config.ui().enabled() || !path.equals(context.request().path()))) {
                context.response().setStatusCode(404).end();
            } else {
                context.next();
            }
        }, 100);
    }
}
