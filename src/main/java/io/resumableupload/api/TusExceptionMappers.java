package io.resumableupload.api;

import java.util.UUID;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.resumableupload.hooks.HookRejectedException;
import io.resumableupload.hooks.HookResponse;
import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.TusException;
import io.resumableupload.upload.Failures;
import io.vertx.core.http.HttpServerRequest;

/**
 * The one class that turns exceptions into responses. Unexpected exceptions answer 500 with an id that is logged
 * once with the stack trace; the body never carries a class name or a trace.
 */
public class TusExceptionMappers {

    private static final Logger LOG = Logger.getLogger(TusExceptionMappers.class);

    private final ErrorResponses errors;

    TusExceptionMappers(ErrorResponses errors) {
        this.errors = errors;
    }

    @ServerExceptionMapper
    public Response tusError(TusException e, HttpServerRequest request) {
        return errors.of(e.error(), e.getMessage(), request);
    }

    /**
     * A hook refused the request: its ERR code unless the hook set a status, its body if it gave one (tusd's
     * HTTPResponse), plus its headers.
     */
    @ServerExceptionMapper
    public Response hookRejected(HookRejectedException e, HttpServerRequest request) {
        Response standard = errors.of(e.error(), e.getMessage(), request);
        HookResponse hook = e.response();
        Response.ResponseBuilder response = Response.fromResponse(standard);
        if (hook.statusCode() >= 400 && hook.statusCode() <= 599) {
            response.status(hook.statusCode());
        }
        if (hook.body() != null) {
            response.entity(hook.body());
        }
        hook.headers().forEach(response::header);
        return response.build();
    }

    /** JAX-RS's own errors (405 for an unsupported method, 404 for an unknown path) keep their status. */
    @ServerExceptionMapper
    public Response webApplicationError(WebApplicationException e) {
        return e.getResponse();
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, HttpServerRequest request) {
        TusError infrastructure = Failures.infrastructureError(e);
        if (infrastructure != null) {
            LOG.warnf("request %s %s: %s: %s", request.method(), request.path(), infrastructure.code(), e.getMessage());
            return errors.of(infrastructure, infrastructure.message(), request);
        }
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(e, "request %s %s failed, error id %s", request.method(), request.path(), errorId);
        return errors.of(TusError.INTERNAL_SERVER_ERROR, "internal server error, error id " + errorId, request);
    }
}
