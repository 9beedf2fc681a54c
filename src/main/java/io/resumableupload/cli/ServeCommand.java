package io.resumableupload.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code serve [options]}: the server with its settings given as flags. Each flag is a row of {@link #FLAGS}: the
 * configuration keys it sets, so parsing and {@code --help} come from one table. The flags become system
 * properties, which Quarkus reads when it starts (and validates: a bad value stops the start with a message naming
 * the key).
 */
final class ServeCommand {

    /**
     * One flag: an option that sets {@code key} to its value, or a switch that sets {@code fixed}.
     *
     * @param section the heading it is listed under in {@code --help}
     * @param name e.g. {@code --port}
     * @param value what an option takes, e.g. {@code PORT}; null for a switch
     * @param key the configuration key an option sets; null for a switch
     * @param defaultValue shown in {@code --help}; null when there is none to show
     * @param help one line
     * @param fixed what a switch sets; empty for an option
     */
    record Flag(String section, String name, String value, String key, String defaultValue, String help,
            Map<String, String> fixed) {
    }

    static final List<Flag> FLAGS = List.of(
            option("Server", "--host", "HOST", "quarkus.http.host", "0.0.0.0", "interface to listen on"),
            option("Server", "--port", "PORT", "quarkus.http.port", "8080", "HTTP port"),
            option("Server", "--base-path", "PATH", "tus.base-path", "/files", "URL path of the upload collection"),
            option("Server", "--public-url", "URL", "tus.location.base-url", "from the request",
                    "public base URL of upload Locations, e.g. https://uploads.example.com"),
            toggle("Server", "--behind-proxy", "trust X-Forwarded-Proto/-Host/-For from the proxy in front of the server",
                    Map.of("quarkus.http.proxy.proxy-address-forwarding", "true", "quarkus.http.proxy.allow-x-forwarded",
                            "true", "quarkus.http.proxy.enable-forwarded-host", "true")),
            option("Server", "--log-level", "LEVEL", "quarkus.log.level", "INFO", "DEBUG, INFO, WARN or ERROR"),
            option("Server", "--shutdown-timeout", "DURATION", "tus.shutdown.drain-timeout", "10s",
                    "on SIGTERM, time for uploads in flight to store their bytes"),
            option("Server", "--management-port", "PORT", "quarkus.management.port", "9000",
                    "health and metrics (/q/health, /q/metrics), never on the public port"),
            toggle("Server", "--no-ui", "no upload page at /", Map.of("tus.ui.enabled", "false")),

            option("Uploads", "--upload-dir", "DIR", "tus.storage.filesystem.directory", "uploads",
                    "where upload bytes are stored"),
            option("Uploads", "--max-size", "SIZE", "tus.max-size", "10G", "largest upload, e.g. 50G"),
            option("Uploads", "--expire-after", "DURATION", "tus.expiration.unfinished-after", "24h",
                    "unfinished uploads expire this long after their last request"),
            option("Uploads", "--expire-finished-after", "DURATION", "tus.expiration.finished-after", "never",
                    "finished uploads expire this long after they finished"),
            option("Uploads", "--checksum-algorithms", "LIST", "tus.checksum.algorithms", "sha1,sha256,sha512,md5",
                    "Upload-Checksum algorithms offered"),
            option("Uploads", "--max-partials", "N", "tus.concatenation.max-partials", "100",
                    "most partial uploads one final upload may name"),
            option("Uploads", "--idle-timeout", "DURATION", "tus.patch.idle-timeout", "60s",
                    "end a PATCH whose client sends nothing this long"),
            toggle("Uploads", "--disable-download", "no GET of finished uploads", Map.of("tus.download.enabled", "false")),
            toggle("Uploads", "--disable-termination", "no DELETE of uploads", Map.of("tus.termination.enabled", "false")),

            option("Database and locks", "--database-url", "URL", "quarkus.datasource.jdbc.url",
                    "an embedded PostgreSQL", "JDBC URL of your PostgreSQL"),
            option("Database and locks", "--database-user", "USER", "quarkus.datasource.username", null, "its user"),
            option("Database and locks", "--database-password", "PASS", "quarkus.datasource.password", null,
                    "its password (or set QUARKUS_DATASOURCE_PASSWORD)"),
            option("Database and locks", "--embedded-db-dir", "DIR", "tus.embedded-postgres.data-directory",
                    "data/postgres", "data of the embedded PostgreSQL"),
            option("Database and locks", "--lock-backend", "NAME", "tus.lock.backend",
                    "postgres; memory with the embedded database", "memory (one server), postgres or redis"),
            option("Database and locks", "--redis-url", "URL", "quarkus.redis.hosts", null,
                    "Redis for --lock-backend redis, e.g. redis://host:6379"),
            option("Database and locks", "--lock-timeout", "DURATION", "tus.lock.acquire-timeout", "20s",
                    "wait this long for an upload's lock before 423"),

            option("Browsers and access", "--cors-origins", "LIST", "tus.cors.allowed-origins", "*",
                    "origins pages may upload from: exact, or patterns like https://*.example.com"),
            option("Browsers and access", "--auth", "MODE", "tus.auth.mode", "none",
                    "none, or jwt: a bearer token on every request, uploads owned by their creator"),
            option("Browsers and access", "--jwt-key", "LOCATION", "mp.jwt.verify.publickey.location", null,
                    "jwt: verification key, a PEM or JWKS file or a JWKS URL"),
            option("Browsers and access", "--jwt-issuer", "ISSUER", "mp.jwt.verify.issuer", null,
                    "jwt: the iss of your tokens (required)"),
            option("Browsers and access", "--jwt-audience", "AUD", "mp.jwt.verify.audiences", null,
                    "jwt: the aud your tokens must carry"),
            option("Browsers and access", "--owner-claim", "CLAIM", "tus.auth.owner-claim", "sub",
                    "jwt: the claim naming an upload's owner"),
            option("Browsers and access", "--create-role", "ROLE", "tus.auth.create-role", null,
                    "jwt: role or scope needed to create uploads"),
            toggle("Browsers and access", "--public-downloads", "jwt: anyone with the URL may GET a finished upload",
                    Map.of("tus.auth.public-downloads", "true")),

            option("Hooks", "--hooks-http", "URL", "tus.hooks.http.url", null,
                    "send hooks to this tusd-compatible receiver (tusd -hooks-http)"),
            option("Hooks", "--hooks-enabled-events", "LIST", "tus.hooks.http.events",
                    "pre-create,post-create,post-receive,post-terminate,post-finish",
                    "hooks sent; also pre-access, pre-finish, pre-terminate, post-expire"),
            option("Hooks", "--hooks-http-forward-headers", "LIST", "tus.hooks.http.forward-headers", null,
                    "client request headers copied onto hook requests"),
            option("Hooks", "--hooks-timeout", "DURATION", "tus.hooks.http.timeout", "15s", "longest wait for a hook"),
            option("Hooks", "--hooks-secret", "SECRET", "tus.hooks.http.secret", null,
                    "sign hook requests (Hook-Signature, HMAC-SHA256)"),
            option("Hooks", "--hooks-on-failure", "MODE", "tus.hooks.http.on-failure", "reject",
                    "a failed pre-* hook: reject (502) or allow"),
            option("Hooks", "--hooks-progress-interval", "DURATION", "tus.hooks.progress-interval", "1s",
                    "post-receive at most this often per upload"),
            toggle("Hooks", "--tusd-metrics", "also expose tusd's metric names (tusd_*) for tusd dashboards",
                    Map.of("tus.metrics.tusd-names", "true")));

    static final String USAGE = usage();

    private ServeCommand() {
    }

    /**
     * Turns the flags into system properties (read by Quarkus when it starts).
     *
     * @return -1 to go on and start the server, else the exit code (0 after help, 2 for bad usage)
     */
    static int configure(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> properties;
        try {
            properties = properties(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (properties == null) {
            out.print(USAGE);
            return 0;
        }
        properties.forEach(System::setProperty);
        return -1;
    }

    /**
     * The configuration the flags ask for, in order; null when help was asked for. Values may follow the flag or
     * be joined to it with {@code =}.
     *
     * @throws IllegalArgumentException for an unknown flag or a missing value
     */
    static Map<String, String> properties(String[] args) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                return null;
            }
            int eq = arg.indexOf('=');
            String name = eq > 0 ? arg.substring(0, eq) : arg;
            Flag flag = find(name).orElseThrow(() -> new IllegalArgumentException("unknown option " + name));
            if (flag.value() == null) {
                if (eq > 0) {
                    throw new IllegalArgumentException(name + " takes no value");
                }
                properties.putAll(flag.fixed());
                continue;
            }
            String value;
            if (eq > 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException(name + " needs a value");
            }
            properties.put(flag.key(), value);
        }
        return properties;
    }

    private static Optional<Flag> find(String name) {
        return FLAGS.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    private static Flag option(String section, String name, String value, String key, String defaultValue, String help) {
        return new Flag(section, name, value, key, defaultValue, help, Map.of());
    }

    private static Flag toggle(String section, String name, String help, Map<String, String> settings) {
        return new Flag(section, name, null, null, null, help, new java.util.TreeMap<>(settings));
    }

    private static String usage() {
        StringBuilder usage = new StringBuilder("usage: resumable-upload serve [options]\n");
        String section = null;
        for (Flag flag : FLAGS) {
            if (!flag.section().equals(section)) {
                section = flag.section();
                usage.append('\n').append(section).append('\n');
            }
            String left = flag.name() + (flag.value() == null ? "" : " " + flag.value());
            usage.append(String.format("  %-34s %s%s%n", left, flag.help(),
                    flag.defaultValue() == null ? "" : " (default " + flag.defaultValue() + ")"));
        }
        usage.append("""

                Values may also be given as --flag=value. Every other setting can be given as a system property or
                environment variable (see the README's configuration table).
                """);
        return usage.toString();
    }
}
