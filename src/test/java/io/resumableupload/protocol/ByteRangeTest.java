package io.resumableupload.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangeTest {

    @ParameterizedTest
    @CsvSource({ "bytes=0-9,0,9", "bytes=5-,5,99", "bytes=90-200,90,99", "bytes=-10,90,99", "bytes=-500,0,99",
            "bytes=99-99,99,99" })
    void resolves_single_ranges(String header, long first, long last) {
        assertEquals(new ByteRange(first, last), ByteRange.parse(header, 100));
    }

    @ParameterizedTest
    @ValueSource(strings = { "bytes=100-", "bytes=150-160", "bytes=-0" })
    void unsatisfiable_ranges(String header) {
        assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse(header, 100));
    }

    @ParameterizedTest
    @ValueSource(strings = { "items=0-1", "bytes=a-b", "bytes=5-1", "bytes=0-1,5-6", "bytes=", "bytes=-" })
    void ignored_headers_mean_the_whole_body(String header) {
        assertNull(ByteRange.parse(header, 100));
    }

    @Test
    void no_header_means_the_whole_body() {
        assertNull(ByteRange.parse(null, 100));
    }
}
