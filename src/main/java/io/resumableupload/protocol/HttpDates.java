package io.resumableupload.protocol;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** RFC 9110 IMF-fixdate, as Upload-Expires requires ({@code Wed, 25 Jun 2014 16:00:00 GMT}). */
public final class HttpDates {

    // Not DateTimeFormatter.RFC_1123_DATE_TIME: it prints day-of-month without a leading zero, which is not
    // IMF-fixdate.
    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private HttpDates() {
    }

    public static String format(Instant instant) {
        return IMF_FIXDATE.format(instant);
    }

    public static Instant parse(String value) {
        return Instant.from(IMF_FIXDATE.parse(value));
    }
}
