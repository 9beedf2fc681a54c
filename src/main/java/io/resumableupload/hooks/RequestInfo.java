package io.resumableupload.hooks;

import java.util.List;
import java.util.Map;

/**
 * The HTTP request that caused a hook (tusd's HTTPRequest).
 *
 * @param method e.g. {@code PATCH}
 * @param uri the request URI as received (path and query)
 * @param remoteAddr the client's address and port, as seen by this server
 * @param headers the request headers by name (as received, case kept), {@code Host} included
 */
public record RequestInfo(String method, String uri, String remoteAddr, Map<String, List<String>> headers) {

    /** For events without a request (the reaper's expiry, an assembly done in the background). */
    public static final RequestInfo NONE = new RequestInfo("", "", "", Map.of());

    public RequestInfo {
        headers = Map.copyOf(headers);
    }

    /** The first value of header {@code name} (case-insensitive), or null. */
    public String header(String name) {
        for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(name) && !entry.getValue().isEmpty()) {
                return entry.getValue().get(0);
            }
        }
        return null;
    }
}
