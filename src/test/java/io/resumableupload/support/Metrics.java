package io.resumableupload.support;

import static io.restassured.RestAssured.given;

import java.util.HashMap;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;

/** The Prometheus scrape of the server under test, as series (name plus labels) to value. */
public final class Metrics {

    private final Map<String, Double> series;

    private Metrics(Map<String, Double> series) {
        this.series = series;
    }

    /** Scrapes /q/metrics on the management interface of the server under test now. */
    public static Metrics scrape() {
        // Quarkus publishes the management port it bound (test-port 0 picks a free one) under this key.
        int port = ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
        Map<String, Double> series = new HashMap<>();
        for (String line : given().get("http://localhost:" + port + "/q/metrics").then().statusCode(200).extract().asString()
                .split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return new Metrics(series);
    }

    /** The value of a series, e.g. {@code tus_errors_total{code="ERR_MISMATCHED_OFFSET"}}; 0 when it is not there. */
    public double value(String name) {
        return series.getOrDefault(name, 0.0);
    }

    /** The sum of every series of a metric, whatever its labels, e.g. {@code tus_lock_acquire_seconds_count}. */
    public double total(String metric) {
        return series.entrySet().stream().filter(e -> e.getKey().equals(metric) || e.getKey().startsWith(metric + "{"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** How much a series moved from {@code before} to this scrape. */
    public double since(Metrics before, String name) {
        return value(name) - before.value(name);
    }
}
