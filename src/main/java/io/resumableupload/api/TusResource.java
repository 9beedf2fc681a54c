package io.resumableupload.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.jboss.resteasy.reactive.PathPart;

import io.resumableupload.config.TusConfig;
import io.resumableupload.hooks.RequestInfo;
import io.resumableupload.persistence.UploadRecord;
import io.resumableupload.protocol.ByteRange;
import io.resumableupload.protocol.ChecksumAlgorithm;
import io.resumableupload.protocol.DownloadHeaders;
import io.resumableupload.protocol.HeaderValues;
import io.resumableupload.protocol.HttpDates;
import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.TusException;
import io.resumableupload.protocol.TusExtension;
import io.resumableupload.protocol.TusHeaders;
import io.resumableupload.protocol.UploadChecksum;
import io.resumableupload.protocol.UploadConcat;
import io.resumableupload.protocol.UploadMetadata;
import io.resumableupload.storage.LocalFileStorage;
import io.resumableupload.storage.PresigningStorage;
import io.resumableupload.storage.UploadStorage;
import io.resumableupload.upload.AppendCommand;
import io.resumableupload.upload.AppendOutcome;
import io.resumableupload.upload.Caller;
import io.resumableupload.upload.CreateCommand;
import io.resumableupload.upload.RequestBody;
import io.resumableupload.upload.UploadService;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

/**
 * The TUS verbs. Header parsing and response building live here; every protocol decision is in
 * {@link UploadService}. Methods are {@code @Blocking} because they touch the database; the two that take a body
 * (POST, PATCH) return a stage and stream the body without holding a thread.
 */
@Path(TusResource.PATH)
public class TusResource {

    /** The resource's fixed path; {@code tus.base-path} is mapped onto it by {@link TusFilters}. */
    static final String PATH = "/files";

    private final UploadService uploads;
    private final UploadStorage storage;
    private final TusConfig config;
    private final ErrorResponses errors;
    private final Authenticator authenticator;
    private final UploadUrls urls;
    private final String tusExtension;
    private final String checksumAlgorithms;
    private final Set<String> inlineTypes;

    TusResource(UploadService uploads, UploadStorage storage, TusConfig config, ErrorResponses errors,
            Authenticator authenticator, UploadUrls urls) {
        this.uploads = uploads;
        this.storage = storage;
        this.config = config;
        this.errors = errors;
        this.authenticator = authenticator;
        this.urls = urls;
        this.tusExtension = uploads.extensions().stream().map(TusExtension::headerName).collect(Collectors.joining(","));
        this.checksumAlgorithms = config.checksum().algorithms().stream().sorted().map(ChecksumAlgorithm::tusName)
                .collect(Collectors.joining(","));
        this.inlineTypes = config.download().inlineTypes().stream().map(t -> t.strip().toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
    }

    // ---- OPTIONS ----

    /** 200 as tusd (the spec allows 200 or 204; the tus-compliance-tests suite expects 200). */
    @OPTIONS
    public Response options() {
        Response.ResponseBuilder response = Response.ok().header(TusHeaders.TUS_VERSION, TusHeaders.VERSION)
                .header(TusHeaders.TUS_EXTENSION, tusExtension)
                .header(TusHeaders.TUS_MAX_SIZE, config.maxSize().asLongValue());
        if (uploads.supports(TusExtension.CHECKSUM)) {
            response.header(TusHeaders.TUS_CHECKSUM_ALGORITHM, checksumAlgorithms);
        }
        return response.build();
    }

    @OPTIONS
    @Path("{id}")
    public Response optionsOfUpload() {
        return options();
    }

    // ---- POST: creation, creation-with-upload, concatenation ----

    @POST
    @Blocking
    public CompletionStage<Response> create(@Context HttpServerRequest request, @Context RoutingContext routing) {
        Caller caller = authenticator.authenticate(request, Authenticator.Purpose.CREATE).withRequest(requestInfo(request));
        // Before anything is created: a request we could not give a URL must change nothing.
        String collectionUrl = urls.collectionUrl(request);
        CreateCommand command = parseCreate(request, caller);
        long contentLength = contentLength(request);
        boolean hasBody = contentLength != 0;
        boolean offsetStream = isOffsetStream(request.getHeader("Content-Type"));
        if (hasBody && !offsetStream) {
            // tusd and @tus/server ignore such a body and create an empty upload; the client would then believe
            // its first chunk was stored. We refuse instead.
            throw new TusException(TusError.INVALID_CONTENT_TYPE,
                    "a creation request with a body must have Content-Type " + TusHeaders.OFFSET_OCTET_STREAM);
        }
        if (!hasBody) {
            UploadRecord upload = uploads.create(command);
            Response.ResponseBuilder response = created(collectionUrl, upload);
            if (offsetStream) {
                response.header(TusHeaders.UPLOAD_OFFSET, upload.offset());
            }
            return CompletableFuture.completedFuture(response.build());
        }
        UploadChecksum checksum = parseChecksum(request);
        return uploads.createWithBody(command, checksum, contentLength, new RequestBody(routing)).thenApply(created -> {
            AppendOutcome append = created.append();
            if (created.discarded()) {
                return errors.of(append.error(), append.detail(), request);
            }
            Response.ResponseBuilder response = created(collectionUrl, created.upload())
                    .header(TusHeaders.UPLOAD_OFFSET, append.offset());
            append.headers().forEach(response::header);
            if (append.expiresAt() != null) {
                response.header(TusHeaders.UPLOAD_EXPIRES, HttpDates.format(append.expiresAt()));
            }
            if (!append.bodyFullyRead()) {
                response.header("Connection", "close");
            }
            return response.build();
        });
    }

    private CreateCommand parseCreate(HttpServerRequest request, Caller caller) {
        String lengthHeader = request.getHeader(TusHeaders.UPLOAD_LENGTH);
        String deferHeader = request.getHeader(TusHeaders.UPLOAD_DEFER_LENGTH);
        String concatHeader = request.getHeader(TusHeaders.UPLOAD_CONCAT);
        UploadMetadata metadata = UploadMetadata.parse(request.getHeader(TusHeaders.UPLOAD_METADATA),
                (int) config.maxMetadataSize().asLongValue());
        UploadConcat concat = concatHeader == null ? null
                : UploadConcat.parse(concatHeader, config.concatenation().maxPartials());
        if (concat instanceof UploadConcat.Final finalConcat) {
            if (lengthHeader != null || deferHeader != null) {
                throw new TusException(TusError.INVALID_CONCAT,
                        "a final upload must not carry Upload-Length or Upload-Defer-Length: its length is the sum of its partials");
            }
            List<String> partialIds = new ArrayList<>();
            for (String url : finalConcat.partialUrls()) {
                partialIds.add(urls.uploadIdOf(url));
            }
            return new CreateCommand(null, metadata, concat, partialIds, caller);
        }
        if (lengthHeader != null && deferHeader != null) {
            throw new TusException(TusError.AMBIGUOUS_UPLOAD_LENGTH);
        }
        if (deferHeader != null) {
            if (!deferHeader.equals("1")) {
                throw new TusException(TusError.INVALID_UPLOAD_DEFER_LENGTH, "Upload-Defer-Length must be 1");
            }
            return new CreateCommand(null, metadata, concat, List.of(), caller);
        }
        long length = HeaderValues.requireNonNegativeLong(TusHeaders.UPLOAD_LENGTH, lengthHeader,
                TusError.INVALID_UPLOAD_LENGTH);
        return new CreateCommand(length, metadata, concat, List.of(), caller);
    }

    private Response.ResponseBuilder created(String collectionUrl, UploadRecord upload) {
        Response.ResponseBuilder response = Response.status(Response.Status.CREATED)
                .location(UploadUrls.location(collectionUrl, upload.id()));
        if (upload.concatRaw() != null) {
            // Echoed as on HEAD: "partial", or the final's list.
            response.header(TusHeaders.UPLOAD_CONCAT, upload.concatRaw());
        }
        if (upload.expiresAt() != null) {
            response.header(TusHeaders.UPLOAD_EXPIRES, HttpDates.format(upload.expiresAt()));
        }
        return response;
    }

    // ---- HEAD ----

    @HEAD
    @Path("{id}")
    @Blocking
    public Response head(@PathParam("id") String id, @Context HttpServerRequest request) {
        UploadRecord upload = uploads.head(id, access(request));
        Response.ResponseBuilder response = Response.ok().header("Cache-Control", "no-store");
        // A final upload carries no offset until its partials are assembled (spec: SHOULD NOT).
        if (!upload.isFinal() || upload.finished()) {
            response.header(TusHeaders.UPLOAD_OFFSET, upload.offset());
        }
        if (upload.length() != null) {
            response.header(TusHeaders.UPLOAD_LENGTH, upload.length());
        } else {
            response.header(TusHeaders.UPLOAD_DEFER_LENGTH, "1");
        }
        if (upload.metadataRaw() != null) {
            response.header(TusHeaders.UPLOAD_METADATA, upload.metadataRaw());
        }
        if (upload.concatRaw() != null) {
            response.header(TusHeaders.UPLOAD_CONCAT, upload.concatRaw());
        }
        if (upload.expiresAt() != null) {
            response.header(TusHeaders.UPLOAD_EXPIRES, HttpDates.format(upload.expiresAt()));
        }
        return response.build();
    }

    // ---- PATCH ----

    @PATCH
    @Path("{id}")
    @Blocking
    public CompletionStage<Response> patch(@PathParam("id") String id, @Context HttpServerRequest request,
            @Context RoutingContext routing) {
        Caller caller = access(request);
        if (!isOffsetStream(request.getHeader("Content-Type"))) {
            throw new TusException(TusError.INVALID_CONTENT_TYPE);
        }
        long offset = HeaderValues.requireNonNegativeLong(TusHeaders.UPLOAD_OFFSET,
                request.getHeader(TusHeaders.UPLOAD_OFFSET), TusError.INVALID_OFFSET);
        String lengthHeader = request.getHeader(TusHeaders.UPLOAD_LENGTH);
        Long declaredLength = lengthHeader == null ? null
                : HeaderValues.requireNonNegativeLong(TusHeaders.UPLOAD_LENGTH, lengthHeader, TusError.INVALID_UPLOAD_LENGTH);
        AppendCommand command = new AppendCommand(offset, declaredLength, parseChecksum(request), contentLength(request));
        return uploads.append(id, caller, command, new RequestBody(routing)).thenApply(outcome -> {
            if (!outcome.complete()) {
                return errors.of(outcome.error(), outcome.detail(), request);
            }
            Response.ResponseBuilder response = Response.noContent().header(TusHeaders.UPLOAD_OFFSET, outcome.offset());
            outcome.headers().forEach(response::header);
            if (outcome.expiresAt() != null) {
                response.header(TusHeaders.UPLOAD_EXPIRES, HttpDates.format(outcome.expiresAt()));
            }
            if (!outcome.bodyFullyRead()) {
                // Completed by a body that was cut off after its last byte: the rest of it is not read.
                response.header("Connection", "close");
            }
            return response.build();
        });
    }

    // ---- DELETE ----

    @DELETE
    @Path("{id}")
    @Blocking
    public Response terminate(@PathParam("id") String id, @Context HttpServerRequest request) {
        uploads.terminate(id, access(request));
        return Response.noContent().build();
    }

    // ---- GET: download of a finished upload ----

    /** Serves a finished upload's bytes, with Range support. Never takes the upload's lock: they cannot change. */
    @GET
    @Path("{id}")
    @Blocking
    public Response download(@PathParam("id") String id, @Context HttpServerRequest request) {
        if (!config.download().enabled()) {
            throw new TusException(TusError.NOT_IMPLEMENTED, "downloads are disabled");
        }
        UploadRecord upload = uploads.finishedUpload(id,
                authenticator.authenticate(request, Authenticator.Purpose.DOWNLOAD).withRequest(requestInfo(request)));
        long length = upload.length();
        ByteRange range = ByteRange.parse(request.getHeader("Range"), length);
        if (range == ByteRange.UNSATISFIABLE) {
            Response unsatisfiable = errors.of(TusError.RANGE_NOT_SATISFIABLE,
                    "the upload has " + length + " bytes", request);
            return Response.fromResponse(unsatisfiable).header("Content-Range", "bytes */" + length).build();
        }
        Map<String, String> metadata = upload.metadata();
        String filetype = metadata.get("filetype");
        String filename = metadata.get("filename");
        String contentType = DownloadHeaders.contentType(filetype);
        String disposition = DownloadHeaders.contentDisposition(filetype, filename, inlineTypes);
        if (config.download().redirect() && storage instanceof PresigningStorage presigning) {
            // The bytes come straight from the object store; the URL carries our Content-Type and -Disposition, and the
            // client sends its Range header there itself.
            try {
                return Response.status(302).location(presigning.presignDownload(upload.id(), contentType, disposition,
                        config.download().redirectValidity())).header("Cache-Control", "no-store").build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        long first = range == null ? 0 : range.first();
        long count = range == null ? length : range.length();
        Response.ResponseBuilder response = Response.status(range == null ? 200 : 206)
                .header("Content-Type", contentType)
                .header("Content-Disposition", disposition)
                .header("Accept-Ranges", "bytes").header("Content-Length", count);
        if (!disposition.startsWith("inline")) {
            // Should a browser render it after all (a navigation that ignores attachment, an old plug-in), the
            // document runs sandboxed: no scripts, an opaque origin, so stored HTML or SVG never acts as this origin.
            response.header("Content-Security-Policy", "sandbox");
        }
        if (range != null) {
            response.header("Content-Range", "bytes " + range.first() + "-" + range.last() + "/" + length);
        }
        if (count == 0) {
            return response.build();
        }
        if (storage instanceof LocalFileStorage files) {
            // Zero-copy: Vert.x sends the file region with sendfile.
            return response.entity(new PathPart(files.fileOf(upload.id()), first, count)).build();
        }
        // Opened before the response starts, so a storage failure still answers 503 instead of a cut body.
        InputStream opened;
        try {
            opened = storage.openRead(upload.id(), first, count);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StreamingOutput body = output -> {
            try (InputStream in = opened) {
                in.transferTo(output);
            }
        };
        return response.entity(body).build();
    }

    // ---- header helpers ----

    private Caller access(HttpServerRequest request) {
        return authenticator.authenticate(request, Authenticator.Purpose.ACCESS).withRequest(requestInfo(request));
    }

    /** The request as hooks see it (tusd's HTTPRequest: the URI as received, the peer address, every header). */
    static RequestInfo requestInfo(HttpServerRequest request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : request.headers()) {
            headers.computeIfAbsent(header.getKey(), k -> new ArrayList<>(1)).add(header.getValue());
        }
        SocketAddress remote = request.remoteAddress();
        return new RequestInfo(request.method().name(), request.uri(),
                remote == null ? "" : remote.hostAddress() + ":" + remote.port(), headers);
    }

    private static boolean isOffsetStream(String contentType) {
        if (contentType == null) {
            return false;
        }
        return contentType.split(";", 2)[0].strip().equalsIgnoreCase(TusHeaders.OFFSET_OCTET_STREAM);
    }

    private UploadChecksum parseChecksum(HttpServerRequest request) {
        String header = request.getHeader(TusHeaders.UPLOAD_CHECKSUM);
        if (header == null) {
            return null;
        }
        Set<ChecksumAlgorithm> supported = uploads.supports(TusExtension.CHECKSUM)
                ? config.checksum().algorithms()
                : EnumSet.noneOf(ChecksumAlgorithm.class);
        return UploadChecksum.parse(header, supported);
    }

    /** Content-Length, 0 when there is no body, -1 for a body of unknown length (chunked). */
    private static long contentLength(HttpServerRequest request) {
        String transferEncoding = request.getHeader("Transfer-Encoding");
        if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            return -1;
        }
        String header = request.getHeader("Content-Length");
        if (header == null) {
            return 0;
        }
        long length = HeaderValues.parseNonNegativeLong(header.strip());
        if (length < 0) {
            throw new TusException(TusError.UNEXPECTED_EOF, "invalid Content-Length");
        }
        return length;
    }
}
