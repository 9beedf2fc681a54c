package io.resumableupload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Keeps the package rules of DESIGN.md §2: protocol/ is pure Java, and dependencies point down only (nothing
 * imports api/, and the protocol imports nothing of ours).
 */
class ArchitectureTest {

    private static final Path SOURCES = Path.of("src/main/java/io/resumableupload");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);

    @Test
    void protocol_imports_only_the_jdk() throws IOException {
        assertEquals(List.of(), violations("protocol", name -> name.startsWith("java.")
                || name.startsWith("io.resumableupload.protocol.")));
    }

    /** The client ships as its own jar with nothing else: it may use the JDK only. */
    @Test
    void client_imports_only_the_jdk() throws IOException {
        assertEquals(List.of(), violations("client", name -> name.startsWith("java.")
                || name.startsWith("io.resumableupload.client.")));
    }

    /** The server never depends on the client; only the command line brings the two together. */
    @Test
    void the_server_does_not_import_the_client() throws IOException {
        List<String> found = new ArrayList<>();
        for (String pkg : List.of("protocol", "upload", "persistence", "storage", "lock", "hooks", "ops", "config", "api")) {
            found.addAll(violations(pkg, name -> !name.startsWith("io.resumableupload.client.")));
        }
        assertEquals(List.of(), found);
    }

    @Test
    void nothing_imports_the_api_package() throws IOException {
        List<String> found = new ArrayList<>();
        for (String pkg : List.of("protocol", "upload", "persistence", "storage", "lock", "hooks", "ops", "config")) {
            found.addAll(violations(pkg, name -> !name.startsWith("io.resumableupload.api.")));
        }
        assertEquals(List.of(), found);
    }

    @Test
    void storage_and_locks_do_not_know_the_engine() throws IOException {
        List<String> found = new ArrayList<>();
        for (String pkg : List.of("storage", "lock", "persistence")) {
            found.addAll(violations(pkg, name -> !name.startsWith("io.resumableupload.upload.")
                    && !name.startsWith("io.resumableupload.api.")));
        }
        assertEquals(List.of(), found);
    }

    /** Issue 7 item 23: a misspelt or moved package must fail the rule, not pass it vacuously. */
    @Test
    void a_rule_about_a_missing_package_fails() {
        assertThrows(AssertionError.class, () -> violations("no-such-package", name -> true));
    }

    interface Allowed {
        boolean test(String importedName);
    }

    static List<String> violations(String pkg, Allowed allowed) throws IOException {
        Path dir = SOURCES.resolve(pkg);
        // A rule about a package that is not there checks nothing: a rename must update the rule, not void it.
        assertTrue(Files.isDirectory(dir), dir + " is missing: the rule about package " + pkg + " would check nothing");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    if (!allowed.test(m.group(1))) {
                        found.add(SOURCES.relativize(file) + " imports " + m.group(1));
                    }
                }
            }
        }
        return found;
    }
}
