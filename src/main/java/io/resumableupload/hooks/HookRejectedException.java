package io.resumableupload.hooks;

import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.TusException;

/**
 * A hook refused the request: {@link #error()} says which kind, {@link #response()} the status, body and headers
 * the hook asked for (each optional).
 */
public class HookRejectedException extends TusException {

    private final HookResponse response;

    public HookRejectedException(TusError error, HookResponse response) {
        super(error, response.body() != null ? response.body() : error.message());
        this.response = response;
    }

    public HookResponse response() {
        return response;
    }
}
