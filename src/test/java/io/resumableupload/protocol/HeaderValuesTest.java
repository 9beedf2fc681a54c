package io.resumableupload.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderValuesTest {

    @ParameterizedTest
    @CsvSource({ "0,0", "1,1", "0010,10", "9223372036854775807,9223372036854775807" })
    void accepts_plain_non_negative_integers(String value, long expected) {
        assertEquals(expected, HeaderValues.parseNonNegativeLong(value));
    }

    /** RELIABILITY A4/A8: signs, spaces, exponents, fractions and overflow are not integers. */
    @ParameterizedTest
    @ValueSource(strings = { "", "-1", "abc", "1e3", "+5", " 5", "5 ", "1.5", "9223372036854775808",
            "99999999999999999999999", "0x10", "١٢" })
    void rejects_anything_else(String value) {
        assertEquals(-1, HeaderValues.parseNonNegativeLong(value));
    }
}
