package io.resumableupload.hooks;

import static io.resumableupload.support.Tus.tus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.lock.UploadLock;
import io.resumableupload.lock.UploadLocks;
import io.resumableupload.persistence.UploadRecord;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.support.FinishedEvents;
import io.resumableupload.support.Tus;

/**
 * Lifecycle events never change the answer or the data: they fire after the state is committed and the upload's
 * lock is released, and an observer that throws is logged while the others still run.
 */
@QuarkusTest
class LifecycleEventsTest {

    /** Metadata that makes {@link FailingObservers} throw ("explode" with the value "yes"). */
    private static final String EXPLODE = "explode eWVz";

    @Inject
    FailingObservers failing;

    @Inject
    FinishedEvents finishedEvents;

    @Test
    void a_throwing_finished_observer_changes_neither_the_answer_nor_the_data() {
        byte[] data = Tus.randomBytes(1000, 1);
        String path = Tus.pathOf(tus().header("Upload-Length", data.length).header("Upload-Metadata", EXPLODE)
                .post("/files").then().statusCode(201).extract().header("Location"));
        Tus.patch(path, 0, data).then().statusCode(204).header("Upload-Offset", "1000");
        String id = Tus.idOf(path);
        assertEquals(1, finishedEvents.count(id), "the observer after the failing one did not run");
        assertEquals(Boolean.TRUE, failing.lockFreeWhenFinished.get(id), "fired while the upload was locked");
        assertEquals(Boolean.TRUE, failing.finishedInDatabase.get(id), "fired before the state was committed");
        assertArrayEquals(data, Tus.download(path));
    }

    @Test
    void a_throwing_observer_on_creation_with_upload_keeps_the_upload() {
        byte[] data = Tus.randomBytes(300, 2);
        String path = Tus.pathOf(tus().header("Upload-Length", data.length).header("Upload-Metadata", EXPLODE)
                .contentType(Tus.OFFSET_STREAM).body(data).post("/files").then().statusCode(201)
                .header("Upload-Offset", "300").extract().header("Location"));
        assertEquals(1, finishedEvents.count(Tus.idOf(path)));
        assertTrue(failing.created.contains(Tus.idOf(path)));
        assertArrayEquals(data, Tus.download(path));
    }

    @Test
    void a_throwing_terminated_observer_does_not_turn_a_delete_into_an_error() {
        String path = Tus.create(10);
        failing.explodeOnTermination.add(Tus.idOf(path));
        tus().delete(path).then().statusCode(204);
        Tus.head(path).then().statusCode(404);
    }

    /** Runs before every other observer and throws for the uploads a test marks (a singleton: no client proxy). */
    @Singleton
    public static class FailingObservers {

        final Map<String, Boolean> lockFreeWhenFinished = new ConcurrentHashMap<>();
        final Map<String, Boolean> finishedInDatabase = new ConcurrentHashMap<>();
        final Set<String> created = ConcurrentHashMap.newKeySet();
        final Set<String> explodeOnTermination = ConcurrentHashMap.newKeySet();

        @Inject
        UploadLocks locks;

        @Inject
        UploadRepository repository;

        void onCreated(@Observes @Priority(1) UploadCreated event) {
            if (explodes(event.upload())) {
                created.add(event.upload().id());
                throw new IllegalStateException("observer of UploadCreated failed on purpose");
            }
        }

        void onFinished(@Observes @Priority(1) UploadFinished event) {
            UploadInfo upload = event.upload();
            if (!explodes(upload)) {
                return;
            }
            lockFreeWhenFinished.put(upload.id(), lockIsFree(upload.id()));
            finishedInDatabase.put(upload.id(), repository.findRecord(upload.id()).map(UploadRecord::finished).orElse(false));
            throw new IllegalStateException("observer of UploadFinished failed on purpose");
        }

        void onTerminated(@Observes @Priority(1) UploadTerminated event) {
            if (explodeOnTermination.contains(event.uploadId())) {
                throw new IllegalStateException("observer of UploadTerminated failed on purpose");
            }
        }

        private boolean lockIsFree(String id) {
            try (UploadLock lock = locks.acquire(id, Duration.ZERO, () -> {
            })) {
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        private static boolean explodes(UploadInfo upload) {
            return "yes".equals(upload.metadata().get("explode"));
        }
    }
}
