package io.resumableupload.client;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;

/**
 * Says why a request failed in a few words a person can act on. {@code java.net.http} reports a refused connection
 * as a {@code ConnectException} without a message (which is how "failed: null" used to reach the user).
 */
final class Causes {

    private Causes() {
    }

    static String describe(Throwable error) {
        if (error == null) {
            return "unknown error";
        }
        if (error instanceof TusClientException e && e.reason() != null) {
            return e.reason();
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return t.getMessage() == null ? "unknown host" : "unknown host " + t.getMessage();
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return "no connection (connect timed out)";
            }
            if (t instanceof HttpTimeoutException) {
                return message(t, "no response in time");
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (t instanceof ConnectException) {
                return message(t, "connection refused");
            }
            if (t instanceof EOFException || String.valueOf(t.getMessage()).contains("received no bytes")) {
                return "the server closed the connection without answering";
            }
            if (t instanceof SocketException && t.getMessage() != null) {
                return t.getMessage().toLowerCase(Locale.ROOT);
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return error.getClass().getSimpleName();
    }

    private static String message(Throwable t, String otherwise) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? otherwise : message.toLowerCase(Locale.ROOT);
    }
}
