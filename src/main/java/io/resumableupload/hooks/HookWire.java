package io.resumableupload.hooks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * tusd v2's hook wire format (pkg/hooks/hooks.go HookRequest and HookResponse, pkg/handler FileInfo and HTTPRequest),
 * so an existing tusd hook receiver works unchanged. Field names and shapes are tusd's: {@code Size} is 0 while
 * deferred, {@code PartialUploads} is null when there are none, {@code Header} maps a name to a list of values.
 */
final class HookWire {

    private HookWire() {
    }

    /** The request body: {@code {"Type": ..., "Event": {"Upload": {...}, "HTTPRequest": {...}}}}. */
    static String encode(HookEvent event) {
        UploadInfo upload = event.upload();
        JsonObject fileInfo = new JsonObject()
                .put("ID", upload.id())
                .put("Size", upload.size() == null ? 0L : upload.size())
                .put("SizeIsDeferred", upload.sizeIsDeferred())
                .put("Offset", upload.offset())
                .put("MetaData", new JsonObject(new LinkedHashMap<>(upload.metadata())))
                .put("IsPartial", upload.partial())
                .put("IsFinal", upload.isFinal())
                .put("PartialUploads", upload.partialUploads().isEmpty() ? null : new JsonArray(upload.partialUploads()))
                .put("Storage", upload.storage().isEmpty() ? null : new JsonObject(new LinkedHashMap<>(upload.storage())));
        RequestInfo request = event.request();
        JsonObject header = new JsonObject();
        for (Map.Entry<String, List<String>> entry : request.headers().entrySet()) {
            header.put(entry.getKey(), new JsonArray(entry.getValue()));
        }
        JsonObject httpRequest = new JsonObject().put("Method", request.method()).put("URI", request.uri())
                .put("RemoteAddr", request.remoteAddr()).put("Header", header);
        return new JsonObject().put("Type", event.type().wireName())
                .put("Event", new JsonObject().put("Upload", fileInfo).put("HTTPRequest", httpRequest)).encode();
    }

    /**
     * A hook's answer. An empty body means "nothing to change" (tusd would insist on JSON; a receiver that answers
     * 200 or 204 with nothing should not fail every upload).
     *
     * @throws IllegalArgumentException when the body is not a JSON object of tusd's shape
     */
    static HookResponse decode(String body) {
        if (body == null || body.isBlank()) {
            return HookResponse.PROCEED;
        }
        JsonObject json;
        try {
            json = new JsonObject(body);
        } catch (DecodeException | ClassCastException e) {
            throw new IllegalArgumentException("the hook's answer is not a JSON object");
        }
        try {
            JsonObject http = json.getJsonObject("HTTPResponse");
            int status = 0;
            String responseBody = null;
            Map<String, String> headers = Map.of();
            if (http != null) {
                status = http.getInteger("StatusCode", 0);
                responseBody = http.getString("Body");
                headers = strings(http.getJsonObject("Header"));
            }
            JsonObject change = json.getJsonObject("ChangeFileInfo");
            String changeId = null;
            Map<String, String> changeMetadata = null;
            if (change != null) {
                changeId = change.getString("ID");
                if (changeId != null && changeId.isEmpty()) {
                    changeId = null;
                }
                JsonObject metadata = change.getJsonObject("MetaData");
                changeMetadata = metadata == null ? null : strings(metadata);
            }
            boolean reject = json.getBoolean("RejectUpload", false) || json.getBoolean("RejectTermination", false)
                    || json.getBoolean("RejectAccess", false);
            return new HookResponse(reject, json.getBoolean("StopUpload", false), changeId, changeMetadata, status,
                    responseBody, headers);
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("the hook's answer does not have tusd's shape: " + e.getMessage());
        }
    }

    private static Map<String, String> strings(JsonObject object) {
        if (object == null) {
            return Map.of();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : object.fieldNames()) {
            Object value = object.getValue(key);
            values.put(key, value == null ? "" : value.toString());
        }
        return values;
    }
}
