package io.resumableupload.client;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Per-upload settings.
 *
 * @param metadata sent as Upload-Metadata (keys must not contain spaces or commas)
 * @param progress receives progress, or null
 * @param parallelUploads overrides the client's setting when above 0
 * @param uploadUrl told each upload URL as soon as it is known (created or resumed), before bytes are sent to it:
 *        the upload's, or for a parallel upload each partial's and at the end the final's; or null
 */
public record UploadOptions(Map<String, String> metadata, ProgressListener progress, int parallelUploads,
        Consumer<URI> uploadUrl) {

    public UploadOptions(Map<String, String> metadata, ProgressListener progress, int parallelUploads) {
        this(metadata, progress, parallelUploads, null);
    }

    public static UploadOptions defaults() {
        return new UploadOptions(Map.of(), null, 0, null);
    }

    /** Tells {@link #uploadUrl} about {@code url}, if anyone listens. */
    void urlKnown(URI url) {
        if (uploadUrl != null) {
            uploadUrl.accept(url);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link UploadOptions}. */
    public static final class Builder {
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private ProgressListener progress;
        private int parallelUploads;
        private Consumer<URI> uploadUrl;

        public Builder metadata(String key, String value) {
            if (key.isEmpty() || key.contains(" ") || key.contains(",")) {
                throw new IllegalArgumentException("metadata keys must be non-empty without spaces or commas: " + key);
            }
            metadata.put(key, value);
            return this;
        }

        public Builder metadata(Map<String, String> values) {
            values.forEach(this::metadata);
            return this;
        }

        public Builder progress(ProgressListener listener) {
            this.progress = listener;
            return this;
        }

        public Builder parallelUploads(int parallel) {
            this.parallelUploads = parallel;
            return this;
        }

        /** See {@link UploadOptions#uploadUrl()}: e.g. to say where an interrupted upload stopped. */
        public Builder onUploadUrl(Consumer<URI> listener) {
            this.uploadUrl = listener;
            return this;
        }

        public UploadOptions build() {
            // Keeps the caller's order: Upload-Metadata is sent (and echoed by servers) in it.
            return new UploadOptions(Collections.unmodifiableMap(new LinkedHashMap<>(metadata)), progress, parallelUploads,
                    uploadUrl);
        }
    }
}
