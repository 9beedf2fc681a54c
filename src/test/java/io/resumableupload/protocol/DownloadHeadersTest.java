package io.resumableupload.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RELIABILITY D7: hostile filetype and filename metadata. */
class DownloadHeadersTest {

    private static final Set<String> INLINE = Set.of("text/plain", "image/png");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = { "text/plain|text/plain|inline", "image/png|image/png|inline",
            "text/html|text/html|attachment", "image/svg+xml|image/svg+xml|attachment",
            "application/pdf|application/pdf|attachment", "text/html; charset=x|text/html; charset=x|attachment",
            "text/plain; charset=utf-8|text/plain; charset=utf-8|inline",
            "garbage|application/octet-stream|attachment", "text/|application/octet-stream|attachment" })
    void types(String filetype, String contentType, String disposition) {
        assertEquals(contentType, DownloadHeaders.contentType(filetype));
        assertTrue(DownloadHeaders.contentDisposition(filetype, null, INLINE).startsWith(disposition));
    }

    @Test
    void a_type_with_crlf_is_an_octet_stream_attachment() {
        assertEquals("application/octet-stream", DownloadHeaders.contentType("text/html\r\nX-Evil: 1"));
        assertEquals("attachment", DownloadHeaders.contentDisposition("text/html\r\nX-Evil: 1", null, INLINE));
    }

    @Test
    void a_file_name_with_crlf_cannot_inject_a_header() {
        assertEquals("attachment; filename=\"x__Set-Cookie: a\"; filename*=UTF-8''x%0D%0ASet-Cookie%3A%20a",
                DownloadHeaders.contentDisposition(null, "x\r\nSet-Cookie: a", INLINE));
    }

    @Test
    void no_filetype_is_an_octet_stream_attachment() {
        assertEquals("application/octet-stream", DownloadHeaders.contentType(null));
        assertEquals("attachment", DownloadHeaders.contentDisposition(null, null, INLINE));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = { "report.pdf|report.pdf|report.pdf", "a\"b.txt|a_b.txt|a%22b.txt",
            "../../etc/passwd|.._.._etc_passwd|..%2F..%2Fetc%2Fpasswd",
            "naïve résumé.txt|na_ve r_sum_.txt|na%C3%AFve%20r%C3%A9sum%C3%A9.txt" })
    void file_names_are_quoted_safely(String filename, String ascii, String encoded) {
        String disposition = DownloadHeaders.contentDisposition("text/plain", filename, INLINE);
        assertEquals("inline; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded, disposition);
        assertFalse(disposition.contains("\r") || disposition.contains("\n"));
    }
}
