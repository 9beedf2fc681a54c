package io.resumableupload.hooks;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Singleton;

import io.resumableupload.config.TusConfig;

/**
 * The HTTP hook transport: a {@code POST} of tusd's JSON to {@code tus.hooks.http.url}, answered with tusd's JSON.
 * Every request carries {@code Idempotency-Key} (the event id: stable across retries of an outbox event) and, with a
 * secret, {@code Hook-Signature}.
 */
@Singleton
public class HttpHooks {

    /** The header naming the event; a receiver deduplicates retries by it. */
    public static final String EVENT_ID_HEADER = "Idempotency-Key";
    /** {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>}. */
    public static final String SIGNATURE_HEADER = "Hook-Signature";

    private final URI url;
    private final Set<HookType> events = EnumSet.noneOf(HookType.class);
    private final Duration timeout;
    private final List<String> forwardHeaders;
    private final long maxResponseSize;
    private final byte[] secret;
    private final HttpClient client;

    HttpHooks(TusConfig config) {
        TusConfig.Hooks.Http http = config.hooks().http();
        this.url = http.url().orElse(null);
        for (String name : http.events()) {
            HookType type = HookType.ofWireName(name);
            if (type == null) {
                throw new IllegalArgumentException("tus.hooks.http.events: unknown hook '" + name + "'");
            }
            events.add(type);
        }
        this.timeout = http.timeout();
        this.forwardHeaders = http.forwardHeaders().orElse(List.of());
        this.maxResponseSize = http.maxResponseSize().asLongValue();
        this.secret = http.secret().map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(null);
        this.client = url == null ? null
                : HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Whether {@code type} is sent to the receiver. */
    public boolean sends(HookType type) {
        return url != null && events.contains(type);
    }

    /** The JSON body for an event (stored in the outbox for post-* events). */
    public String body(HookEvent event) {
        return HookWire.encode(event);
    }

    /**
     * Sends a blocking hook and returns its answer.
     *
     * @throws IOException when it fails: no connection, timeout, non-2xx, an answer too large or not tusd's JSON
     */
    public HookResponse call(HookEvent event) throws IOException {
        HttpResponse<InputStream> response;
        try {
            response = client.send(request(body(event), UUID.randomUUID().toString(), event.request()),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the hook");
        }
        String answer = read(response);
        if (response.statusCode() < 200 || response.statusCode() >= 300) {
            throw new IOException("the hook answered " + response.statusCode());
        }
        try {
            return HookWire.decode(answer);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
    }

    /**
     * Sends a stored event body; completes with its answer, or exceptionally when delivery failed (no connection,
     * timeout, non-2xx).
     */
    public CompletableFuture<HookResponse> deliver(String body, String eventId) {
        return client.sendAsync(request(body, eventId, null), HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(response -> {
                    String answer;
                    try {
                        answer = read(response);
                    } catch (IOException e) {
                        throw new HookDeliveryException(e.getMessage());
                    }
                    if (response.statusCode() < 200 || response.statusCode() >= 300) {
                        throw new HookDeliveryException("the hook answered " + response.statusCode());
                    }
                    try {
                        return HookWire.decode(answer);
                    } catch (IllegalArgumentException e) {
                        // A post-* hook's answer changes nothing; a 2xx means it was received.
                        return HookResponse.PROCEED;
                    }
                });
    }

    private HttpRequest request(String body, String eventId, RequestInfo cause) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json").header(EVENT_ID_HEADER, eventId)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (cause != null) {
            for (String name : forwardHeaders) {
                String value = cause.header(name);
                if (value != null && !RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                    request.header(name, value);
                }
            }
        }
        if (secret != null) {
            request.header(SIGNATURE_HEADER, sign(secret, System.currentTimeMillis() / 1000, body));
        }
        return request.build();
    }

    /** Headers java.net.http sets itself and refuses to take. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    /** The {@code Hook-Signature} value for {@code body} sent at {@code unixSeconds}. */
    public static String sign(byte[] secret, long unixSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] digest = mac.doFinal((unixSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private String read(HttpResponse<InputStream> response) throws IOException {
        try (InputStream in = response.body()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxResponseSize + 1));
            if (bytes.length > maxResponseSize) {
                throw new IOException("the hook's answer is larger than tus.hooks.http.max-response-size ("
                        + maxResponseSize + " bytes)");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** A failed delivery of an outbox event. */
    static final class HookDeliveryException extends RuntimeException {
        HookDeliveryException(String message) {
            super(message, null, false, false);
        }
    }
}
