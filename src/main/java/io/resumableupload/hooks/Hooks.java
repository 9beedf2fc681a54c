package io.resumableupload.hooks;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.resumableupload.config.TusConfig;
import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.TusException;

/**
 * The one place the blocking hooks run: the in-process beans ({@link PreCreateHook}...) in priority order, then the
 * HTTP hook if {@code tus.hooks.http.events} names it. A rejection by one stops the rest. A hook that fails (a bean
 * throws, the receiver times out, answers non-2xx or not tusd's JSON) is counted and, with
 * {@code tus.hooks.http.on-failure=reject}, answers 502 ERR_HOOK_FAILED before anything changed.
 */
@Singleton
public class Hooks {

    private static final Logger LOG = Logger.getLogger(Hooks.class);

    private final HttpHooks http;
    private final HookMetrics metrics;
    private final LifecycleEvents events;
    private final Instance<PreCreateHook> preCreate;
    private final boolean revealsNewIds;
    private final Instance<PreAccessHook> preAccess;
    private final Instance<PreFinishHook> preFinish;
    private final Instance<PreTerminateHook> preTerminate;
    private final boolean rejectOnFailure;
    private final Duration progressInterval;
    private final boolean progressObserved;
    // Beans are fixed at build time: whether any exists is decided once, not per request.
    private final boolean anyPreAccess;
    private final boolean anyPreFinish;

    Hooks(TusConfig config, HttpHooks http, HookMetrics metrics, LifecycleEvents events, BeanManager beans,
            Instance<PreCreateHook> preCreate, Instance<PreAccessHook> preAccess, Instance<PreFinishHook> preFinish,
            Instance<PreTerminateHook> preTerminate) {
        this.http = http;
        this.metrics = metrics;
        this.events = events;
        this.preCreate = preCreate;
        this.preAccess = preAccess;
        this.preFinish = preFinish;
        this.preTerminate = preTerminate;
        this.rejectOnFailure = config.hooks().http().onFailure() == TusConfig.Hooks.HookFailure.REJECT;
        this.progressInterval = config.hooks().progressInterval();
        this.progressObserved = !beans.resolveObserverMethods(new UploadProgress(null, null, null)).isEmpty();
        this.anyPreAccess = !preAccess.isUnsatisfied() || http.sends(HookType.PRE_ACCESS);
        this.revealsNewIds = !preCreate.isUnsatisfied() || http.sends(HookType.PRE_CREATE)
                || http.sends(HookType.POST_CREATE) || wantsProgress();
        this.anyPreFinish = !preFinish.isUnsatisfied() || http.sends(HookType.PRE_FINISH);
    }

    /** Pre-create: may reject (400 ERR_UPLOAD_REJECTED unless the hook sets a status), change metadata or id. */
    public HookResponse preCreate(HookEvent event) {
        return requireAccepted(TusError.UPLOAD_REJECTED, run(event, preCreate, hook -> hook.preCreate(event)));
    }

    /** Pre-access (HEAD, PATCH, GET, DELETE): may reject (403 ERR_ACCESS_REJECTED unless the hook sets a status). */
    public void preAccess(HookEvent event) {
        requireAccepted(TusError.ACCESS_REJECTED, run(event, preAccess, hook -> hook.preAccess(event)));
    }

    /** Whether any pre-access hook is configured (saves building the event when none is). */
    public boolean hasPreAccess() {
        return anyPreAccess;
    }

    /**
     * Whether a hook learns a new upload's id before the client that creates it does (pre-create; post-create, sent as
     * soon as the row is committed; post-receive, while the body streams): then someone else could address the upload
     * while its creating request still streams its body.
     */
    public boolean revealsNewIds() {
        return revealsNewIds;
    }

    /** Whether any pre-finish hook is configured. */
    public boolean hasPreFinish() {
        return anyPreFinish;
    }

    /**
     * Pre-finish: the headers its answer adds to the final response. The completion is committed already, so a
     * failed pre-finish hook is counted and logged but never turns the answer into an error (the client would retry an
     * upload that is complete).
     */
    public Map<String, String> preFinish(HookEvent event) {
        try {
            return run(event, preFinish, hook -> hook.preFinish(event)).headers();
        } catch (TusException e) {
            return Map.of();
        }
    }

    /** Whether the HTTP hook takes {@code type}. */
    public boolean sends(HookType type) {
        return http.sends(type);
    }

    /** Pre-terminate: may reject (400 ERR_UPLOAD_TERMINATION_REJECTED unless the hook sets a status). */
    public void preTerminate(HookEvent event) {
        requireAccepted(TusError.TERMINATION_REJECTED, run(event, preTerminate, hook -> hook.preTerminate(event)));
    }

    /** Whether post-receive (progress) is wanted: by a CDI observer of {@link UploadProgress} or the HTTP hook. */
    public boolean wantsProgress() {
        return progressObserved || http.sends(HookType.POST_RECEIVE);
    }

    /** The least time between two post-receive events of one upload. */
    public Duration progressInterval() {
        return progressInterval;
    }

    /**
     * Post-receive, on a worker thread while the PATCH streams: tells the observers, then the HTTP hook (directly,
     * not through the outbox: progress is a sample, and StopUpload must reach the PATCH in flight). Failures are
     * logged and counted, never passed on.
     */
    public void progress(HookEvent event, Runnable stopper) {
        events.publish(new UploadProgress(event.upload(), event.request(), stopper));
        if (!http.sends(HookType.POST_RECEIVE)) {
            return;
        }
        metrics.invoked(HookType.POST_RECEIVE);
        try {
            if (http.call(event).stop()) {
                LOG.infof("upload %s: the post-receive hook stopped it", event.upload().id());
                stopper.run();
            }
        } catch (IOException | RuntimeException e) {
            metrics.failed(HookType.POST_RECEIVE);
            LOG.warnf("upload %s: post-receive hook failed: %s", event.upload().id(), e.getMessage());
        }
    }

    /**
     * The body to store in the outbox for a post-* event, or null when the HTTP hook does not take {@code type}
     * (then nothing is written).
     */
    public String outboxBody(HookType type, UploadInfo upload, RequestInfo request) {
        return http.sends(type) ? http.body(new HookEvent(type, upload, request)) : null;
    }

    private <T> HookResponse run(HookEvent event, Instance<T> beans, Function<T, HookResponse> call) {
        HookType type = event.type();
        HookResponse result = HookResponse.PROCEED;
        for (T bean : beans) {
            metrics.invoked(type);
            try {
                HookResponse answer = call.apply(bean);
                result = result.then(answer == null ? HookResponse.PROCEED : answer);
            } catch (TusException e) {
                throw e;
            } catch (RuntimeException e) {
                metrics.failed(type);
                failed(type, bean.getClass().getName() + " threw " + e);
            }
            if (result.reject()) {
                return result;
            }
        }
        if (http.sends(type)) {
            metrics.invoked(type);
            try {
                result = result.then(http.call(event));
            } catch (IOException | RuntimeException e) {
                metrics.failed(type);
                failed(type, "HTTP hook: " + e.getMessage());
            }
        }
        return result;
    }

    private void failed(HookType type, String why) {
        if (rejectOnFailure) {
            LOG.warnf("%s hook failed, the request is refused (tus.hooks.http.on-failure=reject): %s", type.wireName(),
                    why);
            throw new TusException(TusError.HOOK_FAILED, "the " + type.wireName() + " hook failed; nothing was changed");
        }
        LOG.warnf("%s hook failed, going on as if it had said nothing (tus.hooks.http.on-failure=allow): %s",
                type.wireName(), why);
    }

    private static HookResponse requireAccepted(TusError error, HookResponse response) {
        if (response.reject()) {
            throw new HookRejectedException(error, response);
        }
        return response;
    }
}
