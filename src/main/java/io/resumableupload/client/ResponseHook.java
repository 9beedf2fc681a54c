package io.resumableupload.client;

import java.net.URI;
import java.net.http.HttpHeaders;

/** Runs after every response the client receives: log, collect metrics, check headers. */
@FunctionalInterface
public interface ResponseHook {

    /**
     * @param method the TUS method of the request
     * @param url the request URL
     * @param status the response status
     * @param headers the response headers
     */
    void afterResponse(String method, URI url, int status, HttpHeaders headers);
}
