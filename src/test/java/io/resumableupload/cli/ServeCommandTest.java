package io.resumableupload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.resumableupload.config.TusConfig;
import io.smallrye.config.WithDefault;

/** Issue 7 item 22: {@code serve} has a flag for every setting a user of tusd or of the seed's serve reaches for. */
class ServeCommandTest {

    /**
     * Flags for settings another branch adds to TusConfig, until it is merged (the server would refuse the keys as
     * unknown). Empty: tus.location.base-url and tus.concatenation.max-partials exist now.
     */
    private static final Set<String> KEYS_ADDED_ELSEWHERE = Set.of();

    @Test
    void each_flag_sets_its_configuration_key() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("tus.lock.backend", "redis");
        expected.put("quarkus.redis.hosts", "redis://redis:6379");
        expected.put("tus.checksum.algorithms", "sha256,md5");
        expected.put("tus.expiration.unfinished-after", "1h");
        expected.put("tus.expiration.finished-after", "7d");
        expected.put("quarkus.log.level", "DEBUG");
        expected.put("tus.storage.filesystem.directory", "/data/uploads");
        expected.put("tus.max-size", "50G");
        expected.put("tus.base-path", "/uploads");
        expected.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://db/uploads");
        expected.put("tus.location.base-url", "https://uploads.example.com");
        expected.put("tus.concatenation.max-partials", "20");
        expected.put("quarkus.http.port", "9000");
        assertEquals(expected, ServeCommand.properties(new String[] { "--lock-backend", "redis", "--redis-url",
                "redis://redis:6379", "--checksum-algorithms", "sha256,md5", "--expire-after", "1h", "--expire-finished-after",
                "7d", "--log-level", "DEBUG", "--upload-dir", "/data/uploads", "--max-size", "50G", "--base-path", "/uploads",
                "--database-url", "jdbc:postgresql://db/uploads", "--public-url", "https://uploads.example.com",
                "--max-partials", "20", "--port=9000" }));
    }

    @Test
    void a_switch_sets_its_fixed_values() {
        Map<String, String> set = ServeCommand.properties(new String[] { "--behind-proxy", "--disable-download" });
        assertEquals("true", set.get("quarkus.http.proxy.proxy-address-forwarding"));
        assertEquals("true", set.get("quarkus.http.proxy.allow-x-forwarded"));
        assertEquals("false", set.get("tus.download.enabled"));
    }

    @Test
    void unknown_flags_and_missing_values_are_refused() {
        assertEquals("unknown option --colour", assertThrows(IllegalArgumentException.class,
                () -> ServeCommand.properties(new String[] { "--colour", "red" })).getMessage());
        assertEquals("--port needs a value", assertThrows(IllegalArgumentException.class,
                () -> ServeCommand.properties(new String[] { "--port" })).getMessage());
        assertEquals("--behind-proxy takes no value", assertThrows(IllegalArgumentException.class,
                () -> ServeCommand.properties(new String[] { "--behind-proxy=yes" })).getMessage());
        assertNull(ServeCommand.properties(new String[] { "--port", "1", "--help" }));
    }

    @Test
    void help_lists_every_flag_with_its_default() {
        for (ServeCommand.Flag flag : ServeCommand.FLAGS) {
            String line = ServeCommand.USAGE.lines().filter(l -> l.strip().startsWith(flag.name() + " ")
                    || l.strip().equals(flag.name()) || l.strip().startsWith(flag.name() + "  ")).findFirst()
                    .orElseThrow(() -> new AssertionError(flag.name() + " missing from --help"));
            if (flag.defaultValue() != null) {
                assertTrue(line.endsWith("(default " + flag.defaultValue() + ")"), line);
            }
        }
    }

    /** The defaults --help shows are TusConfig's, and every tus.* key a flag sets exists there. */
    @Test
    void the_defaults_shown_are_the_configured_ones() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (ServeCommand.Flag flag : ServeCommand.FLAGS) {
            List<String> keys = flag.key() != null ? List.of(flag.key()) : List.copyOf(flag.fixed().keySet());
            for (String key : keys) {
                if (!key.startsWith("tus.")) {
                    continue;
                }
                Method accessor = accessor(key);
                if (accessor == null) {
                    if (!KEYS_ADDED_ELSEWHERE.contains(key)) {
                        wrong.add(flag.name() + ": no key " + key + " in TusConfig");
                    }
                    continue;
                }
                WithDefault declared = accessor.getAnnotation(WithDefault.class);
                if (flag.key() != null && declared != null && !declared.value().equals(flag.defaultValue())) {
                    wrong.add(flag.name() + " shows default " + flag.defaultValue() + ", TusConfig has " + declared.value());
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** The TusConfig accessor of {@code tus.a-b.c-d} (aB().cD()), or null. */
    private static Method accessor(String key) {
        Class<?> type = TusConfig.class;
        Method method = null;
        for (String part : key.substring("tus.".length()).split("\\.")) {
            if (type == null) {
                return null;
            }
            StringBuilder camel = new StringBuilder();
            for (String word : part.split("-")) {
                camel.append(camel.length() == 0 ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
            }
            try {
                method = type.getMethod(camel.toString());
            } catch (NoSuchMethodException e) {
                return null;
            }
            type = method.getReturnType().isInterface() && method.getReturnType().getName().startsWith("io.resumableupload")
                    ? method.getReturnType()
                    : null;
        }
        assertNotNull(method);
        return method;
    }
}
