package io.resumableupload.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code serve [options]}: the server with its main settings given as flags, turned into configuration. */
final class ServeCommand {

    static final String USAGE = """
            usage: resumable-upload serve [options]

              --host HOST               interface to listen on (default 0.0.0.0)
              --port PORT               HTTP port (default 8080)
              --upload-dir DIR          where upload bytes are stored (default ./uploads)
              --max-size SIZE           largest upload, e.g. 50G (default 10G)
              --base-path PATH          URL path of the upload collection (default /files)
              --database-url URL        JDBC URL of your PostgreSQL (default: an embedded one in ./data/postgres)
              --database-user USER      its user
              --database-password PASS  its password (or set QUARKUS_DATASOURCE_PASSWORD)
              --management-port PORT    health and metrics (default 9000)
              --cors-origins LIST       origins browsers may upload from: *, exact origins or patterns
                                        such as https://*.example.com, comma-separated (default *)
              --auth MODE               none or jwt (default none)
              --jwt-key LOCATION        jwt: verification key, a PEM or JWKS file or a JWKS URL
              --jwt-issuer ISSUER       jwt: the iss your tokens carry
              --owner-claim CLAIM       jwt: the claim naming an upload's owner (default sub)
              --create-role ROLE        jwt: role or scope needed to create uploads (default: none needed)
              --public-downloads BOOL   jwt: anyone may download finished uploads (default false)
              --ui BOOL                 serve the upload page at / (default true)

            Every other setting can be given as a system property or environment variable (see the README).
            """;

    private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("--host", "quarkus.http.host"),
            Map.entry("--port", "quarkus.http.port"), Map.entry("--upload-dir", "tus.storage.filesystem.directory"),
            Map.entry("--max-size", "tus.max-size"), Map.entry("--base-path", "tus.base-path"),
            Map.entry("--database-url", "quarkus.datasource.jdbc.url"),
            Map.entry("--database-user", "quarkus.datasource.username"),
            Map.entry("--database-password", "quarkus.datasource.password"),
            Map.entry("--management-port", "quarkus.management.port"),
            Map.entry("--cors-origins", "tus.cors.allowed-origins"), Map.entry("--auth", "tus.auth.mode"),
            Map.entry("--jwt-key", "mp.jwt.verify.publickey.location"), Map.entry("--jwt-issuer", "mp.jwt.verify.issuer"),
            Map.entry("--owner-claim", "tus.auth.owner-claim"), Map.entry("--create-role", "tus.auth.create-role"),
            Map.entry("--public-downloads", "tus.auth.public-downloads"), Map.entry("--ui", "tus.ui.enabled"));

    private ServeCommand() {
    }

    /**
     * Turns the flags into system properties (read by Quarkus when it starts).
     *
     * @return -1 to go on and start the server, else the exit code (0 after help, 2 for bad usage)
     */
    static int configure(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("-h") || flag.equals("--help")) {
                out.print(USAGE);
                return 0;
            }
            String property = FLAGS.get(flag);
            if (property == null || i + 1 >= args.length) {
                err.println(property == null ? "unknown option " + flag : flag + " needs a value");
                err.print(USAGE);
                return 2;
            }
            properties.put(property, args[++i]);
        }
        properties.forEach(System::setProperty);
        return -1;
    }
}
