package io.resumableupload.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.quarkus.runtime.configuration.MemorySize;
import io.resumableupload.protocol.ChecksumAlgorithm;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Everything the upload service reads from configuration, under {@code tus.*}. */
@ConfigMapping(prefix = "tus")
public interface TusConfig {

    /**
     * The URL path of the upload collection; uploads live at {@code <base-path>/<id>}. Defaults to {@code /files}.
     */
    @WithDefault("/files")
    String basePath();

    /**
     * The largest upload accepted, advertised as {@code Tus-Max-Size} and enforced on every path (creation,
     * deferred length, PATCH bodies with or without Content-Length, creation-with-upload, concatenation).
     * Defaults to {@code 10G}.
     */
    @WithDefault("10G")
    MemorySize maxSize();

    /**
     * The longest {@code Upload-Metadata} header accepted, in bytes; longer headers get 400. Defaults to
     * {@code 4K}.
     */
    @WithDefault("4K")
    MemorySize maxMetadataSize();

    /** The URLs of uploads. */
    Location location();

    /** PATCH body streaming. */
    Patch patch();

    /** The checksum extension. */
    Checksum checksum();

    /** The expiration extension and the reaper. */
    Expiration expiration();

    /** The concatenation extension. */
    Concatenation concatenation();

    /** The termination extension. */
    Termination termination();

    /** GET downloads of finished uploads. */
    Download download();

    /** Where upload bytes are stored. */
    Storage storage();

    /** Per-upload locks. */
    Lock lock();

    /** Behaviour on SIGTERM. */
    Shutdown shutdown();

    /** Cross-origin requests from browsers (CORS). */
    Cors cors();

    /** Who may create and touch uploads. */
    Auth auth();

    /** The upload page at {@code /}. */
    Ui ui();

    /** Hooks: in-process hook beans, tusd-compatible HTTP hooks and the outbox that delivers post-* events. */
    Hooks hooks();

    /** Prometheus metrics. */
    Metrics metrics();

    /**
     * The PostgreSQL started when no {@code quarkus.datasource.jdbc.url} is configured. Read before the
     * application starts, by {@code EmbeddedPostgresConfigSourceFactory}; declared here for validation and docs.
     */
    EmbeddedPostgres embeddedPostgres();

    interface EmbeddedPostgres {
        /** Whether to start one when no datasource URL is configured. Defaults to {@code true}. */
        @WithDefault("true")
        boolean enabled();

        /** Where its data lives (created on first start, kept afterwards). Defaults to {@code data/postgres}. */
        @WithDefault("data/postgres")
        Path dataDirectory();
    }

    interface Location {
        /**
         * The public URL of this server, e.g. {@code https://uploads.example.com} (a path is allowed:
         * {@code https://example.com/api}), under which clients reach {@code tus.base-path}. When set, every upload's
         * {@code Location} is {@code <base-url><base-path>/<id>}, whatever the request's Host or X-Forwarded-*
         * headers say: for servers behind a proxy or an ingress. Unset (the default), {@code Location} is built from
         * the request (its Host, or X-Forwarded-* when {@code quarkus.http.proxy.*} trusts them), and a creation
         * request without a usable Host answers 400 {@code ERR_INVALID_HOST}.
         */
        Optional<URI> baseUrl();
    }

    interface Patch {
        /**
         * How long a request body may send nothing before the server stores what arrived and ends the request
         * with {@code 500 ERR_READ_TIMEOUT}. An idle timeout, reset by every byte, not a limit on the whole
         * request. Defaults to {@code 60s} (tusd's network timeout).
         */
        @WithDefault("60s")
        Duration idleTimeout();

        /**
         * Bytes received but not yet written to storage at which the server stops reading from the client
         * until storage catches up (back-pressure). Bounds memory per upload. Defaults to {@code 1M}.
         */
        @WithDefault("1M")
        MemorySize maxBufferedBytes();

        /**
         * During a long PATCH, make the received bytes durable and advance the stored offset every this many
         * bytes, so a server crash loses at most this much of a PATCH. Defaults to {@code 64M}.
         */
        @WithDefault("64M")
        MemorySize checkpointInterval();

        /**
         * When a newer request asks a PATCH to let go, the PATCH keeps reading the bytes already on their way until
         * none has arrived for 50 ms, for at most this long, then stores what it has and lets go. A stalled PATCH
         * lets go after 50 ms; one whose client has just gone keeps its last bytes. Defaults to {@code 500ms}
         * (@tus/server's lockDrainTimeout is the same idea).
         */
        @WithDefault("500ms")
        Duration releaseDrain();

        /**
         * A body (PATCH, creation-with-upload) with a Content-Length of at most this (and no {@code Expect:
         * 100-continue}) is read while its request waits for a worker, so that an append whose body has arrived by
         * then is written and committed in one step on that worker. Larger bodies are read only once the append
         * holds the upload's lock, with back-pressure. A value above {@code 2M} counts as {@code 2M}; at most 16 MiB
         * of bodies are read ahead at once over all connections (more wait for their append, as larger ones do);
         * {@code 0} turns it off. Defaults to {@code 256K}.
         */
        @WithDefault("256K")
        MemorySize readAheadMaxSize();
    }

    interface Checksum {
        /** Whether the checksum extension is offered. Defaults to {@code true}. */
        @WithDefault("true")
        boolean enabled();

        /**
         * The algorithms accepted in Upload-Checksum, advertised in Tus-Checksum-Algorithm. {@code sha1} is
         * mandatory in the spec. Defaults to {@code sha1,sha256,sha512,md5}.
         */
        @WithDefault("sha1,sha256,sha512,md5")
        Set<ChecksumAlgorithm> algorithms();
    }

    interface Expiration {
        /** Whether unfinished uploads expire (the expiration extension). Defaults to {@code true}. */
        @WithDefault("true")
        boolean enabled();

        /**
         * An unfinished upload expires this long after its creation or its last PATCH (sliding), advertised as
         * Upload-Expires. Defaults to {@code 24h}.
         */
        @WithDefault("24h")
        Duration unfinishedAfter();

        /**
         * A finished upload expires this long after it finished. Unset (the default), finished uploads never
         * expire.
         */
        Optional<Duration> finishedAfter();

        /** How often the reaper deletes the bytes of expired uploads. Defaults to {@code 60s}. */
        @WithDefault("60s")
        Duration sweepInterval();

        /**
         * How long the record of an expired upload is kept, so requests for it get 410 rather than 404.
         * Defaults to {@code 7d}.
         */
        @WithDefault("7d")
        Duration tombstoneRetention();
    }

    interface Concatenation {
        /** Whether the concatenation extension is offered. Defaults to {@code true}. */
        @WithDefault("true")
        boolean enabled();

        /**
         * Whether a final upload may be created before its partials are finished (concatenation-unfinished).
         * Defaults to {@code true}.
         */
        @WithDefault("true")
        boolean unfinished();

        /**
         * The most partial uploads one final upload may name, repeats counted; more answer 400
         * {@code ERR_TOO_MANY_PARTIALS}. Each reference is copied when the final is assembled, so this bounds the
         * requests to storage one POST can cause (the bytes it writes are bounded by {@code tus.max-size}). At least
         * 1. Defaults to {@code 100}.
         */
        @WithDefault("100")
        int maxPartials();
    }

    interface Termination {
        /** Whether DELETE is allowed (the termination extension). Defaults to {@code true}. */
        @WithDefault("true")
        boolean enabled();

        /** Whether finished uploads may be terminated too. Defaults to {@code true}. */
        @WithDefault("true")
        boolean finishedUploads();
    }

    interface Download {
        /** Whether GET serves finished uploads. Defaults to {@code true}. */
        @WithDefault("true")
        boolean enabled();

        /**
         * Media types (from the {@code filetype} metadata) that a browser may display inline; every other type is
         * served as an attachment, so uploaded HTML or SVG can never run in our origin. Defaults to plain text,
         * common images, audio and video (tusd's list, without HTML, SVG and PDF).
         */
        @WithDefault("text/plain,image/png,image/jpeg,image/gif,image/bmp,image/webp,audio/wave,audio/wav,audio/x-wav,"
                + "audio/x-pn-wav,audio/webm,audio/ogg,audio/mpeg,video/webm,video/ogg,video/mp4,application/ogg")
        List<String> inlineTypes();

        /**
         * Whether a GET of a finished upload answers {@code 302} to a short-lived presigned URL of the object
         * store, so the bytes do not pass through the server. Only where the backend can presign (S3); otherwise
         * ignored. Defaults to {@code false}.
         */
        @WithDefault("false")
        boolean redirect();

        /** How long a presigned download URL stays valid. Defaults to {@code 5m}. */
        @WithDefault("5m")
        Duration redirectValidity();
    }

    interface Storage {
        /** The storage backend. Defaults to {@code filesystem}. */
        @WithDefault("filesystem")
        StorageBackend backend();

        /** The filesystem backend. */
        Filesystem filesystem();

        /** The S3 backend (AWS S3 and S3-compatible stores). */
        S3 s3();

        /** The Azure Blob Storage backend. */
        Azure azure();

        /** The Google Cloud Storage backend. */
        Gcs gcs();

        interface Gcs {
            /** The bucket holding the uploads. Required with {@code tus.storage.backend=gcs}. */
            Optional<String> bucket();

            /** Prepended to every object name, e.g. {@code uploads/}. Defaults to no prefix. */
            Optional<String> prefix();

            /**
             * An emulator's endpoint; used without credentials. Unset: Cloud Storage itself, with Application Default
             * Credentials (workload identity on GKE, GOOGLE_APPLICATION_CREDENTIALS, gcloud).
             */
            Optional<URI> endpoint();

            /**
             * An append stores a segment object every this many bytes (and at the end of every PATCH), composed into
             * the upload's object at the end. Each append in flight spools up to one segment on local disk. Defaults
             * to {@code 32M}.
             */
            @WithDefault("32M")
            MemorySize segmentSize();

            /** Where appends spool the segment they are receiving. Unset: {@code java.io.tmpdir}. */
            Optional<Path> spoolDirectory();

            /** How many times the SDK tries a request (idempotent ones, with backoff). Defaults to {@code 6}. */
            @WithDefault("6")
            int maxAttempts();

            /** How long the readiness check waits for the bucket. Defaults to {@code 3s}. */
            @WithDefault("3s")
            Duration healthTimeout();
        }

        interface Azure {
            /** The container holding the uploads (it must exist). Required with {@code tus.storage.backend=azure}. */
            Optional<String> container();

            /** Prepended to every blob name, e.g. {@code uploads/}. Defaults to no prefix. */
            Optional<String> prefix();

            /**
             * A connection string with an account key (or Azurite's). Unset, {@link #endpoint()} is used with the
             * default Azure credential chain.
             */
            Optional<String> connectionString();

            /**
             * The account's blob endpoint, e.g. {@code https://<account>.blob.core.windows.net}, with credentials from
             * the default Azure credential chain: environment, workload identity (AKS), managed identity, Azure CLI.
             */
            Optional<URI> endpoint();

            /**
             * The size of every block of an upload but the last. Raised for an upload whose length (or, while the
             * length is deferred, {@code tus.max-size}) needs more than 50,000 blocks. Each append in flight spools up
             * to one block on local disk. Defaults to {@code 8M}.
             */
            @WithDefault("8M")
            MemorySize blockSize();

            /**
             * Where appends spool the block they are receiving (unlinked at creation, as with S3). Unset:
             * {@code java.io.tmpdir}.
             */
            Optional<Path> spoolDirectory();

            /**
             * How many times a request is tried before the backend gives up with {@code 503 ERR_STORAGE_UNAVAILABLE};
             * throttling and 5xx answers are retried with exponential backoff. Defaults to {@code 6}.
             */
            @WithDefault("6")
            int maxAttempts();

            /** How long the readiness check waits for the container to answer. Defaults to {@code 3s}. */
            @WithDefault("3s")
            Duration healthTimeout();
        }

        interface S3 {
            /** The bucket holding the uploads. Required with {@code tus.storage.backend=s3}. */
            Optional<String> bucket();

            /** Prepended to every object key, e.g. {@code uploads/}. Defaults to no prefix. */
            Optional<String> prefix();

            /**
             * The bucket's region. Unset, the SDK's default region chain decides (AWS_REGION, profile, instance
             * metadata), falling back to {@code us-east-1}.
             */
            Optional<String> region();

            /** The endpoint of an S3-compatible store (MinIO, Ceph RGW, R2, s3proxy). Unset: AWS's own endpoint. */
            Optional<URI> endpoint();

            /**
             * Path-style URLs ({@code endpoint/bucket/key}) instead of virtual-hosted ones; most S3-compatible stores
             * need it. Defaults to {@code false}.
             */
            @WithDefault("false")
            boolean pathStyle();

            /**
             * The size of every part of an upload but the last. Raised for an upload whose length (or, while the
             * length is deferred, {@code tus.max-size}) needs more than 10,000 parts. Each append in flight spools up to
             * one part on local disk. Defaults to {@code 8M} (at least {@code 5M}, S3's smallest part).
             */
            @WithDefault("8M")
            MemorySize partSize();

            /**
             * How many parts one append uploads at once while it receives the next one. Each spools on local disk until
             * S3 has it, so an append uses at most this many parts plus one of spool. Defaults to {@code 3}.
             */
            @WithDefault("3")
            int partUploads();

            /**
             * Where appends spool the part they are receiving. The files are unlinked as soon as they are created,
             * so nothing remains there after an append ends, even after a crash. Unset: {@code java.io.tmpdir}.
             */
            Optional<Path> spoolDirectory();

            /**
             * An explicit access key. Unset (the default), credentials come from the SDK's default provider chain:
             * environment, web identity (EKS), profile, container and instance roles.
             */
            Optional<String> accessKeyId();

            /** The secret of {@link #accessKeyId()}. */
            Optional<String> secretAccessKey();

            /**
             * How many times a request is tried before the backend gives up with {@code 503 ERR_STORAGE_UNAVAILABLE};
             * throttling ({@code 503 SlowDown}) and 5xx answers are retried with exponential backoff and jitter.
             * Defaults to {@code 6}.
             */
            @WithDefault("6")
            int maxAttempts();

            /** How long the readiness check waits for the bucket to answer. Defaults to {@code 3s}. */
            @WithDefault("3s")
            Duration healthTimeout();
        }

        interface Filesystem {
            /** The directory holding one file per upload; created if missing. Defaults to {@code uploads}. */
            @WithDefault("uploads")
            Path directory();

            /**
             * Whether bytes are fsynced before the offset that counts them is stored. Turning it off trades the
             * guarantee that an acknowledged byte survives a power loss for speed. Defaults to {@code true}.
             */
            @WithDefault("true")
            boolean fsync();

            /**
             * Whether the upload directory is fsynced after a file is created in it, before the offset that counts
             * the file's first bytes is stored (with {@link #fsync()} on). {@code always}: every time (concurrent
             * appends share one). {@code auto}: not on ext4 and XFS, where the new file's own fsync already makes its
             * directory entry durable (ext4 commits the journal transaction that created the entry, or, without a
             * journal, syncs the parent directory itself: {@code ext4_sync_parent} in fs/ext4/fsync.c; XFS forces its
             * log past the transaction that created the file), and on every other file system (NFS, overlay, btrfs,
             * ...) as {@code always}. Defaults to {@code auto}.
             */
            @WithDefault("auto")
            DirectorySyncMode syncDirectory();

            /**
             * Writes that would leave less free space than this on the upload directory's filesystem are refused
             * with {@code 507 ERR_STORAGE_FULL}, as if it were full: the room left is for what shares the disk (the
             * embedded PostgreSQL keeps its data beside the uploads by default, and a database that cannot write
             * cannot record anything, not even a deletion). Checked about every MiB an append writes and before a
             * concatenation. {@code 0} disables the check; a disk that does fill up still answers 507 and gives the
             * unacknowledged bytes back. Defaults to {@code 64M}.
             */
            @WithDefault("64M")
            MemorySize minFreeSpace();
        }
    }

    /** See {@link Storage.Filesystem#syncDirectory()}. */
    enum DirectorySyncMode {
        AUTO,
        ALWAYS
    }

    enum StorageBackend {
        FILESYSTEM,
        S3,
        AZURE,
        GCS
    }

    interface Lock {
        /**
         * The lock backend: {@code memory} (one replica), {@code postgres} or {@code redis} (any number of
         * replicas). Unset, it is {@code postgres} when the server uses an external PostgreSQL, which is safe for
         * any number of replicas, and {@code memory} with the embedded database (which only one replica can use).
         */
        Optional<LockBackend> backend();

        /**
         * How long a request waits for an upload's lock after asking the holder to let go, before it gets
         * {@code 423 ERR_LOCK_TIMEOUT}. Defaults to {@code 20s} (tusd).
         */
        @WithDefault("20s")
        Duration acquireTimeout();

        /** The PostgreSQL backend: session-level advisory locks. */
        Postgres postgres();

        /** The Redis backend: leases (set with NX and a TTL, renewed). Connects to {@code quarkus.redis.hosts}. */
        Redis redis();

        interface Postgres {
            /**
             * Dedicated database sessions that hold this replica's advisory locks (an upload's lock always lives
             * on the same one, by hash). Locks are not per PATCH connection, so a streaming PATCH pins no pooled
             * connection; these sessions are taken from the pool once. Defaults to {@code 4}.
             */
            @WithDefault("4")
            int sessions();

            /**
             * How often each lock session is checked. A session that fails the check is closed (PostgreSQL frees
             * its locks) and its holders stop before they advance any offset; so a lock lost to a broken database
             * connection is noticed within about this long. Defaults to {@code 1s}.
             */
            @WithDefault("1s")
            Duration heartbeat();

            /**
             * A PATCH whose Content-Length is at most this (and whose upload is on the filesystem) takes the upload's
             * lock as a transaction-level advisory lock on a pooled connection, in the same round trip as the read of
             * the upload, and gives it up with the commit of the new offset: two round trips instead of four (lock,
             * read, compare-and-set, unlock). At most a quarter of the pool's connections are held this way at once;
             * beyond that, and for larger bodies, the lock is taken on a lock session as usual. {@code 0} turns it
             * off. Defaults to {@code 256K}.
             */
            @WithDefault("256K")
            MemorySize transactionAppendMaxSize();
        }

        interface Redis {
            /**
             * The lease of a held lock; renewed every third of it. A holder killed with -9 frees its locks when
             * this runs out; a holder that could not renew stops (it considers the lock lost after two thirds of
             * it, before anyone else can take it). Defaults to {@code 10s}.
             */
            @WithDefault("10s")
            Duration leaseTtl();

            /** Prefix of the keys and channels used. Defaults to {@code tus:lock:}. */
            @WithDefault("tus:lock:")
            String keyPrefix();
        }
    }

    enum LockBackend {
        MEMORY,
        POSTGRES,
        REDIS
    }

    interface Shutdown {
        /**
         * On SIGTERM, how long in-flight PATCHes get to store what they received and answer 503 before the
         * process goes on stopping. Defaults to {@code 10s}.
         */
        @WithDefault("10s")
        Duration drainTimeout();
    }

    interface Cors {
        /**
         * Whether the server answers CORS preflights and adds CORS headers, so pages on other origins can upload.
         * Every TUS request header is allowed and every TUS response header exposed. Defaults to {@code true}.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * Origins allowed to call the server from a browser: {@code *} for any, exact origins
         * ({@code https://app.example.com}) or patterns where {@code *} stands for any run of characters other than
         * {@code /} ({@code https://*.example.com}, {@code http://localhost:*}). A preflight from any other origin gets
         * 403, and so does a request that carries such an {@code Origin}. The server's own origin (the upload page)
         * is always allowed. Defaults to {@code *}.
         */
        @WithDefault("*")
        List<String> allowedOrigins();

        /**
         * Whether browsers may send cookies or HTTP authentication with cross-origin requests
         * ({@code Access-Control-Allow-Credentials}). A bearer token in {@code Authorization} does not need it. Cannot
         * be combined with {@code allowed-origins=*}: the server refuses to start. Defaults to {@code false}.
         */
        @WithDefault("false")
        boolean allowCredentials();

        /** How long a browser may cache a preflight answer. Defaults to {@code 24h}. */
        @WithDefault("24h")
        Duration maxAge();

        /** Request headers allowed in addition to the TUS ones (for headers your own pages add). Empty by default. */
        Optional<List<String>> extraAllowedHeaders();

        /** Response headers exposed in addition to the TUS ones. Empty by default. */
        Optional<List<String>> extraExposedHeaders();
    }

    interface Auth {
        /**
         * {@code none}: anyone who reaches the port may create, read, resume and delete any upload whose URL they
         * know. {@code jwt}: every request but OPTIONS needs a bearer JWT verified with the MicroProfile JWT settings
         * ({@code mp.jwt.verify.publickey.location}, {@code mp.jwt.verify.issuer}), and each upload belongs to the
         * subject that created it. Defaults to {@code none}.
         */
        @WithDefault("none")
        AuthMode mode();

        /**
         * The claim naming an upload's owner: the caller's identity that is recorded at creation and compared on
         * every later request. Defaults to {@code sub}.
         */
        @WithDefault("sub")
        String ownerClaim();

        /**
         * A role (the token's {@code groups}) or scope (its {@code scope} or {@code scp} claim) a caller must have to
         * create uploads; others get 403. Unset (the default), any authenticated caller may create uploads.
         */
        Optional<String> createRole();

        /**
         * Whether finished uploads may be downloaded (GET) by anyone who knows their URL, with or without a token.
         * Unfinished uploads stay visible to their owner only. Defaults to {@code false}.
         */
        @WithDefault("false")
        boolean publicDownloads();
    }

    enum AuthMode {
        NONE,
        JWT
    }

    interface Ui {
        /**
         * Whether the upload page (drag and drop, progress, pause and resume, a token field when
         * {@code tus.auth.mode=jwt}) is served at {@code /}. Defaults to {@code true}.
         */
        @WithDefault("true")
        boolean enabled();
    }

    interface Hooks {
        /**
         * How often at most a post-receive event (progress) is emitted per upload while bytes arrive. Defaults to
         * {@code 1s}.
         */
        @WithDefault("1s")
        Duration progressInterval();

        /** HTTP hooks in tusd v2's wire format. */
        Http http();

        /** Delivery of post-* events from the outbox table. */
        Outbox outbox();

        interface Http {
            /** The hook receiver, e.g. {@code http://hooks.internal:8000/tus}. Unset (the default), no HTTP hooks. */
            Optional<URI> url();

            /**
             * The hooks sent to the receiver (tusd names: pre-create, post-create, post-receive, pre-finish,
             * post-finish, pre-terminate, post-terminate; and ours: pre-access, post-expire). Defaults to tusd's
             * {@code pre-create,post-create,post-receive,post-terminate,post-finish}.
             */
            @WithDefault("pre-create,post-create,post-receive,post-terminate,post-finish")
            Set<String> events();

            /** How long one hook request may take. Defaults to {@code 15s}. */
            @WithDefault("15s")
            Duration timeout();

            /** Headers of the client's request copied onto the hook request (tusd -hooks-http-forward-headers). */
            Optional<List<String>> forwardHeaders();

            /** The largest hook answer read; a larger one is a failed hook. Defaults to {@code 64K}. */
            @WithDefault("64K")
            MemorySize maxResponseSize();

            /**
             * A secret to sign hook requests with HMAC-SHA256: header
             * {@code Hook-Signature: t=<unix seconds>,v1=<hex of HMAC(secret, t + "." + body)>}. Unset (the default),
             * requests are not signed.
             */
            Optional<String> secret();

            /**
             * What a blocking hook (pre-*) that fails (timeout, refused connection, non-2xx, not JSON) does to the
             * request: {@code reject} answers 502 ERR_HOOK_FAILED and changes nothing, {@code allow} goes on as if
             * the hook had said nothing. Defaults to {@code reject}.
             */
            @WithDefault("reject")
            HookFailure onFailure();
        }

        enum HookFailure {
            REJECT,
            ALLOW
        }

        interface Outbox {
            /**
             * How often each replica looks for due events written by others (its own wake it at once). Defaults to {@code 1s}.
             */
            @WithDefault("1s")
            Duration pollInterval();

            /** Events one replica claims and sends at once. Defaults to {@code 32}. */
            @WithDefault("32")
            int batchSize();

            /**
             * The first retry delay of an event whose delivery failed; doubled each time, with jitter. Defaults to {@code 1s}.
             */
            @WithDefault("1s")
            Duration initialBackoff();

            /** The longest retry delay. Defaults to {@code 30s}. */
            @WithDefault("30s")
            Duration maxBackoff();

            /**
             * An event still undelivered this long after it was written is given up (logged and counted). Defaults to
             * {@code 24h}.
             */
            @WithDefault("24h")
            Duration maxAge();
        }
    }

    interface Metrics {
        /**
         * Also expose tusd's metric names ({@code tusd_requests_total}, {@code tusd_uploads_finished}...), so
         * existing tusd dashboards work. Defaults to {@code false}.
         */
        @WithDefault("false")
        boolean tusdNames();
    }
}
