package io.resumableupload.client;

import java.time.Duration;
import java.util.Optional;

/**
 * Progress of an upload, as given to a {@link ProgressListener}.
 *
 * @param bytesSent bytes of the source the server holds or that are on their way, from offset 0 (a resumed upload
 *        starts at the server's offset)
 * @param totalBytes the source's size, or -1 while unknown
 * @param bytesPerSecond the average speed of this run (bytes sent by this run / elapsed)
 * @param elapsed time since this run of the upload started
 * @param retries failed requests retried so far
 * @param chunksDone requests that completed (PATCH, or POST with data)
 */
public record UploadStats(long bytesSent, long totalBytes, double bytesPerSecond, Duration elapsed, int retries,
        int chunksDone) {

    /** Percentage done, 0 to 100, or empty while the size is unknown. */
    public Optional<Double> percent() {
        if (totalBytes < 0) {
            return Optional.empty();
        }
        return Optional.of(totalBytes == 0 ? 100.0 : 100.0 * bytesSent / totalBytes);
    }

    /** Estimated time left at the average speed, or empty while the size or the speed is unknown. */
    public Optional<Duration> eta() {
        if (totalBytes < 0 || bytesPerSecond <= 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis((long) ((totalBytes - bytesSent) / bytesPerSecond * 1000)));
    }
}
