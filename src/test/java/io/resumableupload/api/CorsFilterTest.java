package io.resumableupload.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Origin patterns of tus.cors.allowed-origins, and the one combination refused at start-up. */
class CorsFilterTest {

    @ParameterizedTest
    @CsvSource({
            "https://app.example.com, https://app.example.com, true",
            "https://app.example.com, https://APP.example.com, true",
            "https://app.example.com, http://app.example.com, false",
            "https://app.example.com, https://app.example.com:8443, false",
            "https://app.example.com, https://app.example.com.evil.net, false",
            "https://*.example.org, https://a.example.org, true",
            "https://*.example.org, https://a.b.example.org, true",
            "https://*.example.org, https://example.org, false",
            "https://*.example.org, https://example.org.evil.net, false",
            "https://*.example.org, https://evil.net/.example.org, false",
            "http://localhost:*, http://localhost:5173, true",
            "http://localhost:*, http://localhost.evil.net, false",
            "https://app.example.com, null, false"
    })
    void origins_match_exactly_or_by_pattern(String allowed, String origin, boolean matches) {
        assertEquals(matches, CorsFilter.originPattern(allowed).matcher(origin.toLowerCase()).matches());
    }

    @ParameterizedTest
    @CsvSource({ "true", "false" })
    void any_origin_is_refused_with_credentials_only(boolean credentials) {
        if (credentials) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> CorsFilter.anyOrigin(List.of("*"), true));
            assertTrue(e.getMessage().contains("tus.cors.allowed-origins"));
        } else {
            assertTrue(CorsFilter.anyOrigin(List.of("*"), false));
        }
        assertEquals(false, CorsFilter.anyOrigin(List.of("https://app.example.com"), credentials));
    }
}
