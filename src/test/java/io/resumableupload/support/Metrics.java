package io.resumableupload.support;

import static io.restassured.RestAssured.given;

/** Reads one series from /q/metrics, so a test can assert how much a meter moved. */
public final class Metrics {

    private Metrics() {
    }

    /**
     * The value of {@code series} (a name with its labels as Prometheus prints them, e.g.
     * {@code tus_errors_total{code="ERR_UPLOAD_LOST"}}), or 0 when it is not exported yet.
     */
    public static double value(String series) {
        String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String line : body.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (!line.startsWith("#") && space > 0 && line.substring(0, space).equals(series)) {
                return Double.parseDouble(line.substring(space + 1));
            }
        }
        return 0;
    }
}
