package io.resumableupload.hooks;

import java.util.Locale;

/** The hook points, named as in tusd ({@code pre-create}...), plus our {@code pre-access} and {@code post-expire}. */
public enum HookType {
    /** Before an upload is created: may reject it, change its metadata or choose its id. Blocking. */
    PRE_CREATE(true),
    /** An upload was created (its row committed). */
    POST_CREATE(false),
    /** Before a HEAD, PATCH, GET or DELETE of an upload: may reject it (authorization). Blocking. */
    PRE_ACCESS(true),
    /** Bytes arrived (at most once per {@code tus.hooks.progress-interval} per upload); may stop the upload. */
    POST_RECEIVE(false),
    /** The upload is complete and committed, before the final answer: may add response headers. Blocking. */
    PRE_FINISH(true),
    /** An upload became complete. */
    POST_FINISH(false),
    /** Before a DELETE: may reject the termination. Blocking. */
    PRE_TERMINATE(true),
    /** An upload was deleted by a client. */
    POST_TERMINATE(false),
    /** The reaper expired an upload. */
    POST_EXPIRE(false);

    private final boolean blocking;

    HookType(boolean blocking) {
        this.blocking = blocking;
    }

    /** Whether the request waits for the hook's answer (pre-*). */
    public boolean blocking() {
        return blocking;
    }

    /** The name on the wire, e.g. {@code post-finish}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The hook named {@code name} ({@code post-finish}), or null. */
    public static HookType ofWireName(String name) {
        for (HookType type : values()) {
            if (type.wireName().equals(name.strip().toLowerCase(Locale.ROOT))) {
                return type;
            }
        }
        return null;
    }
}
