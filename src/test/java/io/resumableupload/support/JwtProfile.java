package io.resumableupload.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** tus.auth.mode=jwt with the test keys and an audience, creation limited to the role "uploader". */
public class JwtProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("tus.auth.mode", "jwt", "mp.jwt.verify.publickey.location", TestTokens.PUBLIC_KEY,
                "mp.jwt.verify.issuer", TestTokens.ISSUER, "mp.jwt.verify.audiences", TestTokens.AUDIENCE,
                "tus.auth.create-role", "uploader");
    }

    /** The same with tus.auth.public-downloads=true. */
    public static class PublicDownloads extends JwtProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new java.util.HashMap<>(super.getConfigOverrides());
            config.put("tus.auth.public-downloads", "true");
            return config;
        }
    }
}
