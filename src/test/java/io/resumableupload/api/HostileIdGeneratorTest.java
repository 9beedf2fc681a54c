package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.upload.UploadIdGenerator;

/**
 * RELIABILITY D3: an application-provided id generator that returns traversal, absolute or non-URL-safe ids is
 * refused (500) and nothing is created, neither a row nor a file.
 */
@QuarkusTest
@TestProfile(HostileIdGeneratorTest.Profile.class)
class HostileIdGeneratorTest {

    static final List<String> HOSTILE = List.of("../../target/evil-d3-xxxxxxxxxxxx", "/tmp/evil-d3-xxxxxxxxxxxxxxxx",
            "evil d3 with spaces xxxxxxxxx", "evil%2Fd3%2Fxxxxxxxxxxxxxxxxxx", "short", "evil/d3/xxxxxxxxxxxxxxxxxxxx",
            "evil\u0000d3xxxxxxxxxxxxxxxxxxx", "évil-d3-xxxxxxxxxxxxxxxxxxxx");

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(HostileGenerator.class);
        }
    }

    @Alternative
    @Singleton
    public static class HostileGenerator implements UploadIdGenerator {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public String newId() {
            return HOSTILE.get(next.getAndIncrement() % HOSTILE.size());
        }
    }

    @Inject
    UploadRepository repository;

    @Test
    void hostile_generated_ids_are_never_used() {
        long before = repository.count();
        for (int i = 0; i < HOSTILE.size(); i++) {
            tus().header("Upload-Length", 10).post("/files").then().statusCode(500);
        }
        assertEquals(before, repository.count());
        assertFalse(Files.exists(Path.of("target/evil-d3-xxxxxxxxxxxx")));
        assertFalse(Files.exists(Path.of("/tmp/evil-d3-xxxxxxxxxxxxxxxx")));
    }
}
