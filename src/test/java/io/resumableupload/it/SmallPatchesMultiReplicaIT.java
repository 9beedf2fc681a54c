package io.resumableupload.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.resumableupload.support.PackagedServer;

/**
 * {@link MultiReplicaIT} with PATCHes of at most 64 KiB: small bodies that arrive whole take their lock in a group
 * shared with the other small PATCHes of the moment (one transaction for their locks and offsets), so the cuts, the
 * replica killed with -9 while groups are open, and the resumes on other replicas all meet the lock groups. Every
 * upload still completes with the right sha256 and no lock is left behind; the replicas' meters show the PATCHes took
 * that path (how often groups are shared depends on timing here: {@code SmallAppendLockTest} asserts that).
 */
class SmallPatchesMultiReplicaIT extends MultiReplicaIT {

    private static final int PATCH = 64 * 1024;
    private static final HttpClient METRICS = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    int uploads() {
        return 96;
    }

    @Override
    int sizeOf(int n) {
        return 256 * 1024 + ThreadLocalRandom.current().nextInt(768 * 1024);
    }

    @Override
    long patchLength(long remaining) {
        return Math.min(remaining, PATCH);
    }

    @Override
    void afterChaos() throws Exception {
        double groups = 0;
        double grouped = 0;
        for (PackagedServer replica : replicas) {
            String scrape = METRICS.send(HttpRequest.newBuilder(URI.create(replica.managementUrl() + "/q/metrics"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
            groups += value(scrape, "tus_appends_lock_groups_total");
            grouped += value(scrape, "tus_appends_lock_grouped_total");
        }
        System.out.printf("multi-replica, small PATCHes: %.0f PATCHes in %.0f lock groups%n", grouped, groups);
        assertTrue(grouped >= uploads(), "only " + grouped + " PATCHes took their lock in a group");
    }

    private static double value(String scrape, String name) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }
}
