package io.resumableupload.storage.gcs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cloud Storage in memory, strict where the GCS backend depends on GCS's rules: every write of a name gets a new
 * generation, a generation precondition that does not hold is a 412 ({@link GcsApi.PreconditionFailedException}),
 * compose takes 1 to 32 existing sources (400 otherwise) and may name its target among them, no object exceeds 5 TiB,
 * a ranged read past the end is a 416, and a create must get exactly the bytes it announced. What it does not model:
 * latency, eventual anything (GCS lists are strongly consistent too), rate limits (1 write per second per object
 * name), soft delete, CRC32C.
 */
final class FakeGcs implements GcsApi {

    private record Stored(byte[] data, long generation, String contentType) {
    }

    private final TreeMap<String, Stored> objects = new TreeMap<>();
    private long nextGeneration = 1_700_000_000_000_000L;
    /** The most sources any compose was given (refused ones included). */
    final AtomicInteger largestCompose = new AtomicInteger();
    final AtomicInteger composes = new AtomicInteger();

    @Override
    public synchronized long create(String name, InputStream data, long size, String contentType, long ifGenerationMatch)
            throws IOException {
        if (size > MAX_OBJECT_SIZE) {
            throw new IOException("400: object larger than 5 TiB");
        }
        byte[] bytes = data.readAllBytes();
        if (bytes.length != size) {
            throw new IOException("400: " + bytes.length + " bytes sent, " + size + " announced");
        }
        check(name, ifGenerationMatch);
        return put(name, bytes, contentType);
    }

    @Override
    public synchronized ObjectInfo compose(List<String> sources, String target, String contentType, Long ifGenerationMatch)
            throws IOException {
        largestCompose.accumulateAndGet(sources.size(), Math::max);
        if (sources.isEmpty() || sources.size() > MAX_COMPOSE_SOURCES) {
            throw new IOException("400: compose takes 1 to 32 source objects, not " + sources.size());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String source : sources) {
            Stored stored = objects.get(source);
            if (stored == null) {
                throw new IOException("404: compose source " + source + " does not exist");
            }
            out.write(stored.data());
            if (out.size() > MAX_OBJECT_SIZE) {
                throw new IOException("400: composed object larger than 5 TiB");
            }
        }
        if (ifGenerationMatch != null) {
            check(target, ifGenerationMatch);
        }
        composes.incrementAndGet();
        long generation = put(target, out.toByteArray(), contentType);
        return new ObjectInfo(target, out.size(), generation);
    }

    @Override
    public synchronized List<ObjectInfo> list(String prefix) {
        List<ObjectInfo> found = new ArrayList<>();
        for (var entry : objects.tailMap(prefix, true).entrySet()) {
            if (!entry.getKey().startsWith(prefix)) {
                break;
            }
            found.add(info(entry.getKey(), entry.getValue()));
        }
        return found;
    }

    @Override
    public synchronized Optional<ObjectInfo> get(String name) {
        Stored stored = objects.get(name);
        return stored == null ? Optional.empty() : Optional.of(info(name, stored));
    }

    synchronized Optional<String> contentType(String name) {
        return Optional.ofNullable(objects.get(name)).map(Stored::contentType);
    }

    @Override
    public synchronized InputStream read(String name, long position, long length) throws IOException {
        Stored stored = objects.get(name);
        if (stored == null) {
            throw new IOException("404: " + name + " does not exist");
        }
        if (position < 0 || length < 0 || position + length > stored.data().length) {
            throw new IOException("416: " + position + "+" + length + " is beyond " + stored.data().length + " bytes");
        }
        return new ByteArrayInputStream(stored.data(), (int) position, (int) length);
    }

    @Override
    public synchronized void delete(String name, Long generation) throws IOException {
        Stored stored = objects.get(name);
        if (stored == null) {
            return;
        }
        if (generation != null && stored.generation() != generation) {
            throw new PreconditionFailedException("412: " + name + " is at generation " + stored.generation());
        }
        objects.remove(name);
    }

    @Override
    public URI signedUrl(String name, Duration validity, String contentType, String contentDisposition) throws IOException {
        throw new IOException("the fake does not sign URLs");
    }

    @Override
    public void checkBucket(Duration timeout) {
    }

    private void check(String name, long ifGenerationMatch) throws PreconditionFailedException {
        Stored stored = objects.get(name);
        long current = stored == null ? 0 : stored.generation();
        if (current != ifGenerationMatch) {
            throw new PreconditionFailedException("412: " + name + " is at generation " + current + ", not "
                    + ifGenerationMatch);
        }
    }

    private long put(String name, byte[] data, String contentType) {
        long generation = nextGeneration++;
        objects.put(name, new Stored(data, generation, contentType));
        return generation;
    }

    private static ObjectInfo info(String name, Stored stored) {
        return new ObjectInfo(name, stored.data().length, stored.generation());
    }
}
