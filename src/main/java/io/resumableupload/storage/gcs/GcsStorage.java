package io.resumableupload.storage.gcs;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import io.resumableupload.protocol.DownloadHeaders;
import io.resumableupload.protocol.UploadIds;
import io.resumableupload.storage.AppendSink;
import io.resumableupload.storage.ConcatenatingStorage;
import io.resumableupload.storage.PresigningStorage;
import io.resumableupload.storage.Spool;
import io.resumableupload.storage.StateCalls;
import io.resumableupload.storage.UploadBytesLostException;
import io.resumableupload.storage.UploadStorage;

/**
 * Uploads in one Cloud Storage bucket, as segment objects composed at finish. An append's bytes become
 * {@code <prefix><id>.seg.<start offset>} objects, one every {@code segment-size} bytes and one at every sync (of any
 * size: no 256 KiB granularity, no resumable session to expire after a week); a byte counts once the segment holding
 * it exists. {@link #finish} composes the segments into {@code <prefix><id>} and deletes them. A compose takes at most
 * 32 sources, so whenever an upload has 32 segments they are composed into the first one. Every write names the
 * generation it expects, so a lost race is a 412, never a silent overwrite. The package documentation has the rest.
 */
public final class GcsStorage implements UploadStorage, ConcatenatingStorage, PresigningStorage {

    private static final Logger LOG = Logger.getLogger(GcsStorage.class);
    private static final String SEGMENT = ".seg.";

    /**
     * The backend's settings.
     *
     * @param segmentSize an append stores a segment every this many bytes (and at every sync)
     * @param healthTimeout how long the readiness probe waits for the bucket
     */
    public record Settings(String bucket, String prefix, long segmentSize, long maxSize, Path spoolDirectory,
            Duration healthTimeout) {
    }

    private final GcsApi gcs;
    private final GcsState state;
    private final Settings settings;

    public GcsStorage(GcsApi gcs, DataSource dataSource, Settings settings) {
        if (settings.segmentSize() < 1) {
            throw new IllegalArgumentException("tus.storage.gcs.segment-size must be positive");
        }
        if (settings.maxSize() > GcsApi.MAX_OBJECT_SIZE) {
            throw new IllegalArgumentException("tus.max-size is larger than a GCS object can be (5 TiB)");
        }
        this.gcs = gcs;
        this.state = new GcsState(dataSource);
        this.settings = settings;
    }

    // ---- names ----

    String objectName(String uploadId) {
        if (!UploadIds.isValid(uploadId)) {
            throw new IllegalArgumentException("invalid upload id");
        }
        return settings.prefix() + uploadId;
    }

    String segmentName(String uploadId, long start) {
        return objectName(uploadId) + SEGMENT + String.format("%020d", start);
    }

    /** A stored segment: {@code [start, start + size)} of the upload. */
    record Segment(String name, long start, long size, long generation) {
        long end() {
            return start + size;
        }
    }

    /** The upload's segments by start offset (names sort by it: the offsets are zero-padded). */
    private List<Segment> segments(String uploadId) throws IOException {
        String prefix = objectName(uploadId) + SEGMENT;
        List<Segment> segments = new ArrayList<>();
        for (GcsApi.ObjectInfo info : gcs.list(prefix)) {
            long start;
            try {
                start = Long.parseLong(info.name().substring(prefix.length()));
            } catch (NumberFormatException e) {
                continue;
            }
            segments.add(new Segment(info.name(), start, info.size(), info.generation()));
        }
        segments.sort((a, b) -> Long.compare(a.start(), b.start()));
        return segments;
    }

    /**
     * The segments that hold {@code [0, end)} without a gap, in order; every other segment (a compaction's leftovers,
     * garbage beyond {@code end}) is deleted. Throws when they do not reach {@code end}.
     */
    private List<Segment> walk(String uploadId, List<Segment> all, long end) throws IOException {
        List<Segment> kept = new ArrayList<>();
        List<Segment> stale = new ArrayList<>();
        long position = 0;
        for (Segment segment : all) {
            if (segment.start() == position && position < end && segment.size() > 0) {
                kept.add(segment);
                position = segment.end();
            } else {
                stale.add(segment);
            }
        }
        if (position < end) {
            throw new UploadBytesLostException("upload " + uploadId + " is at offset " + end + " but its segments hold "
                    + position + " bytes");
        }
        for (Segment segment : stale) {
            gcs.delete(segment.name(), segment.generation());
        }
        return kept;
    }

    /** While there are 32 segments or more, composes the first 32 into the first one (whose name it keeps). */
    private List<Segment> compact(String uploadId, String contentType, List<Segment> segments) throws IOException {
        List<Segment> result = new ArrayList<>(segments);
        while (result.size() >= GcsApi.MAX_COMPOSE_SOURCES) {
            List<Segment> group = result.subList(0, GcsApi.MAX_COMPOSE_SOURCES);
            Segment first = group.get(0);
            GcsApi.ObjectInfo composed = gcs.compose(group.stream().map(Segment::name).toList(), first.name(),
                    contentType, first.generation());
            // A crash here leaves segments inside the composed one: the next walk sees they start before its end and
            // deletes them.
            for (Segment merged : group.subList(1, group.size())) {
                gcs.delete(merged.name(), merged.generation());
            }
            Segment whole = new Segment(first.name(), first.start(), composed.size(), composed.generation());
            group.clear();
            result.add(0, whole);
        }
        return result;
    }

    // ---- the SPI ----

    @Override
    public void create(String uploadId, String contentType) throws IOException {
        objectName(uploadId);
        db(() -> state.create(uploadId, contentType));
    }

    private String contentType(String uploadId) throws IOException {
        return db(() -> state.contentType(uploadId)).orElse(DownloadHeaders.FALLBACK_TYPE);
    }

    @Override
    public AppendSink openAppend(String uploadId, long committedOffset, Long length) throws IOException {
        String contentType = contentType(uploadId);
        List<Segment> all = segments(uploadId);
        long reach = 0;
        for (Segment segment : all) {
            if (segment.start() == reach) {
                reach = segment.end();
            }
        }
        if (reach < committedOffset) {
            // finish() composed and deleted the segments, but the compare-and-set never followed: the committed bytes
            // are in the final object. Copied back into a first segment (a rare crash window; streamed, never held).
            all = List.of(rebuildFromObject(uploadId, contentType, committedOffset, all));
        }
        // Whole segments below the committed offset are kept; the one it falls in is read back and written again,
        // with the new bytes, under the same name (conditional on its generation); segments beyond are garbage.
        List<Segment> kept = new ArrayList<>();
        Segment straddling = null;
        long position = 0;
        for (Segment segment : walk(uploadId, all, committedOffset)) {
            if (segment.end() <= committedOffset) {
                kept.add(segment);
                position = segment.end();
            } else if (segment.start() < committedOffset) {
                straddling = segment;
            } else {
                gcs.delete(segment.name(), segment.generation());
            }
        }
        Spool spool = new Spool(settings.spoolDirectory());
        try {
            long generation = 0;
            if (straddling != null) {
                try (InputStream in = gcs.read(straddling.name(), 0, committedOffset - straddling.start())) {
                    if (spool.writeFrom(in) != committedOffset - straddling.start()) {
                        throw new UploadBytesLostException(straddling.name() + " holds fewer bytes than listed");
                    }
                }
                generation = straddling.generation();
            }
            kept = compact(uploadId, contentType, kept);
            return new GcsAppendSink(uploadId, contentType, spool, position, generation, committedOffset, kept);
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
    }

    private Segment rebuildFromObject(String uploadId, String contentType, long committedOffset, List<Segment> stale)
            throws IOException {
        String name = objectName(uploadId);
        GcsApi.ObjectInfo object = gcs.get(name).orElseThrow(() -> new UploadBytesLostException(
                "upload " + uploadId + " has neither the segments nor the object for offset " + committedOffset));
        if (object.size() < committedOffset) {
            throw new UploadBytesLostException("upload " + uploadId + " holds " + object.size() + " bytes, not "
                    + committedOffset);
        }
        for (Segment segment : stale) {
            gcs.delete(segment.name(), segment.generation());
        }
        String first = segmentName(uploadId, 0);
        long generation;
        try (InputStream in = gcs.read(name, 0, committedOffset)) {
            generation = gcs.create(first, in, committedOffset, contentType, 0);
        }
        return new Segment(first, 0, committedOffset, generation);
    }

    @Override
    public void finish(String uploadId, long length) throws IOException {
        String name = objectName(uploadId);
        String contentType = contentType(uploadId);
        List<Segment> all = segments(uploadId);
        if (length == 0) {
            if (gcs.get(name).isEmpty()) {
                gcs.create(name, InputStream.nullInputStream(), 0, contentType, 0);
            }
            walk(uploadId, all, 0);
            return;
        }
        long reach = 0;
        for (Segment segment : all) {
            if (segment.start() == reach) {
                reach = segment.end();
            }
        }
        if (reach < length) {
            // Finished before (a repeated finish, or a crash after the compose): the object says so.
            GcsApi.ObjectInfo object = gcs.get(name).orElseThrow(
                    () -> new UploadBytesLostException("upload " + uploadId + " has neither its segments nor its object"));
            if (object.size() != length) {
                throw new UploadBytesLostException("upload " + uploadId + " holds " + object.size() + " bytes, not " + length);
            }
            walk(uploadId, all, 0);
            return;
        }
        List<Segment> segments = compact(uploadId, contentType, walk(uploadId, all, length));
        if (segments.get(segments.size() - 1).end() != length) {
            throw new UploadBytesLostException("upload " + uploadId + "'s segments hold more than its length " + length);
        }
        GcsApi.ObjectInfo composed = gcs.compose(segments.stream().map(Segment::name).toList(), name, contentType, null);
        if (composed.size() != length) {
            throw new IOException("composing upload " + uploadId + " made " + composed.size() + " bytes, not " + length);
        }
        for (Segment segment : segments) {
            gcs.delete(segment.name(), segment.generation());
        }
    }

    @Override
    public InputStream openRead(String uploadId, long position, long length) throws IOException {
        return gcs.read(objectName(uploadId), position, length);
    }

    @Override
    public void delete(String uploadId) throws IOException {
        String name = objectName(uploadId);
        for (Segment segment : segments(uploadId)) {
            gcs.delete(segment.name(), null);
        }
        gcs.delete(name, null);
        db(() -> state.delete(uploadId));
    }

    @Override
    public void checkWritable() throws IOException {
        gcs.checkBucket(settings.healthTimeout());
    }

    @Override
    public URI presignDownload(String uploadId, String contentType, String contentDisposition, Duration validity)
            throws IOException {
        return gcs.signedUrl(objectName(uploadId), validity, contentType, contentDisposition);
    }

    /** By compose, 32 sources at a time: the first compose writes the final, each next one appends to it. */
    @Override
    public long concatenate(String finalId, List<String> partialIds) throws IOException {
        String name = objectName(finalId);
        String contentType = contentType(finalId);
        List<String> sources = new ArrayList<>();
        long total = 0;
        for (String partialId : partialIds) {
            GcsApi.ObjectInfo partial = gcs.get(objectName(partialId)).orElseThrow(
                    () -> new UploadBytesLostException("partial upload " + partialId + " has no object"));
            if (partial.size() > 0) {
                sources.add(partial.name());
                total += partial.size();
            }
        }
        if (total > GcsApi.MAX_OBJECT_SIZE) {
            throw new IOException("concatenating " + finalId + " makes more than 5 TiB");
        }
        if (sources.isEmpty()) {
            gcs.create(name, InputStream.nullInputStream(), 0, contentType, gcs.get(name).map(GcsApi.ObjectInfo::generation)
                    .orElse(0L));
            return 0;
        }
        GcsApi.ObjectInfo composed = null;
        int at = 0;
        while (at < sources.size()) {
            List<String> group = new ArrayList<>();
            if (composed != null) {
                group.add(name);
            }
            int take = Math.min(GcsApi.MAX_COMPOSE_SOURCES - group.size(), sources.size() - at);
            group.addAll(sources.subList(at, at + take));
            at += take;
            composed = gcs.compose(group, name, contentType, composed == null ? null : composed.generation());
        }
        if (composed.size() != total) {
            throw new IOException("concatenating " + finalId + " made " + composed.size() + " bytes, not " + total);
        }
        return total;
    }

    // ---- appends ----

    /**
     * An append: bytes go to the spool; every {@code segment-size} bytes, and at sync, the spool becomes a segment
     * object, durable once created. The first segment may replace the one the committed offset fell in (same name,
     * its generation as precondition); every later one is new (generation 0).
     */
    private final class GcsAppendSink implements AppendSink {
        private final String uploadId;
        private final String contentType;
        private final Spool spool;
        /** The upload offset of the spool's first byte. */
        private long spoolStart;
        /** The generation the next segment at {@link #spoolStart} replaces, 0 for none. */
        private long replaces;
        private List<Segment> segments;
        private volatile long durable;

        GcsAppendSink(String uploadId, String contentType, Spool spool, long spoolStart, long replaces,
                long committedOffset, List<Segment> segments) {
            this.uploadId = uploadId;
            this.contentType = contentType;
            this.spool = spool;
            this.spoolStart = spoolStart;
            this.replaces = replaces;
            this.durable = committedOffset;
            this.segments = segments;
        }

        @Override
        public void write(ByteBuffer[] batch) throws IOException {
            for (ByteBuffer buffer : batch) {
                ByteBuffer rest = buffer.duplicate();
                while (rest.hasRemaining()) {
                    int take = (int) Math.min(rest.remaining(), settings.segmentSize() - spool.size());
                    ByteBuffer slice = rest.slice();
                    slice.limit(take);
                    spool.write(slice);
                    rest.position(rest.position() + take);
                    if (spool.size() == settings.segmentSize()) {
                        storeSegment();
                    }
                }
            }
        }

        private void storeSegment() throws IOException {
            String name = segmentName(uploadId, spoolStart);
            long size = spool.size();
            long generation;
            try (InputStream in = spool.newInputStream()) {
                generation = gcs.create(name, in, size, contentType, replaces);
            }
            List<Segment> next = new ArrayList<>(segments);
            next.add(new Segment(name, spoolStart, size, generation));
            segments = compact(uploadId, contentType, next);
            spoolStart += size;
            replaces = 0;
            spool.clear();
            durable = spoolStart;
        }

        @Override
        public long sync() throws IOException {
            if (spool.size() > 0 && spoolStart + spool.size() > durable) {
                storeSegment();
            }
            return durable;
        }

        @Override
        public long checkpoint() {
            // Segments are durable as they are created; the spool's rest waits for sync.
            return durable;
        }

        @Override
        public void close() throws IOException {
            spool.close();
        }
    }

    /** Deletes the objects of uploads whose rows are gone (see {@link GcsState#orphans}); returns how many. */
    public int reclaimOrphans(Duration minAge) {
        int reclaimed = 0;
        try {
            for (String id : state.orphans(minAge.toSeconds(), 100)) {
                try {
                    delete(id);
                    reclaimed++;
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("reclaiming the objects of deleted upload %s failed; will retry: %s", id, e.getMessage());
                }
            }
        } catch (SQLException e) {
            LOG.warnf("looking for orphaned GCS state failed: %s", e.getMessage());
        }
        return reclaimed;
    }

    private static <T> T db(StateCalls.SqlCall<T> call) throws IOException {
        return StateCalls.db("GCS", call);
    }

    private static void db(StateCalls.SqlRun call) throws IOException {
        StateCalls.db("GCS", call);
    }
}
