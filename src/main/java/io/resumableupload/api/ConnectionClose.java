package io.resumableupload.api;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;

/**
 * Makes a response that says {@code Connection: close} (an error whose body was not read, a PATCH cut off by its
 * idle timeout) close the connection once it is sent. Vert.x decides keep-alive from the request alone, so the header
 * by itself left the socket open: the unread body was then read as nothing, and a pipelined request behind it was
 * answered. A request pipelined behind such a response is dropped unprocessed: the client was told the connection
 * ends, and it must not find a request it believes unanswered carried out. HTTP/1.x only (HTTP/2 has no such header
 * and a connection carries other streams).
 */
@Singleton
public class ConnectionClose {

    /** Before every other filter: a dropped request must not reach any of them. */
    private static final int PRIORITY = 1000;

    private static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("resumable-upload.closing");

    void register(@Observes Filters filters) {
        filters.register(this::handle, PRIORITY);
    }

    private void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (request.version() == HttpVersion.HTTP_2 || !(request.connection() instanceof ConnectionBase connection)) {
            context.next();
            return;
        }
        Channel channel = connection.channel();
        if (Boolean.TRUE.equals(channel.attr(CLOSING).get())) {
            connection.close();
            return;
        }
        context.addEndHandler(ended -> {
            if ("close".equalsIgnoreCase(context.response().headers().get(HttpHeaders.CONNECTION))) {
                // Runs as the response ends, before Vert.x starts a pipelined request: that one sees the mark.
                channel.attr(CLOSING).set(Boolean.TRUE);
                connection.close();
            }
        });
        context.next();
    }
}
