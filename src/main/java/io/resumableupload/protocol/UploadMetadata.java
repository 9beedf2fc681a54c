package io.resumableupload.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An {@code Upload-Metadata} header: the raw value, kept byte-exact so HEAD can echo it "as specified by the
 * client during the creation", and the decoded pairs in their original order.
 *
 * <p>
 * Rules (spec, plus the validation the spec asks servers to do before echoing): pairs are separated by commas
 * (whitespace around a pair is tolerated, as clients send {@code ", "}); a pair is a key, optionally followed by
 * one space and a base64 value; keys are non-empty printable ASCII without spaces or commas and unique; values are
 * valid standard base64. tusd silently drops bad pairs; we answer 400 so the client learns of it.
 */
public final class UploadMetadata {

    private static final UploadMetadata EMPTY = new UploadMetadata(null, Map.of());

    private final String raw;
    private final Map<String, byte[]> values;

    private UploadMetadata(String raw, Map<String, byte[]> values) {
        this.raw = raw;
        this.values = values;
    }

    public static UploadMetadata empty() {
        return EMPTY;
    }

    /**
     * Parses and validates a header value.
     *
     * @param raw the header, or null when absent
     * @param maxLength the longest header accepted, in characters
     * @throws TusException {@link TusError#INVALID_METADATA} on any violation
     */
    public static UploadMetadata parse(String raw, int maxLength) {
        if (raw == null) {
            return EMPTY;
        }
        if (raw.length() > maxLength) {
            throw invalid("header longer than " + maxLength + " characters");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 && c != '\t' || c >= 0x7f) {
                throw invalid("header contains a control or non-ASCII character");
            }
        }
        if (raw.isBlank()) {
            return new UploadMetadata(raw, Map.of());
        }
        Map<String, byte[]> values = new LinkedHashMap<>();
        for (String pair : raw.split(",", -1)) {
            String trimmed = pair.strip();
            if (trimmed.isEmpty()) {
                throw invalid("empty key");
            }
            int space = trimmed.indexOf(' ');
            String key = space < 0 ? trimmed : trimmed.substring(0, space);
            String encoded = space < 0 ? "" : trimmed.substring(space + 1);
            if (encoded.indexOf(' ') >= 0 || encoded.indexOf('\t') >= 0 || key.indexOf('\t') >= 0) {
                throw invalid("pair '" + key + "' has more than one space");
            }
            if (values.containsKey(key)) {
                throw invalid("duplicate key '" + key + "'");
            }
            values.put(key, decodeBase64(key, encoded));
        }
        return new UploadMetadata(raw, Collections.unmodifiableMap(values));
    }

    private static byte[] decodeBase64(String key, String encoded) {
        if (encoded.isEmpty()) {
            return new byte[0];
        }
        if (encoded.length() % 4 != 0) {
            throw invalid("value of '" + key + "' is not padded base64");
        }
        try {
            return Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw invalid("value of '" + key + "' is not valid base64");
        }
    }

    private static TusException invalid(String detail) {
        return new TusException(TusError.INVALID_METADATA, "invalid Upload-Metadata header: " + detail);
    }

    /** The header exactly as the client sent it, or empty when there was none. */
    public Optional<String> raw() {
        return Optional.ofNullable(raw);
    }

    /** The decoded values by key, in the client's order. */
    public Map<String, byte[]> values() {
        return values;
    }

    /** The value of {@code key} decoded as UTF-8, or empty when absent or not valid UTF-8. */
    public Optional<String> text(String key) {
        byte[] value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** The values decoded as UTF-8 text (invalid sequences replaced), for storage and hooks. */
    public Map<String, String> texts() {
        Map<String, String> texts = new LinkedHashMap<>();
        values.forEach((key, value) -> texts.put(key, new String(value, StandardCharsets.UTF_8)));
        return texts;
    }

    /**
     * The Upload-Metadata header for {@code texts} (values as UTF-8, base64; an empty value as a key alone), e.g. for
     * metadata a hook chose.
     */
    public static String encode(Map<String, String> texts) {
        StringBuilder header = new StringBuilder();
        for (Map.Entry<String, String> entry : texts.entrySet()) {
            if (header.length() > 0) {
                header.append(',');
            }
            header.append(entry.getKey());
            if (!entry.getValue().isEmpty()) {
                header.append(' ').append(java.util.Base64.getEncoder()
                        .encodeToString(entry.getValue().getBytes(StandardCharsets.UTF_8)));
            }
        }
        return header.toString();
    }
}
