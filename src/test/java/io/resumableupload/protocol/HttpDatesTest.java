package io.resumableupload.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class HttpDatesTest {

    @Test
    void formats_imf_fixdate_with_two_digit_day() {
        assertEquals("Wed, 05 Jun 2024 06:07:08 GMT", HttpDates.format(Instant.parse("2024-06-05T06:07:08.900Z")));
    }

    @Test
    void round_trips() {
        Instant instant = Instant.parse("2014-06-25T16:00:00Z");
        assertEquals(instant, HttpDates.parse(HttpDates.format(instant)));
    }
}
