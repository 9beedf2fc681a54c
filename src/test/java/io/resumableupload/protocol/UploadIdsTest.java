package io.resumableupload.protocol;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RELIABILITY D1/D3: an id can never name a path outside the upload namespace. */
class UploadIdsTest {

    @Test
    void accepts_base64url_ids() {
        assertTrue(UploadIds.isValid("kzqEtJ_KqkenG2sPgxKJfg"));
        assertTrue(UploadIds.isValid("A".repeat(64)));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "short", "../../../../etc/passwd", "..%2F..%2Fetc%2Fpasswdxxxxxxx",
            "abcdefghijklmnopqrstu/", "/abcdefghijklmnopqrstuv", "abcdefghijklmnopqrstu.v", "abcdefghijklmnopqrst\u0000uv",
            "abcdefghijklmnopqrstu\\v", "abcdefghij klmnopqrstuv", "abcdefghijklmnopqrstu%v" })
    void rejects_everything_else(String id) {
        assertFalse(UploadIds.isValid(id));
    }

    @Test
    void rejects_overlong_ids() {
        assertFalse(UploadIds.isValid("A".repeat(65)));
        assertFalse(UploadIds.isValid("A".repeat(10_000)));
    }
}
