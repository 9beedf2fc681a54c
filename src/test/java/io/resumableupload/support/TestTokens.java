package io.resumableupload.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * RS256 tokens signed with the test-only keys in src/test/resources/jwt (public.pem is what the server verifies
 * with; other-private.pem makes tokens with a bad signature). JDK only, so a token can be bent every way a real one
 * can go wrong.
 */
public final class TestTokens {

    public static final String ISSUER = "https://idp.test/realms/uploads";
    /** The audience the server expects (mp.jwt.verify.audiences in JwtProfile). */
    public static final String AUDIENCE = "resumable-upload";
    /** Classpath location of the verification key, for mp.jwt.verify.publickey.location. */
    public static final String PUBLIC_KEY = "jwt/public.pem";

    private static final PrivateKey KEY = privateKey("jwt/private.pem");
    private static final PrivateKey OTHER_KEY = privateKey("jwt/other-private.pem");

    private TestTokens() {
    }

    /** A valid token for {@code subject}, with the role "uploader". */
    public static String of(String subject) {
        return sign(KEY, subject, ISSUER, AUDIENCE, Instant.now().plus(Duration.ofHours(1)), List.of("uploader"));
    }

    /** "Bearer " + {@link #of(String)}. */
    public static String bearer(String subject) {
        return "Bearer " + of(subject);
    }

    public static String withoutRoles(String subject) {
        return sign(KEY, subject, ISSUER, AUDIENCE, Instant.now().plus(Duration.ofHours(1)), List.of());
    }

    public static String expired(String subject) {
        return sign(KEY, subject, ISSUER, AUDIENCE, Instant.now().minus(Duration.ofHours(1)), List.of("uploader"));
    }

    public static String wrongIssuer(String subject) {
        return sign(KEY, subject, "https://elsewhere.test", AUDIENCE, Instant.now().plus(Duration.ofHours(1)),
                List.of("uploader"));
    }

    public static String wrongAudience(String subject) {
        return sign(KEY, subject, ISSUER, "another-service", Instant.now().plus(Duration.ofHours(1)), List.of("uploader"));
    }

    public static String badSignature(String subject) {
        return sign(OTHER_KEY, subject, ISSUER, AUDIENCE, Instant.now().plus(Duration.ofHours(1)), List.of("uploader"));
    }

    private static String sign(PrivateKey key, String subject, String issuer, String audience, Instant expires,
            List<String> groups) {
        long now = Instant.now().getEpochSecond();
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        String claims = "{\"iss\":\"" + issuer + "\",\"aud\":\"" + audience + "\",\"sub\":\"" + subject + "\",\"iat\":"
                + Math.min(now,
                        expires.getEpochSecond() - 60)
                + ",\"exp\":" + expires.getEpochSecond() + ",\"groups\":["
                + groups.stream().map(g -> "\"" + g + "\"").collect(Collectors.joining(",")) + "]}";
        String input = base64(header.getBytes(StandardCharsets.UTF_8)) + "." + base64(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + base64(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static PrivateKey privateKey(String resource) {
        try (InputStream in = TestTokens.class.getClassLoader().getResourceAsStream(resource)) {
            String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "")
                    .replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
