package io.resumableupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/** The manifests quarkus-kubernetes generates at package time (target/kubernetes/kubernetes.yml). */
class KubernetesManifestIT {

    private static final List<JsonNode> resources = new ArrayList<>();
    private static JsonNode deployment;
    private static JsonNode container;

    @BeforeAll
    static void read() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        try (var parser = yaml.getFactory().createParser(Path.of("target/kubernetes/kubernetes.yml").toFile())) {
            yaml.readValues(parser, JsonNode.class).forEachRemaining(resources::add);
        }
        deployment = resources.stream().filter(r -> r.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
        container = deployment.at("/spec/template/spec/containers/0");
    }

    @Test
    void several_replicas_and_no_unavailable_pod_during_a_rollout() {
        assertTrue(deployment.at("/spec/replicas").asInt() > 1);
        assertEquals(0, deployment.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt());
    }

    /** Health lives on the management port (9000), which the public Service does not expose. */
    @Test
    void probes_point_at_the_health_endpoints_on_the_management_port() {
        assertEquals("/q/health/ready", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/q/health/live", container.at("/livenessProbe/httpGet/path").asText());
        assertEquals("/q/health/started", container.at("/startupProbe/httpGet/path").asText());
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertEquals(9000, container.at("/" + probe + "/httpGet/port").asInt(), probe);
        }
        JsonNode service = resources.stream().filter(r -> r.path("kind").asText().equals("Service")).findFirst()
                .orElseThrow();
        for (JsonNode port : service.at("/spec/ports")) {
            assertEquals(8080, port.path("targetPort").asInt(), "the Service exposes only the public port");
        }
    }

    @Test
    void shutdown_has_a_pre_stop_pause_inside_the_grace_period() {
        assertTrue(container.at("/lifecycle/preStop/exec/command").isArray());
        int grace = deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asInt();
        // preStop 5 s + shutdown delay 1 s + drain 10 s + HTTP timeout 15 s = 31 s must fit.
        assertTrue(grace >= 35, "grace period " + grace);
    }

    @Test
    void resources_are_requested_and_memory_is_limited() {
        assertFalse(container.at("/resources/requests/cpu").asText().isEmpty());
        assertFalse(container.at("/resources/requests/memory").asText().isEmpty());
        assertFalse(container.at("/resources/limits/memory").asText().isEmpty());
    }

    @Test
    void prometheus_scrapes_the_metrics_endpoint() {
        JsonNode annotations = deployment.at("/spec/template/metadata/annotations");
        assertEquals("true", annotations.path("prometheus.io/scrape").asText());
        assertEquals("/q/metrics", annotations.path("prometheus.io/path").asText());
        assertEquals("9000", annotations.path("prometheus.io/port").asText());
        // A ServiceMonitor could only reach the Service's ports, and the Service does not expose the management port.
        assertTrue(resources.stream().noneMatch(r -> r.path("kind").asText().equals("ServiceMonitor")),
                "a ServiceMonitor would point at a port the Service does not expose");
    }

    @Test
    void database_settings_come_from_a_secret_and_bytes_from_a_shared_volume() {
        assertEquals("resumable-upload-db", container.at("/envFrom/0/secretRef/name").asText());
        assertEquals("/data", container.at("/volumeMounts/0/mountPath").asText());
        assertFalse(deployment.at("/spec/template/spec/volumes/0/persistentVolumeClaim/claimName").asText().isEmpty());
        boolean noMigrationJob = resources.stream().noneMatch(r -> r.path("kind").asText().equals("Job"));
        assertTrue(noMigrationJob, "each replica migrates at start; a separate Job would not get the Secret");
    }
}
