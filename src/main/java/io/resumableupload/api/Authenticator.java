package io.resumableupload.api;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import io.quarkus.runtime.Startup;
import io.resumableupload.config.TusConfig;
import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.TusException;
import io.resumableupload.upload.Caller;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.vertx.core.http.HttpServerRequest;

/**
 * Turns a request into a {@link Caller} ({@code tus.auth.mode}). With {@code none} everyone is
 * {@link Caller#ANYONE} and no header is looked at. With {@code jwt} the bearer token is verified by smallrye-jwt
 * with the {@code mp.jwt.verify.*} settings (key from a PEM or JWKS file or a JWKS URL, issuer, optionally audience),
 * and its {@code tus.auth.owner-claim} becomes the caller's identity, also put in the log context ({@code owner}).
 * OPTIONS is never authenticated (discovery, CORS preflights); the resource calls this for every other verb, on a
 * worker thread (fetching a JWKS may block).
 */
@Startup
@Singleton
public class Authenticator {

    private static final Logger LOG = Logger.getLogger(Authenticator.class);

    /** What the request wants to do, for the checks beyond a valid token. */
    public enum Purpose {
        /** POST: may need tus.auth.create-role. */
        CREATE,
        /** HEAD, PATCH, DELETE of an upload. */
        ACCESS,
        /** GET: needs no token for a finished upload when tus.auth.public-downloads is on. */
        DOWNLOAD
    }

    private final TusConfig.Auth config;
    private final JWTParser parser;

    Authenticator(TusConfig config, Instance<JWTParser> parsers) {
        this.config = config.auth();
        if (this.config.mode() == TusConfig.AuthMode.JWT) {
            requireVerificationSettings(ConfigProvider.getConfig());
            this.parser = parsers.get();
        } else {
            // Mode none never touches smallrye-jwt, so it needs no key (and a client's stray token is ignored).
            this.parser = null;
        }
    }

    /**
     * The caller of a request.
     *
     * @throws TusException 401 without a bearer token or with one that fails verification; 403 for a creation
     *         without {@code tus.auth.create-role}
     */
    public Caller authenticate(HttpServerRequest request, Purpose purpose) {
        if (parser == null) {
            return Caller.ANYONE;
        }
        String header = request.getHeader("Authorization");
        if (header == null && purpose == Purpose.DOWNLOAD && config.publicDownloads()) {
            return Caller.ANONYMOUS;
        }
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            throw new TusException(TusError.UNAUTHORIZED, "send Authorization: Bearer <token>");
        }
        JsonWebToken token;
        try {
            token = parser.parse(header.substring(7).strip());
        } catch (ParseException e) {
            LOG.debugf("bearer token refused: %s", rootMessage(e));
            throw new TusException(TusError.INVALID_TOKEN,
                    "the bearer token is not valid (bad signature, wrong issuer or audience, or expired)");
        }
        String owner = claimText(token.getClaim(config.ownerClaim()));
        if (owner == null || owner.isEmpty()) {
            throw new TusException(TusError.INVALID_TOKEN, "the bearer token has no '" + config.ownerClaim() + "' claim");
        }
        MDC.put("owner", owner);
        Optional<String> createRole = config.createRole();
        if (purpose == Purpose.CREATE && createRole.isPresent() && !hasRoleOrScope(token, createRole.get())) {
            throw new TusException(TusError.FORBIDDEN, "creating uploads needs the role or scope " + createRole.get());
        }
        return Caller.owner(owner);
    }

    /** Roles from {@code groups} (smallrye-jwt maps it; see smallrye.jwt.path.groups), scopes from scope or scp. */
    private static boolean hasRoleOrScope(JsonWebToken token, String role) {
        if (token.getGroups() != null && token.getGroups().contains(role)) {
            return true;
        }
        for (String claim : List.of("scope", "scp")) {
            Object value = token.getClaim(claim);
            if (value instanceof JsonArray array) {
                if (array.stream().map(Authenticator::claimText).anyMatch(role::equals)) {
                    return true;
                }
            } else if (value instanceof Collection<?> values) {
                if (values.stream().map(Authenticator::claimText).anyMatch(role::equals)) {
                    return true;
                }
            } else {
                String text = claimText(value);
                if (text != null && List.of(text.split(" ")).contains(role)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String claimText(Object value) {
        if (value == null || value == JsonValue.NULL) {
            return null;
        }
        if (value instanceof JsonString string) {
            return string.getString();
        }
        return value.toString();
    }

    /** Fails start-up in jwt mode unless a verification key and the expected issuer are configured. */
    private static void requireVerificationSettings(Config config) {
        boolean key = config.getOptionalValue("mp.jwt.verify.publickey.location", String.class).isPresent()
                || config.getOptionalValue("mp.jwt.verify.publickey", String.class).isPresent();
        if (!key) {
            throw new IllegalStateException("tus.auth.mode=jwt needs mp.jwt.verify.publickey.location (a PEM or JWKS "
                    + "file, or a JWKS URL) or mp.jwt.verify.publickey");
        }
        if (config.getOptionalValue("mp.jwt.verify.issuer", String.class).isEmpty()) {
            // Without it a token from any issuer sharing the key set (a multi-tenant IdP) would be accepted.
            throw new IllegalStateException("tus.auth.mode=jwt needs mp.jwt.verify.issuer (the iss of your tokens)");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }
}
