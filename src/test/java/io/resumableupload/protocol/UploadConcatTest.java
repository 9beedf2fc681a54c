package io.resumableupload.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UploadConcatTest {

    @Test
    void parses_partial() {
        assertInstanceOf(UploadConcat.Partial.class, UploadConcat.parse("partial", 100));
    }

    @Test
    void parses_final_with_relative_and_absolute_urls() {
        UploadConcat.Final parsed = (UploadConcat.Final) UploadConcat.parse("final;/files/a http://host/files/b  /files/a", 3);
        assertEquals(List.of("/files/a", "http://host/files/b", "/files/a"), parsed.partialUrls());
        assertEquals("final;/files/a http://host/files/b  /files/a", parsed.raw());
    }

    @ParameterizedTest
    @ValueSource(strings = { "final;", "final; ", "final", "partial;", "Partial", "merge;/files/a", "" })
    void rejects_malformed_values(String raw) {
        assertEquals(TusError.INVALID_CONCAT, assertThrows(TusException.class, () -> UploadConcat.parse(raw, 100)).error());
    }

    /** Issue 7 item 10: references are counted, repeats included; one more than the limit is refused. */
    @Test
    void refuses_more_references_than_the_limit() {
        assertEquals(3, ((UploadConcat.Final) UploadConcat.parse("final;/files/a /files/a /files/a", 3)).partialUrls().size());
        TusException refused = assertThrows(TusException.class,
                () -> UploadConcat.parse("final;/files/a /files/b /files/a /files/c", 3));
        assertEquals(TusError.TOO_MANY_PARTIALS, refused.error());
        assertEquals("Upload-Concat names 4 partial uploads, more than tus.concatenation.max-partials (3)",
                refused.getMessage());
    }
}
