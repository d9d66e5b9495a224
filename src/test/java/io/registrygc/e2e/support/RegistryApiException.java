package io.registrygc.e2e.support;

import java.net.URI;

/** An HTTP answer from the registry that the harness did not expect. */
public class RegistryApiException extends RuntimeException {

    private final String method;
    private final URI uri;
    private final int status;
    private final String body;

    public RegistryApiException(String method, URI uri, int status, String body) {
        super(method + " " + uri + " answered HTTP " + status + (body == null || body.isEmpty() ? "" : ": " + body));
        this.method = method;
        this.uri = uri;
        this.status = status;
        this.body = body;
    }

    public String method() {
        return method;
    }

    public URI uri() {
        return uri;
    }

    public int status() {
        return status;
    }

    public String body() {
        return body;
    }
}
