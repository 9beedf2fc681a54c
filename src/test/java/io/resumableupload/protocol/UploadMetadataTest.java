package io.resumableupload.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UploadMetadataTest {

    @Test
    void keeps_the_raw_header_and_decodes_pairs_in_order() {
        String raw = "filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential,empty ";
        UploadMetadata metadata = UploadMetadata.parse(raw, 4096);
        assertEquals(raw, metadata.raw().orElseThrow());
        assertEquals(List.of("filename", "is_confidential", "empty"), List.copyOf(metadata.values().keySet()));
        assertEquals("world_domination_plan.pdf", metadata.text("filename").orElseThrow());
        assertArrayEquals(new byte[0], metadata.values().get("is_confidential"));
    }

    @Test
    void tolerates_spaces_after_commas() {
        UploadMetadata metadata = UploadMetadata.parse("a YQ==, b Yg==", 4096);
        assertEquals("b", metadata.text("b").orElseThrow());
    }

    @Test
    void decodes_binary_values_and_reports_them_as_not_text() {
        UploadMetadata metadata = UploadMetadata.parse("bin /w==", 4096);
        assertArrayEquals(new byte[] { (byte) 0xff }, metadata.values().get("bin"));
        assertTrue(metadata.text("bin").isEmpty());
    }

    @Test
    void value_with_crlf_stays_base64_in_the_raw_header() {
        String encoded = java.util.Base64.getEncoder().encodeToString("a\r\nSet-Cookie: x".getBytes(StandardCharsets.UTF_8));
        UploadMetadata metadata = UploadMetadata.parse("filename " + encoded, 4096);
        assertEquals("filename " + encoded, metadata.raw().orElseThrow());
        assertEquals("a\r\nSet-Cookie: x", metadata.text("filename").orElseThrow());
    }

    /** RELIABILITY A6: bad base64, duplicate keys, empty keys, control characters. */
    @ParameterizedTest
    @ValueSource(strings = { "filename not-base64!", "filename YQ", "a YQ==,a Yg==", ",a YQ==", "a YQ==,", "a YQ==, ,b Yg==",
            "a YQ== Yg==", "a\tYQ==", "ke\u0001y YQ==", "k\u00e9y YQ==" })
    void rejects_invalid_headers(String raw) {
        TusException e = assertThrows(TusException.class, () -> UploadMetadata.parse(raw, 4096));
        assertEquals(TusError.INVALID_METADATA, e.error());
    }

    @Test
    void rejects_headers_over_the_limit() {
        String raw = "k " + "QUFB".repeat(300);
        TusException e = assertThrows(TusException.class, () -> UploadMetadata.parse(raw, 1000));
        assertEquals(TusError.INVALID_METADATA, e.error());
    }

    /** A comma always ends a key, so a key can never contain one: "na,me" is two keys. */
    @Test
    void a_comma_ends_a_key() {
        UploadMetadata metadata = UploadMetadata.parse("na,me YQ==", 4096);
        assertEquals(List.of("na", "me"), List.copyOf(metadata.values().keySet()));
    }
}
