package io.resumableupload.client;

import java.net.URI;
import java.net.http.HttpRequest;

/** Runs before every request the client sends: add authentication headers, a request id... */
@FunctionalInterface
public interface RequestHook {

    /**
     * @param method the TUS method (OPTIONS, POST, HEAD, PATCH, DELETE), also when X-HTTP-Method-Override sends
     *        it as POST
     * @param url the request URL
     * @param request the request being built; add headers with {@link HttpRequest.Builder#setHeader}
     */
    void beforeRequest(String method, URI url, HttpRequest.Builder request);
}
