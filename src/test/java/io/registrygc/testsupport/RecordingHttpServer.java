package io.registrygc.testsupport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A local HTTP endpoint that answers 200 and records every request: a push gateway for tests. */
public final class RecordingHttpServer implements AutoCloseable {

    public record Request(String method, String rawPath, String authorization, String body) {
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private RecordingHttpServer(HttpServer server) {
        this.server = server;
    }

    public static RecordingHttpServer start() throws IOException {
        RecordingHttpServer recorder = new RecordingHttpServer(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        recorder.server.createContext("/", exchange -> {
            recorder.requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        recorder.server.start();
        return recorder;
    }

    /** {@code http://USERINFO@127.0.0.1:PORT}, or without user info when it is null. */
    public URI address(String userInfo) {
        return URI.create("http://" + (userInfo == null ? "" : userInfo + "@") + "127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Request> requests() {
        return requests;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
