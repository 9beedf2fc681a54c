package io.resumableupload.api;

import java.util.concurrent.TimeUnit;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.resumableupload.upload.RequestBody;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;

/**
 * Makes a response that says {@code Connection: close} (an error whose body was not read, a PATCH cut off by its
 * idle timeout) close the connection once it is sent. Vert.x decides keep-alive from the request alone, so the header
 * by itself left the socket open: the unread body was then read as nothing, and a pipelined request behind it was
 * answered. A request pipelined behind such a response is dropped unprocessed: the client was told the connection
 * ends, and it must not find a request it believes unanswered carried out.
 * <p>
 * The close lingers when the request's body was not read to its end: the response is sent and followed by a FIN
 * (shutdown of the output), and what the client still sends is read and discarded, for at most {@value #LINGER_MILLIS}
 * ms ({@value #LINGER_IDLE_MILLIS} ms without a byte end it) and {@value #LINGER_MAX_BYTES} bytes, until the client
 * closes its side. Closing a socket that still has unread bytes makes the kernel send a reset instead, and a client
 * that was still writing its body (a 413 for a body too long, answered before the body was read) then got "Broken
 * pipe" or "Connection reset" and never read the answer.
 * nginx does the same ({@code lingering_close}).
 * <p>
 * HTTP/2 has no such header (it is removed from every response there) and a connection carries other streams: there
 * the same lingering happens on the stream, which is then reset with NO_ERROR ({@link StreamLinger}).
 */
@Singleton
public class ConnectionClose {

    /** Before every other filter: a dropped request must not reach any of them. */
    private static final int PRIORITY = 1000;

    /**
     * How long a lingering close reads and discards what the client still sends (nginx's lingering_time). Long enough
     * for a client that reads no answer before it has sent its whole body to send it while other uploads share the
     * link (the JDK's HttpClient up to Java 20 over HTTP/2); the byte budget below stops a fast flood sooner.
     */
    static final long LINGER_MILLIS = 30_000;
    /** An HTTP/1.x lingering close ends sooner when the client sends nothing for this long (nginx's lingering_timeout). */
    static final long LINGER_IDLE_MILLIS = 5_000;
    /**
     * The most a lingering close reads before it closes anyway: a client streaming gigabytes is cut off. Generous, as
     * some clients read no answer before they have sent their whole body (the JDK's HttpClient up to Java 20 over
     * HTTP/2 ignores a reset that follows the answer, and waits for flow-control credit until its own timeout).
     */
    static final long LINGER_MAX_BYTES = 64 * 1024 * 1024;

    /** RST_STREAM's code for "stop sending, nothing went wrong" (RFC 9113 section 7). */
    private static final long NO_ERROR = 0;

    private static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("resumable-upload.closing");

    void register(@Observes Filters filters) {
        filters.register(this::handle, PRIORITY);
    }

    private void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (request.version() == HttpVersion.HTTP_2) {
            // Connection is a connection-specific header, forbidden on HTTP/2 (RFC 9113 section 8.2.2): Netty
            // refused such a response and reset the stream with PROTOCOL_ERROR, so the client never saw the answer.
            context.addHeadersEndHandler(headersEnded -> context.response().headers().remove(HttpHeaders.CONNECTION));
            context.addEndHandler(ended -> {
                // Only after a response that went out whole: a stream the client reset, or a connection that closed,
                // has nothing to linger on (a reset would name a closed stream), and its early bytes stay the append's.
                if (ended.succeeded() && !request.isEnded() && request instanceof HttpServerRequestInternal internal) {
                    ContextInternal streamContext = (ContextInternal) internal.context();
                    streamContext.runOnContext(started -> new StreamLinger(request, context.response(), streamContext)
                            .start());
                }
            });
            context.next();
            return;
        }
        if (!(request.connection() instanceof ConnectionBase connection)) {
            context.next();
            return;
        }
        Channel channel = connection.channel();
        if (Boolean.TRUE.equals(channel.attr(CLOSING).get())) {
            connection.close();
            return;
        }
        if (request.version() == HttpVersion.HTTP_1_0) {
            // Vert.x answers an HTTP/1.0 keep-alive request with "Connection: keep-alive" whatever the response said,
            // just before these handlers run: a refused body would then stay on the connection, to be read as the
            // next request. A body left unread always ends the connection.
            context.addHeadersEndHandler(headersEnded -> {
                if (ErrorResponses.bodyLeftUnread(request)) {
                    context.response().headers().set(HttpHeaders.CONNECTION, "close");
                }
            });
        }
        context.addEndHandler(ended -> {
            if ("close".equalsIgnoreCase(context.response().headers().get(HttpHeaders.CONNECTION))) {
                // Runs as the response ends, before Vert.x starts a pipelined request: that one sees the mark.
                channel.attr(CLOSING).set(Boolean.TRUE);
                // Lingers also when the body has been read by now: the worker that chose to close saw it unread
                // (a small body is read ahead while the request waits), and a pipelined request may follow it.
                if (!RequestBody.carriesBody(request) || !(channel instanceof DuplexChannel)) {
                    connection.close();
                } else {
                    channel.eventLoop().execute(() -> linger(channel));
                }
            }
        });
        context.next();
    }

    /**
     * HTTP/2's lingering close, for one stream: the answer came before the body was read (an error, an idle cut), and
     * the stream's unread DATA kept the connection's flow-control window used up, stalling every other upload on the
     * connection until the client gave up. What the client still sends is read and discarded (which returns the window)
     * for at most {@value #LINGER_MILLIS} ms and {@value #LINGER_MAX_BYTES} bytes; past either the stream is reset with
     * NO_ERROR, "stop sending, nothing went wrong" (RFC 9113 section 8.1). Not at once: a reset cancels the response's
     * frames still queued in Netty's flow controller, and the client would never see the answer.
     */
    private static final class StreamLinger {
        private final HttpServerRequest request;
        private final HttpServerResponse response;
        /** The stream's context: every handler and the timer run on it, one at a time. */
        private final ContextInternal streamContext;
        private long discarded;
        private long deadline;
        private boolean over;

        StreamLinger(HttpServerRequest request, HttpServerResponse response, ContextInternal streamContext) {
            this.request = request;
            this.response = response;
            this.streamContext = streamContext;
        }

        void start() {
            if (request.isEnded()) {
                return;
            }
            deadline = streamContext.setTimer(LINGER_MILLIS, expired -> end(true));
            request.exceptionHandler(failure -> end(false));
            request.endHandler(ended -> end(false));
            request.handler(data -> {
                discarded += data.length();
                if (discarded > LINGER_MAX_BYTES) {
                    end(true);
                }
            });
            request.resume();
        }

        /** Ends the lingering once, with a reset when the client is still sending. */
        private void end(boolean reset) {
            if (over) {
                return;
            }
            over = true;
            streamContext.owner().cancelTimer(deadline);
            if (reset) {
                response.reset(NO_ERROR);
            }
        }
    }

    /**
     * Sends what is written so far, then a FIN, and discards whatever arrives until the client closes, the time is up
     * or the byte budget is spent. The discarding handler goes first in the pipeline: nothing that arrives now reaches
     * the HTTP decoder, so no pipelined request behind the refused one is parsed, let alone carried out.
     */
    private static void linger(Channel channel) {
        if (!channel.isActive()) {
            return;
        }
        Discard discard = new Discard();
        channel.pipeline().addFirst("resumable-upload.lingering-close", discard);
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (!written.isSuccess()) {
                channel.close();
                return;
            }
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls == null) {
                shutDownOutput(channel);
            } else {
                // TLS: close_notify first, so the client reads the end of the response as an end, not a truncation.
                tls.closeOutbound().addListener(notified -> shutDownOutput(channel));
            }
        });
        discard.closeWhenIdleOrLate(channel, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS));
        channel.closeFuture().addListener(closed -> discard.stopChecking());
        // Reads resume at once if Vert.x had paused them (a paused request); already reading, nothing changes.
        channel.config().setAutoRead(true);
    }

    private static void shutDownOutput(Channel channel) {
        ((DuplexChannel) channel).shutdownOutput().addListener(shut -> {
            if (!shut.isSuccess()) {
                channel.close();
            }
        });
    }

    /**
     * Reads and drops the rest of a refused request; closes the connection once the byte budget is spent, the client
     * sent nothing for {@value #LINGER_IDLE_MILLIS} ms, or the lingering's time is up. Runs on the channel's event loop.
     */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        private long discarded;
        private long discardedAtLastCheck;
        private ScheduledFuture<?> check;

        void closeWhenIdleOrLate(Channel channel, long lingerEndsNanos) {
            long left = TimeUnit.NANOSECONDS.toMillis(lingerEndsNanos - System.nanoTime());
            check = channel.eventLoop().schedule(() -> {
                if (discarded == discardedAtLastCheck || System.nanoTime() - lingerEndsNanos >= 0) {
                    channel.close();
                    return;
                }
                discardedAtLastCheck = discarded;
                closeWhenIdleOrLate(channel, lingerEndsNanos);
            }, Math.max(1, Math.min(LINGER_IDLE_MILLIS, left)), TimeUnit.MILLISECONDS);
        }

        void stopChecking() {
            if (check != null) {
                check.cancel(false);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            if (message instanceof ByteBuf bytes) {
                discarded += bytes.readableBytes();
            }
            ReferenceCountUtil.release(message);
            if (discarded > LINGER_MAX_BYTES) {
                context.close();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext context) {
            // swallowed: the handlers behind this one have nothing to complete
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            context.close();
        }
    }
}
