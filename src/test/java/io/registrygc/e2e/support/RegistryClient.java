package io.registrygc.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.registrygc.storage.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Minimal Docker Registry HTTP API v2 client for tests. Every status the method does not expect throws
 * {@link RegistryApiException} carrying the status and the body.
 */
public final class RegistryClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI baseUri;
    private final HttpClient http;

    public RegistryClient(URI baseUri) {
        String s = baseUri.toString();
        this.baseUri = URI.create(s.endsWith("/") ? s : s + "/");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    public RegistryClient(RegistryServer server) {
        this(server.baseUri());
    }

    public URI baseUri() {
        return baseUri;
    }

    // ---------------------------------------------------------------- blobs

    /** Monolithic upload: POST an upload session, then PUT the content with {@code ?digest=}. Answers 201. */
    public Digest pushBlob(String repo, byte[] content) {
        Digest digest = Digest.sha256(content);
        HttpResponse<byte[]> started = send(HttpRequest.newBuilder(uri("v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()), Set.of(202));
        String location = started.headers().firstValue("Location")
                .orElseThrow(() -> new AssertionError("upload POST for " + repo + " gave no Location header"));
        URI target = withQuery(baseUri.resolve(location), "digest=" + URLEncoder.encode(digest.toString(), StandardCharsets.UTF_8));
        HttpResponse<byte[]> done = send(HttpRequest.newBuilder(target)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)), Set.of(201));
        checkDigestHeader(done, digest);
        return digest;
    }

    /** Cross-repository mount: {@code POST /v2/<repo>/blobs/uploads/?mount=<digest>&from=<fromRepo>}; expects 201. */
    public void mountBlob(String repo, String fromRepo, Digest digest) {
        send(HttpRequest.newBuilder(uri("v2/" + repo + "/blobs/uploads/?mount="
                        + URLEncoder.encode(digest.toString(), StandardCharsets.UTF_8) + "&from=" + fromRepo))
                .POST(HttpRequest.BodyPublishers.noBody()), Set.of(201));
    }

    /** GET a blob (redirects followed); empty on 404. */
    public Optional<byte[]> getBlob(String repo, Digest digest) {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("v2/" + repo + "/blobs/" + digest)).GET(),
                Set.of(200, 404));
        return r.statusCode() == 404 ? Optional.empty() : Optional.of(r.body());
    }

    /** HEAD a blob: true on 200, false on 404. */
    public boolean blobExists(String repo, Digest digest) {
        return send(HttpRequest.newBuilder(uri("v2/" + repo + "/blobs/" + digest))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()), Set.of(200, 404)).statusCode() == 200;
    }

    /** DELETE a blob link from a repository; expects 202. */
    public void deleteBlob(String repo, Digest digest) {
        send(HttpRequest.newBuilder(uri("v2/" + repo + "/blobs/" + digest)).DELETE(), Set.of(202));
    }

    /** Fetches the blob and throws AssertionError unless it exists and its content hashes to {@code d}. */
    public void verifyBlob(String repo, Digest d) {
        byte[] content = getBlob(repo, d)
                .orElseThrow(() -> new AssertionError("blob " + d + " not found in " + repo));
        Digest actual = Digest.of(d.algorithm(), content);
        if (!actual.equals(d)) {
            throw new AssertionError("blob " + d + " in " + repo + " has content digest " + actual);
        }
    }

    // ------------------------------------------------------------ manifests

    /**
     * PUT a manifest by tag or digest with Content-Type {@code mediaType}; expects 201 and checks that
     * Docker-Content-Digest equals sha256 of the content.
     */
    public Digest pushManifest(String repo, String reference, String mediaType, byte[] content) {
        Digest expected = Digest.sha256(content);
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("v2/" + repo + "/manifests/" + reference))
                .header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)), Set.of(201));
        checkDigestHeader(r, expected);
        return expected;
    }

    /** Pushes a manifest by its own digest (untagged). */
    public Digest pushManifest(String repo, String mediaType, byte[] content) {
        return pushManifest(repo, Digest.sha256(content).toString(), mediaType, content);
    }

    /** DELETE a manifest by digest; expects 202. */
    public void deleteManifest(String repo, Digest digest) {
        send(HttpRequest.newBuilder(uri("v2/" + repo + "/manifests/" + digest)).DELETE(), Set.of(202));
    }

    /**
     * GET a manifest by tag or digest; empty on 404. Without {@code acceptMediaTypes} every schema2/OCI
     * manifest kind is accepted.
     */
    public Optional<byte[]> getManifest(String repo, String reference, String... acceptMediaTypes) {
        return getManifestResponse(repo, reference, acceptMediaTypes).map(ManifestResponse::content);
    }

    /** Like {@link #getManifest} but also returns the served Content-Type and Docker-Content-Digest. */
    public Optional<ManifestResponse> getManifestResponse(String repo, String reference, String... acceptMediaTypes) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("v2/" + repo + "/manifests/" + reference)).GET();
        accept(b, acceptMediaTypes);
        HttpResponse<byte[]> r = send(b, Set.of(200, 404));
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        Digest digest = r.headers().firstValue("Docker-Content-Digest").map(Digest::parse)
                .orElseGet(() -> Digest.sha256(r.body()));
        return Optional.of(new ManifestResponse(r.headers().firstValue("Content-Type").orElse(null), digest, r.body()));
    }

    /** HEAD a manifest by tag or digest: its Docker-Content-Digest, empty on 404. */
    public Optional<Digest> headManifest(String repo, String reference, String... acceptMediaTypes) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("v2/" + repo + "/manifests/" + reference))
                .method("HEAD", HttpRequest.BodyPublishers.noBody());
        accept(b, acceptMediaTypes);
        HttpResponse<byte[]> r = send(b, Set.of(200, 404));
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        return Optional.of(Digest.parse(r.headers().firstValue("Docker-Content-Digest")
                .orElseThrow(() -> new AssertionError("HEAD manifest " + repo + ":" + reference
                        + " gave no Docker-Content-Digest"))));
    }

    // ------------------------------------------------------------- listings

    /** Tags of a repository (following pagination); empty when the repository is unknown (404). */
    public List<String> tags(String repo) {
        List<String> out = new ArrayList<>();
        URI next = uri("v2/" + repo + "/tags/list?n=1000");
        while (next != null) {
            HttpResponse<byte[]> r = send(HttpRequest.newBuilder(next).GET(), Set.of(200, 404));
            if (r.statusCode() == 404) {
                return out;
            }
            collect(r.body(), "tags", out);
            next = nextLink(r);
        }
        return out;
    }

    /** All repository names from {@code /v2/_catalog} (following pagination). */
    public List<String> catalog() {
        List<String> out = new ArrayList<>();
        URI next = uri("v2/_catalog?n=1000");
        while (next != null) {
            HttpResponse<byte[]> r = send(HttpRequest.newBuilder(next).GET(), Set.of(200));
            collect(r.body(), "repositories", out);
            next = nextLink(r);
        }
        return out;
    }

    // -------------------------------------------------------------- helpers

    /** A fetched manifest with what the registry said about it. */
    public record ManifestResponse(String contentType, Digest digest, byte[] content) {
    }

    private static void accept(HttpRequest.Builder b, String... mediaTypes) {
        String[] types = mediaTypes == null || mediaTypes.length == 0 ? MediaTypes.ALL_MANIFESTS : mediaTypes;
        for (String t : types) {
            b.header("Accept", t);
        }
    }

    private static void collect(byte[] body, String field, List<String> out) {
        try {
            JsonNode node = JSON.readTree(body).get(field);
            if (node != null && node.isArray()) {
                node.forEach(n -> out.add(n.asText()));
            }
        } catch (IOException e) {
            throw new AssertionError("unparseable registry answer: " + new String(body, StandardCharsets.UTF_8), e);
        }
    }

    private URI nextLink(HttpResponse<?> r) {
        Optional<String> link = r.headers().firstValue("Link");
        if (link.isEmpty() || !link.get().contains("rel=\"next\"")) {
            return null;
        }
        String v = link.get();
        int lt = v.indexOf('<');
        int gt = v.indexOf('>', lt + 1);
        return lt < 0 || gt < 0 ? null : baseUri.resolve(v.substring(lt + 1, gt));
    }

    private static void checkDigestHeader(HttpResponse<?> r, Digest expected) {
        String header = r.headers().firstValue("Docker-Content-Digest")
                .orElseThrow(() -> new AssertionError(r.request().method() + " " + r.uri()
                        + " gave no Docker-Content-Digest header"));
        if (!Digest.parse(header).equals(expected)) {
            throw new AssertionError(r.request().method() + " " + r.uri() + " answered Docker-Content-Digest "
                    + header + ", expected " + expected);
        }
    }

    private static URI withQuery(URI u, String param) {
        String s = u.toString();
        int hash = s.indexOf('#');
        if (hash >= 0) {
            s = s.substring(0, hash);
        }
        String sep = u.getRawQuery() == null || u.getRawQuery().isEmpty() ? (s.endsWith("?") ? "" : "?") : "&";
        return URI.create(s + sep + param);
    }

    private URI uri(String relative) {
        return baseUri.resolve(relative);
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder builder, Set<Integer> expected) {
        HttpRequest request = builder.timeout(TIMEOUT).build();
        HttpResponse<byte[]> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + request.method() + " " + request.uri(), e);
        }
        if (!expected.contains(r.statusCode())) {
            byte[] body = r.body() == null ? new byte[0] : r.body();
            throw new RegistryApiException(request.method(), request.uri(), r.statusCode(),
                    new String(body, StandardCharsets.UTF_8));
        }
        return r;
    }
}
