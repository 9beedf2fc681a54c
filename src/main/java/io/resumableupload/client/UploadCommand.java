package io.resumableupload.client;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code upload FILE --endpoint URL [options]}: the command line of the client. Runs from the client jar alone
 * ({@code java -jar resumable-upload-<version>-client.jar upload ...}) or through the server's launcher, which
 * hands {@code upload} to it without starting the server.
 */
public final class UploadCommand {

    static final String USAGE = """
            usage: resumable-upload upload FILE --endpoint URL [options]

              --endpoint URL            the upload collection, e.g. http://localhost:8080/files/
              --parallel N              upload N parts at once, concatenated by the server (default 1)
              --chunk-size SIZE         bytes per PATCH, e.g. 8M (default: the whole file in one PATCH)
              --checksum ALG            sha1, sha256, sha512, md5 or auto (default: none)
              --metadata KEY=VALUE      Upload-Metadata pair; repeat for more (filename is set by default)
              --resume-store FILE       where unfinished uploads are remembered
                                        (default: ~/.cache/resumable-upload/resume-store.tsv)
              --no-resume               neither look for nor remember an unfinished upload
              --header 'NAME: VALUE'    extra header on every request (e.g. Authorization); repeatable
              --creation-with-upload    send the first chunk with the creation request
              --method-override         send PATCH/HEAD/DELETE as POST + X-HTTP-Method-Override
              --limit-rate SIZE         at most SIZE bytes per second, e.g. 10M
              --retries N               consecutive failures retried before giving up (default 10)
              --idle-timeout DURATION   cancel and retry a request whose data makes no progress for this long,
                                        e.g. 30s, 2m; 0 turns it off (default 60s)

            Each retry is reported on stderr with its cause. Run it again after Ctrl-C or a crash: it resumes from
            the server's offset. Prints the upload URL.
            """;

    private UploadCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns the exit code (0 done, 1 failed, 2 bad usage, 130 stopped by Ctrl-C). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(List.of(args));
        if (!rest.isEmpty() && rest.get(0).equals("upload")) {
            rest.remove(0);
        }
        Options options;
        try {
            options = Options.parse(rest);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (options == null) {
            out.print(USAGE);
            return 0;
        }
        try {
            return upload(options, out, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("interrupted");
            return 1;
        } catch (IOException e) {
            err.println();
            err.println("upload failed: " + (e instanceof TusClientException ? e.getMessage() : Causes.describe(e)));
            return 1;
        }
    }

    private static int upload(Options o, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        if (!Files.isRegularFile(o.file)) {
            err.println("error: no such file: " + o.file);
            return 2;
        }
        UploadSource source = UploadSource.of(o.file);
        UrlStore store = o.resume ? new FileUrlStore(o.resumeStore) : null;
        ProgressPrinter printer = new ProgressPrinter(out, System.console() != null);
        TusClient.Builder builder = TusClient.builder(o.endpoint).parallelUploads(o.parallel).chunkSize(o.chunkSize)
                .creationWithUpload(o.creationWithUpload).methodOverride(o.methodOverride).limitRate(o.limitRate)
                .retry(RetryPolicy.defaults().withMaxRetries(o.retries)).urlStore(store).idleTimeout(o.idleTimeout)
                .progressInterval(Duration.ofMillis(250))
                .onRetry((failure, delay) -> printer.message(err, failure.method() + ": " + failure.reason() + "; retrying in "
                        + delay(delay) + ", attempt " + failure.attempt() + " of " + o.retries));
        o.headers.forEach(builder::header);
        if (o.checksum != null) {
            if (o.checksum.equals("auto")) {
                builder.checksumAuto();
            } else {
                builder.checksum(ChecksumAlgorithm.byTusName(o.checksum).orElseThrow());
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("filename", o.file.getFileName().toString());
        metadata.putAll(o.metadata);
        Optional<String> previous = store == null ? Optional.empty() : source.fingerprint().flatMap(fp -> get(store, fp));
        if (previous.isPresent()) {
            out.println("Resuming the earlier upload of " + o.file.getFileName() + " ("
                    + previous.get().replaceFirst("^parallel ", "parallel parts: ") + ")");
        }
        List<URI> urls = new CopyOnWriteArrayList<>();
        Interruption interruption = new Interruption(Thread.currentThread());
        UploadResult result;
        try (TusClient client = builder.build()) {
            ServerCapabilities caps = client.capabilities();
            if (o.parallel > 1 && !caps.supports("concatenation")) {
                out.println("The server does not support concatenation: uploading as one stream.");
            }
            if (o.checksum != null && !caps.supports("checksum")) {
                out.println("The server does not support checksums: uploading without them.");
            }
            result = client.upload(source,
                    UploadOptions.builder().metadata(metadata).progress(printer::print).onUploadUrl(urls::add).build());
        } catch (InterruptedException | IOException e) {
            if (!interruption.signalled()) {
                throw e;
            }
            reportStop(o, source.size(), urls, printer, builder, err);
            // 128 + SIGINT, what a shell reports for a command stopped with Ctrl-C.
            return 130;
        } finally {
            interruption.over();
        }
        printer.finish(result.stats());
        if (previous.isPresent()) {
            out.println(result.resumed()
                    ? "Resumed the earlier upload from byte " + result.resumedFrom() + " of " + result.bytes() + "."
                    : "The earlier upload was gone; uploaded from the start.");
        }
        out.println(result.url());
        return 0;
    }

    /**
     * Says where an upload stopped on Ctrl-C: what the server holds (asked with HEAD, which also makes the server
     * store what the cut request had sent), where, and how to go on.
     */
    private static void reportStop(Options o, long total, List<URI> urls, ProgressPrinter printer, TusClient.Builder builder,
            PrintStream err) {
        printer.message(err, "");
        if (urls.isEmpty()) {
            err.println("Stopped before the upload was created: nothing to resume.");
            return;
        }
        long stored = 0;
        try (TusClient probe = builder.requestTimeout(Duration.ofSeconds(2)).retry(RetryPolicy.none()).onRetry(null)
                .build()) {
            for (URI url : urls) {
                stored += probe.status(url).offset();
            }
        } catch (IOException e) {
            stored = -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stored = -1;
        }
        String where = urls.size() == 1 ? urls.get(0).toString()
                : urls.size() + " parallel parts: " + String.join(" ", urls.stream().map(URI::toString).toList());
        if (stored >= 0) {
            err.println("Stopped at " + ProgressPrinter.human(stored) + " of " + ProgressPrinter.human(total) + " ("
                    + percent(stored, total) + "), stored by the server at " + where + ".");
        } else {
            UploadStats last = printer.last();
            long sent = last == null ? 0 : last.bytesSent();
            err.println("Stopped after sending about " + ProgressPrinter.human(sent) + " of " + ProgressPrinter.human(total)
                    + " (" + percent(sent, total) + ") to " + where + " (the server did not say how much it stored).");
        }
        err.println(o.resume ? "Run the same command again to resume from there."
                : "This run was started with --no-resume, so running it again starts a new upload.");
    }

    private static String percent(long bytes, long total) {
        return total <= 0 ? "100%" : String.format(Locale.ROOT, "%.1f%%", 100.0 * bytes / total);
    }

    /**
     * Ctrl-C (SIGINT) makes the JVM run its shutdown hooks. This one interrupts the upload (which closes its request,
     * so the server keeps what arrived) and waits for the uploading thread to say where it stopped.
     */
    private static final class Interruption {
        private final Thread uploader;
        private final Thread hook = new Thread(this::onSignal, "upload-interrupted");
        private final CountDownLatch over = new CountDownLatch(1);
        private volatile boolean signalled;

        Interruption(Thread uploader) {
            this.uploader = uploader;
            Runtime.getRuntime().addShutdownHook(hook);
        }

        private void onSignal() {
            if (over.getCount() == 0) {
                return;
            }
            signalled = true;
            uploader.interrupt();
            try {
                over.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        boolean signalled() {
            return signalled;
        }

        /** The uploading thread has nothing more to say; the JVM may go. */
        void over() {
            over.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    private static Optional<String> get(UrlStore store, String fingerprint) {
        try {
            return store.get(fingerprint);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Parsed arguments. */
    static final class Options {
        Path file;
        URI endpoint;
        int parallel = 1;
        long chunkSize;
        String checksum;
        final Map<String, String> metadata = new LinkedHashMap<>();
        final Map<String, String> headers = new LinkedHashMap<>();
        Path resumeStore = defaultStore();
        boolean resume = true;
        boolean creationWithUpload;
        boolean methodOverride;
        long limitRate;
        int retries = 10;
        Duration idleTimeout = TusClient.DEFAULT_IDLE_TIMEOUT;

        /** @return null when help was asked for */
        static Options parse(List<String> args) {
            Options o = new Options();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "-h", "--help" -> {
                        return null;
                    }
                    case "--endpoint" -> o.endpoint = URI.create(value(args, ++i, arg));
                    case "--parallel" -> o.parallel = positive(value(args, ++i, arg), arg);
                    case "--chunk-size" -> o.chunkSize = size(value(args, ++i, arg));
                    case "--checksum" -> {
                        o.checksum = value(args, ++i, arg).toLowerCase(Locale.ROOT);
                        if (!o.checksum.equals("auto") && ChecksumAlgorithm.byTusName(o.checksum).isEmpty()) {
                            throw new IllegalArgumentException("unknown checksum algorithm " + o.checksum);
                        }
                    }
                    case "--metadata" -> {
                        String pair = value(args, ++i, arg);
                        int eq = pair.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--metadata takes KEY=VALUE, got " + pair);
                        }
                        o.metadata.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                    case "--header" -> {
                        String header = value(args, ++i, arg);
                        int colon = header.indexOf(':');
                        if (colon <= 0) {
                            throw new IllegalArgumentException("--header takes 'NAME: VALUE', got " + header);
                        }
                        o.headers.put(header.substring(0, colon).strip(), header.substring(colon + 1).strip());
                    }
                    case "--resume-store" -> o.resumeStore = Path.of(value(args, ++i, arg));
                    case "--no-resume" -> o.resume = false;
                    case "--creation-with-upload" -> o.creationWithUpload = true;
                    case "--method-override" -> o.methodOverride = true;
                    case "--limit-rate" -> o.limitRate = size(value(args, ++i, arg));
                    case "--retries" -> o.retries = Integer.parseInt(value(args, ++i, arg));
                    case "--idle-timeout" -> o.idleTimeout = duration(value(args, ++i, arg), arg);
                    default -> {
                        if (arg.startsWith("-") || o.file != null) {
                            throw new IllegalArgumentException("unexpected argument " + arg);
                        }
                        o.file = Path.of(arg);
                    }
                }
            }
            if (o.file == null) {
                throw new IllegalArgumentException("which FILE?");
            }
            if (o.endpoint == null) {
                throw new IllegalArgumentException("--endpoint is required");
            }
            return o;
        }

        private static String value(List<String> args, int i, String option) {
            if (i >= args.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args.get(i);
        }

        private static int positive(String value, String option) {
            int n = Integer.parseInt(value);
            if (n < 1) {
                throw new IllegalArgumentException(option + " must be at least 1");
            }
            return n;
        }

        /** Parses 90 (seconds), 90s, 1500ms, 2m, 1h. */
        private static Duration duration(String value, String option) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            try {
                if (v.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                char unit = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
                String number = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
                long n = Long.parseLong(number);
                Duration d = switch (unit) {
                    case 'h' -> Duration.ofHours(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 's' -> Duration.ofSeconds(n);
                    default -> {
                        if (!Character.isDigit(unit)) {
                            throw new NumberFormatException();
                        }
                        yield Duration.ofSeconds(n);
                    }
                };
                if (d.isNegative()) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " takes a duration like 30s, 2m or 1500ms, got " + value);
            }
        }

        private static Path defaultStore() {
            String cache = System.getenv("XDG_CACHE_HOME");
            Path base = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache");
            return base.resolve("resumable-upload").resolve("resume-store.tsv");
        }
    }

    /** Parses 123, 64K, 8M, 1G (binary units). */
    static long size(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = 1;
        char last = s.isEmpty() ? '0' : s.charAt(s.length() - 1);
        if (last == 'K' || last == 'M' || last == 'G' || last == 'T') {
            unit = switch (last) {
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                default -> 1L << 40;
            };
            s = s.substring(0, s.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(s.strip()), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size: " + text);
        }
    }

    /** "0.4 s" under a second, whole seconds above. */
    static String delay(Duration delay) {
        long millis = delay.toMillis();
        return millis < 1000 ? String.format(Locale.ROOT, "%.1f s", millis / 1000.0) : Math.round(millis / 1000.0) + " s";
    }

    /** A progress bar on a terminal, a line every few seconds otherwise. */
    static final class ProgressPrinter {
        private final PrintStream out;
        private final boolean terminal;
        private long lastLine;
        private boolean barShown;
        private volatile UploadStats last;

        ProgressPrinter(PrintStream out, boolean terminal) {
            this.out = out;
            this.terminal = terminal;
        }

        synchronized void print(UploadStats stats) {
            last = stats;
            if (terminal) {
                out.print("\r" + line(stats, true) + "   ");
                out.flush();
                barShown = true;
            } else if (System.nanoTime() - lastLine > 2_000_000_000L) {
                lastLine = System.nanoTime();
                out.println(line(stats, false));
            }
        }

        synchronized void finish(UploadStats stats) {
            if (terminal) {
                out.print("\r" + line(stats, true) + "   ");
                out.println();
                barShown = false;
            } else {
                out.println(line(stats, false));
            }
        }

        /** A line on {@code stream} (stderr) that does not land in the middle of the progress bar. */
        synchronized void message(PrintStream stream, String line) {
            if (barShown) {
                out.println();
                barShown = false;
            }
            stream.println(line);
        }

        /** The last progress reported, or null. */
        UploadStats last() {
            return last;
        }

        static String line(UploadStats stats, boolean bar) {
            StringBuilder line = new StringBuilder();
            double percent = stats.percent().orElse(0.0);
            if (bar) {
                int width = 30;
                int filled = (int) Math.round(percent / 100 * width);
                line.append('[').append("#".repeat(filled)).append("-".repeat(width - filled)).append("] ");
            }
            line.append(String.format(Locale.ROOT, "%5.1f%% %s / %s  %s/s", percent, human(stats.bytesSent()),
                    stats.totalBytes() < 0 ? "?" : human(stats.totalBytes()), human((long) stats.bytesPerSecond())));
            stats.eta().ifPresent(eta -> line.append(String.format(Locale.ROOT, "  ETA %d:%02d", eta.toMinutes(),
                    eta.toSecondsPart())));
            if (stats.retries() > 0) {
                line.append("  retries ").append(stats.retries());
            }
            return line.toString();
        }

        static String human(long bytes) {
            String[] units = { "B", "KiB", "MiB", "GiB", "TiB" };
            double value = bytes;
            int unit = 0;
            while (value >= 1024 && unit < units.length - 1) {
                value /= 1024;
                unit++;
            }
            return String.format(Locale.ROOT, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
        }
    }
}
