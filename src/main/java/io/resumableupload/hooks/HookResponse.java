package io.resumableupload.hooks;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a blocking hook answers (tusd's HookResponse). {@link #PROCEED} changes nothing; the factories and
 * {@code with*} methods build the rest.
 *
 * @param reject refuse the request: pre-create (RejectUpload), pre-access, pre-terminate (RejectTermination)
 * @param stop stop the upload (post-receive StopUpload): the PATCH ends and the upload is terminated, as in tusd
 * @param changeId pre-create: the id to create the upload under (validated like any id), or null
 * @param changeMetadata pre-create: the metadata to store instead of the client's, or null
 * @param statusCode the response status to send instead, or 0
 * @param body the response body to send instead, or null
 * @param headers response headers to add
 */
public record HookResponse(boolean reject, boolean stop, String changeId, Map<String, String> changeMetadata,
        int statusCode, String body, Map<String, String> headers) {

    public static final HookResponse PROCEED = new HookResponse(false, false, null, null, 0, null, Map.of());

    public HookResponse {
        headers = Map.copyOf(headers);
        changeMetadata = changeMetadata == null ? null : Map.copyOf(changeMetadata);
    }

    /** Refuse the request with {@code status} and {@code message} (the body). */
    public static HookResponse reject(int status, String message) {
        return new HookResponse(true, false, null, null, status, message, Map.of());
    }

    /** Stop the upload (post-receive). */
    public static HookResponse stopUpload() {
        return new HookResponse(false, true, null, null, 0, null, Map.of());
    }

    public HookResponse withId(String id) {
        return new HookResponse(reject, stop, id, changeMetadata, statusCode, body, headers);
    }

    public HookResponse withMetadata(Map<String, String> metadata) {
        return new HookResponse(reject, stop, changeId, metadata, statusCode, body, headers);
    }

    public HookResponse withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new HookResponse(reject, stop, changeId, changeMetadata, statusCode, body, more);
    }

    /**
     * This answer followed by {@code later}: a rejection or stop sticks, a later change or status wins (as later
     * tusd hooks overwrite earlier HTTP response values), headers accumulate.
     */
    public HookResponse then(HookResponse later) {
        Map<String, String> merged = new LinkedHashMap<>(headers);
        merged.putAll(later.headers);
        return new HookResponse(reject || later.reject, stop || later.stop,
                later.changeId != null ? later.changeId : changeId,
                later.changeMetadata != null ? later.changeMetadata : changeMetadata,
                later.statusCode != 0 ? later.statusCode : statusCode, later.body != null ? later.body : body, merged);
    }
}
