package io.resumableupload.protocol;

import java.util.Arrays;
import java.util.List;

/**
 * An {@code Upload-Concat} header: {@code partial}, or {@code final;<url> <url> ...}. The URLs are untrusted: the
 * API layer turns each into an id and checks it before any lookup.
 */
public sealed interface UploadConcat {

    /** The header exactly as received, echoed on HEAD. */
    String raw();

    record Partial(String raw) implements UploadConcat {
    }

    record Final(String raw, List<String> partialUrls) implements UploadConcat {
    }

    /**
     * @param maxPartials the most partial URLs a final may name, repeats counted ({@code tus.concatenation.max-partials})
     * @throws TusException {@link TusError#INVALID_CONCAT} when the value is neither form, or names no partial;
     *         {@link TusError#TOO_MANY_PARTIALS} when it names more than {@code maxPartials}
     */
    static UploadConcat parse(String raw, int maxPartials) {
        if (raw.equals("partial")) {
            return new Partial(raw);
        }
        if (!raw.startsWith("final;")) {
            throw new TusException(TusError.INVALID_CONCAT, "Upload-Concat must be 'partial' or 'final;<urls>'");
        }
        String list = raw.substring("final;".length()).strip();
        if (list.isEmpty()) {
            throw new TusException(TusError.INVALID_CONCAT, "Upload-Concat final names no partial upload");
        }
        List<String> urls = Arrays.stream(list.split(" +")).toList();
        if (urls.size() > maxPartials) {
            throw new TusException(TusError.TOO_MANY_PARTIALS, "Upload-Concat names " + urls.size()
                    + " partial uploads, more than tus.concatenation.max-partials (" + maxPartials + ")");
        }
        return new Final(raw, urls);
    }
}
