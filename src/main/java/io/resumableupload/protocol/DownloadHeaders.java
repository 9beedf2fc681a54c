package io.resumableupload.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Content-Type and Content-Disposition for serving an upload, derived from its (hostile) {@code filetype} and
 * {@code filename} metadata. Only allowlisted types are shown inline; everything else is an attachment, so an
 * uploaded HTML or SVG page never runs in our origin [tusd filterContentType].
 */
public final class DownloadHeaders {

    public static final String FALLBACK_TYPE = "application/octet-stream";

    private static final String TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
    // type/subtype with optional parameters whose values are tokens or quoted strings of visible ASCII.
    private static final Pattern MEDIA_TYPE = Pattern.compile(TOKEN + "/" + TOKEN + "(\\s*;\\s*" + TOKEN + "=(" + TOKEN
            + "|\"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*\"))*");

    private DownloadHeaders() {
    }

    /** The Content-Type to send: {@code filetype} if it is a well-formed media type, else octet-stream. */
    public static String contentType(String filetype) {
        if (filetype == null || filetype.length() > 255 || !MEDIA_TYPE.matcher(filetype.strip()).matches()) {
            return FALLBACK_TYPE;
        }
        return filetype.strip();
    }

    /**
     * The Content-Disposition to send: {@code inline} only for a well-formed type whose essence is in
     * {@code inlineTypes}; the file name, if any, as a sanitised ASCII {@code filename} and an RFC 8187
     * {@code filename*}.
     */
    public static String contentDisposition(String filetype, String filename, Collection<String> inlineTypes) {
        String type = contentType(filetype);
        String essence = type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        boolean inline = !type.equals(FALLBACK_TYPE) && inlineTypes.contains(essence);
        StringBuilder disposition = new StringBuilder(inline ? "inline" : "attachment");
        if (filename != null && !filename.isEmpty()) {
            String name = filename.length() > 255 ? filename.substring(0, 255) : filename;
            disposition.append("; filename=\"").append(asciiFallback(name)).append('"');
            disposition.append("; filename*=UTF-8''").append(percentEncode(name));
        }
        return disposition.toString();
    }

    /** Printable ASCII only; quotes, backslashes, path separators and everything else replaced by '_'. */
    private static String asciiFallback(String name) {
        StringBuilder out = new StringBuilder(name.length());
        name.codePoints().forEach(c -> {
            boolean safe = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/' && c != ';' && c != '%';
            out.append(safe ? (char) c : '_');
        });
        return out.toString();
    }

    /** RFC 8187 value characters: attr-char kept, every other UTF-8 byte percent-encoded. */
    private static String percentEncode(String name) {
        StringBuilder out = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean attrChar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$&+-.^_`|~".indexOf(c) >= 0;
            if (attrChar) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
