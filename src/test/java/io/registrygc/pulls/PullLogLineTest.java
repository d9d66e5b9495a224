package io.registrygc.pulls;

import io.registrygc.pulls.PullLogLine.Kind;
import io.registrygc.pulls.PullLogLine.Parsed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Lines captured from a real registry (Distribution 2.8.2), verbatim unless a test says what it changed. */
class PullLogLineTest {

    static final String DIGEST = "sha256:f20c43161d73848408ef247f0ec7111b19fe58ffebc0cbcaa0d2c8bda4967268";

    static final String TEXT_GET_TAG = "time=\"2026-11-28T16:18:25.789013528Z\" level=info msg=\"response completed\" go.version=go1.19.8 http.request.host=\"127.0.0.1:5055\" http.request.id=509d6680-2154-4a6f-9ee5-695433069e89 http.request.method=GET http.request.remoteaddr=\"127.0.0.1:34628\" http.request.uri=/v2/team/app/manifests/v1 http.request.useragent=curl/7.88.1 http.response.contenttype=application/vnd.oci.image.manifest.v1+json http.response.duration=1.331691ms http.response.status=200 http.response.written=246";
    static final String ACCESS_GET_TAG = "127.0.0.1 - - [28/Nov/2026:16:18:25 +0000] \"GET /v2/team/app/manifests/v1 HTTP/1.1\" 200 246 \"\" \"curl/7.88.1\"";
    static final String TEXT_HEAD_TAG = "time=\"2026-11-28T16:18:25.818085136Z\" level=info msg=\"response completed\" go.version=go1.19.8 http.request.host=\"127.0.0.1:5055\" http.request.id=a8a9a5a7-c854-4545-b164-2445e63bab22 http.request.method=HEAD http.request.remoteaddr=\"127.0.0.1:34632\" http.request.uri=/v2/team/app/manifests/v1 http.request.useragent=curl/7.88.1 http.response.contenttype=application/vnd.oci.image.manifest.v1+json http.response.duration=4.443522ms http.response.status=200 http.response.written=246";
    static final String TEXT_GET_DIGEST = "time=\"2026-11-28T16:18:25.863880801Z\" level=info msg=\"response completed\" go.version=go1.19.8 http.request.host=\"127.0.0.1:5055\" http.request.id=5778bc4d-29c9-4943-b02e-8d99838c2d5b http.request.method=GET http.request.remoteaddr=\"127.0.0.1:34642\" http.request.uri=\"/v2/team/app/manifests/sha256:f20c43161d73848408ef247f0ec7111b19fe58ffebc0cbcaa0d2c8bda4967268\" http.request.useragent=curl/7.88.1 http.response.contenttype=application/vnd.oci.image.manifest.v1+json http.response.duration=1.232593ms http.response.status=200 http.response.written=246";
    static final String TEXT_404 = "time=\"2026-11-28T16:18:25.887922137Z\" level=error msg=\"response completed with error\" err.code=\"manifest unknown\" err.detail=\"unknown tag=nope\" err.message=\"manifest unknown\" go.version=go1.19.8 http.request.host=\"127.0.0.1:5055\" http.request.id=44f15c8f-e137-49cf-9b20-e64cad3bcf83 http.request.method=GET http.request.remoteaddr=\"127.0.0.1:34650\" http.request.uri=/v2/team/app/manifests/nope http.request.useragent=curl/7.88.1 http.response.contenttype=\"application/json; charset=utf-8\" http.response.duration=\"970.336µs\" http.response.status=404 http.response.written=94 vars.name=team/app vars.reference=nope";
    static final String TEXT_PUT = "time=\"2026-11-28T16:18:25.760262295Z\" level=info msg=\"response completed\" go.version=go1.19.8 http.request.contenttype=application/vnd.oci.image.manifest.v1+json http.request.host=\"127.0.0.1:5055\" http.request.id=1e2a6fb2-04c2-44af-90e2-199e640cd440 http.request.method=PUT http.request.remoteaddr=\"127.0.0.1:34614\" http.request.uri=/v2/team/app/manifests/v1 http.request.useragent=curl/7.88.1 http.response.duration=8.525669ms http.response.status=201 http.response.written=0";
    static final String TEXT_STARTUP = "time=\"2026-11-28T16:18:23.640123707Z\" level=info msg=\"redis not configured\" go.version=go1.19.8 instance.id=17b3dfac-d722-4d8c-b782-4cffe0064704 service=registry version=2.8.2+ds1";
    static final String TEXT_BLOB_GET = "time=\"2026-11-28T16:21:31.534502986Z\" level=info msg=\"response completed\" go.version=go1.19.8 http.request.host=\"127.0.0.1:5077\" http.request.id=67fffd18-3c1c-4627-8a6b-186dd7a0acb1 http.request.method=GET http.request.remoteaddr=\"127.0.0.1:37422\" http.request.uri=\"/v2/team/app/blobs/sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\" http.request.useragent=curl/7.88.1 http.response.contenttype=application/octet-stream http.response.duration=17.911444ms http.response.status=200 http.response.written=2";
    static final String TEXT_PING = "time=\"2026-11-28T16:21:31.47124139Z\" level=info msg=\"response completed\" go.version=go1.19.8 http.request.host=\"127.0.0.1:5077\" http.request.id=98080ab8-b8ec-484f-830d-692f9026551f http.request.method=GET http.request.remoteaddr=\"127.0.0.1:37412\" http.request.uri=/v2/ http.request.useragent=curl/7.88.1 http.response.contenttype=\"application/json; charset=utf-8\" http.response.duration=5.486826ms http.response.status=200 http.response.written=2";
    static final String TEXT_QUERY = "time=\"2026-11-28T16:21:37.461320985Z\" level=info msg=\"response completed\" go.version=go1.19.8 http.request.host=\"127.0.0.1:5077\" http.request.id=88dff521-00a6-4f88-93cd-999f48e3a926 http.request.method=GET http.request.remoteaddr=\"127.0.0.1:48138\" http.request.uri=\"/v2/team/app/manifests/v1?foo=bar&x=%22\" http.request.useragent=curl/7.88.1 http.response.contenttype=application/vnd.oci.image.manifest.v1+json http.response.duration=7.034646ms http.response.status=200 http.response.written=246";
    static final String TEXT_ESCAPED_SLASH = "time=\"2026-11-28T16:21:37.521893159Z\" level=info msg=\"response completed\" go.version=go1.19.8 http.request.host=\"127.0.0.1:5077\" http.request.id=68395184-d477-46b2-b305-0402ac49ccec http.request.method=GET http.request.remoteaddr=\"127.0.0.1:48144\" http.request.uri=\"/v2/team%2Fapp/manifests/v1\" http.request.useragent=curl/7.88.1 http.response.contenttype=application/vnd.oci.image.manifest.v1+json http.response.duration=7.513633ms http.response.status=200 http.response.written=246";
    static final String TEXT_ESCAPED_AGENT = "time=\"2026-11-28T16:21:37.562167914Z\" level=info msg=\"response completed\" go.version=go1.19.8 http.request.host=\"127.0.0.1:5077\" http.request.id=08f51a01-4882-4817-b376-c252b1b8f9bc http.request.method=GET http.request.remoteaddr=\"127.0.0.1:48160\" http.request.uri=/v2/team/app/manifests/v1 http.request.useragent=\"evil \\\"agent\\\" \\\\ é\" http.response.contenttype=application/vnd.oci.image.manifest.v1+json http.response.duration=3.122811ms http.response.status=200 http.response.written=246";
    static final String TEXT_REDIRECT = "time=\"2026-11-28T16:21:37.593555306Z\" level=info msg=\"response completed\" go.version=go1.19.8 http.request.host=\"127.0.0.1:5077\" http.request.id=c4ef8b71-46ac-483a-a487-2dff412f5435 http.request.method=GET http.request.remoteaddr=\"127.0.0.1:48170\" http.request.uri=/v2/team//app/manifests/v1 http.request.useragent=curl/7.88.1 http.response.duration=\"128.223µs\" http.response.status=301 http.response.written=0";

    static final String JSON_GET_TAG = "{\"go.version\":\"go1.19.8\",\"http.request.host\":\"127.0.0.1:5055\",\"http.request.id\":\"b2ad43f0-3c05-4e3b-8da6-41ea692b678e\",\"http.request.method\":\"GET\",\"http.request.remoteaddr\":\"127.0.0.1:51272\",\"http.request.uri\":\"/v2/team/app/manifests/v1\",\"http.request.useragent\":\"curl/7.88.1\",\"http.response.contenttype\":\"application/vnd.oci.image.manifest.v1+json\",\"http.response.duration\":\"8.158133ms\",\"http.response.status\":200,\"http.response.written\":246,\"level\":\"info\",\"msg\":\"response completed\",\"time\":\"2026-11-28T16:18:32.097295333Z\"}";
    static final String JSON_HEAD_TAG = "{\"go.version\":\"go1.19.8\",\"http.request.host\":\"127.0.0.1:5055\",\"http.request.id\":\"60bb03cf-37a8-48a6-a8de-a0411c4b6c97\",\"http.request.method\":\"HEAD\",\"http.request.remoteaddr\":\"127.0.0.1:51288\",\"http.request.uri\":\"/v2/team/app/manifests/v1\",\"http.request.useragent\":\"curl/7.88.1\",\"http.response.contenttype\":\"application/vnd.oci.image.manifest.v1+json\",\"http.response.duration\":\"1.684669ms\",\"http.response.status\":200,\"http.response.written\":246,\"level\":\"info\",\"msg\":\"response completed\",\"time\":\"2026-11-28T16:18:32.121647849Z\"}";
    static final String JSON_QUERY = "{\"go.version\":\"go1.19.8\",\"http.request.host\":\"127.0.0.1:5077\",\"http.request.id\":\"2e07e59e-dbfe-45a4-812e-82c6f54ba9d0\",\"http.request.method\":\"GET\",\"http.request.remoteaddr\":\"127.0.0.1:48174\",\"http.request.uri\":\"/v2/team/app/manifests/v1?foo=bar\\u0026x=%22\",\"http.request.useragent\":\"curl/7.88.1\",\"http.response.contenttype\":\"application/vnd.oci.image.manifest.v1+json\",\"http.response.duration\":\"5.496745ms\",\"http.response.status\":200,\"http.response.written\":246,\"level\":\"info\",\"msg\":\"response completed\",\"time\":\"2026-11-28T16:21:40.216010889Z\"}";
    static final String JSON_REDIRECT = "{\"go.version\":\"go1.19.8\",\"http.request.host\":\"127.0.0.1:5077\",\"http.request.id\":\"daf8041f-c40c-43aa-9ff8-0cb689ace22b\",\"http.request.method\":\"GET\",\"http.request.remoteaddr\":\"127.0.0.1:48200\",\"http.request.uri\":\"/v2/team//app/manifests/v1\",\"http.request.useragent\":\"curl/7.88.1\",\"http.response.duration\":\"52.27µs\",\"http.response.status\":301,\"http.response.written\":0,\"level\":\"info\",\"msg\":\"response completed\",\"time\":\"2026-11-28T16:21:40.328848153Z\"}";
    static final String JSON_STARTUP = "{\"go.version\":\"go1.19.8\",\"instance.id\":\"89bde87b-fc1f-4bc1-bcd7-d977132bc1ae\",\"level\":\"info\",\"msg\":\"redis not configured\",\"service\":\"registry\",\"time\":\"2026-11-28T16:18:30.102746488Z\",\"version\":\"2.8.2+ds1\"}";
    static final String ACCESS_JSON_GET_TAG = "127.0.0.1 - - [28/Nov/2026:16:18:32 +0000] \"GET /v2/team/app/manifests/v1 HTTP/1.1\" 200 246 \"\" \"curl/7.88.1\"";
    static final String ACCESS_HEAD_TAG = "127.0.0.1 - - [28/Nov/2026:16:18:25 +0000] \"HEAD /v2/team/app/manifests/v1 HTTP/1.1\" 200 246 \"\" \"curl/7.88.1\"";
    static final String ACCESS_GET_DIGEST = "127.0.0.1 - - [28/Nov/2026:16:18:25 +0000] \"GET /v2/team/app/manifests/sha256:f20c43161d73848408ef247f0ec7111b19fe58ffebc0cbcaa0d2c8bda4967268 HTTP/1.1\" 200 246 \"\" \"curl/7.88.1\"";
    static final String ACCESS_404 = "127.0.0.1 - - [28/Nov/2026:16:18:25 +0000] \"GET /v2/team/app/manifests/nope HTTP/1.1\" 404 94 \"\" \"curl/7.88.1\"";
    static final String ACCESS_PUT = "127.0.0.1 - - [28/Nov/2026:16:18:25 +0000] \"PUT /v2/team/app/manifests/v1 HTTP/1.1\" 201 0 \"\" \"curl/7.88.1\"";
    static final String ACCESS_BLOB_GET = "127.0.0.1 - - [28/Nov/2026:16:21:31 +0000] \"GET /v2/team/app/blobs/sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a HTTP/1.1\" 200 2 \"\" \"curl/7.88.1\"";
    static final String ACCESS_PING = "127.0.0.1 - - [28/Nov/2026:16:21:31 +0000] \"GET /v2/ HTTP/1.1\" 200 2 \"\" \"curl/7.88.1\"";
    static final String ACCESS_QUERY = "127.0.0.1 - - [28/Nov/2026:16:21:40 +0000] \"GET /v2/team/app/manifests/v1?foo=bar&x=%22 HTTP/1.1\" 200 246 \"\" \"curl/7.88.1\"";
    static final String ACCESS_ESCAPED_AGENT = "127.0.0.1 - - [28/Nov/2026:16:21:40 +0000] \"GET /v2/team/app/manifests/v1 HTTP/1.1\" 200 246 \"\" \"evil \\\"agent\\\" \\\\ é\"";

    private static Pull pull(String line) {
        Parsed parsed = PullLogLine.parse(line);
        assertThat(parsed.kind()).as(line).isEqualTo(Kind.PULL);
        return parsed.pull();
    }

    private static Kind kind(String line) {
        return PullLogLine.parse(line).kind();
    }

    @Test
    void logrusTextManifestReadsAreTimedToTheNanosecond() {
        assertThat(pull(TEXT_GET_TAG)).isEqualTo(
                new Pull("team/app", "v1", Instant.parse("2026-11-28T16:18:25.789013528Z"), "GET"));
        assertThat(pull(TEXT_HEAD_TAG)).isEqualTo(
                new Pull("team/app", "v1", Instant.parse("2026-11-28T16:18:25.818085136Z"), "HEAD"));
        Pull byDigest = pull(TEXT_GET_DIGEST);
        assertThat(byDigest.reference()).isEqualTo(DIGEST);
        assertThat(byDigest.isDigest()).isTrue();
        assertThat(pull(TEXT_GET_TAG).isDigest()).isFalse();
    }

    @Test
    void logrusJsonManifestReads() {
        assertThat(pull(JSON_GET_TAG)).isEqualTo(
                new Pull("team/app", "v1", Instant.parse("2026-11-28T16:18:32.097295333Z"), "GET"));
        assertThat(pull(JSON_HEAD_TAG).method()).isEqualTo("HEAD");
    }

    @Test
    void accessLogManifestReadsAreTimedToTheSecond() {
        assertThat(pull(ACCESS_GET_TAG)).isEqualTo(
                new Pull("team/app", "v1", Instant.parse("2026-11-28T16:18:25Z"), "GET"));
        assertThat(pull(ACCESS_JSON_GET_TAG).time()).isEqualTo(Instant.parse("2026-11-28T16:18:32Z"));
        assertThat(pull(ACCESS_HEAD_TAG).method()).isEqualTo("HEAD");
        assertThat(pull(ACCESS_GET_DIGEST).reference()).isEqualTo(DIGEST);
    }

    @Test
    void accessLogTimeHonoursItsOffset() {
        String line = ACCESS_GET_TAG.replace("16:18:25 +0000", "17:48:25 +0130");
        assertThat(pull(line).time()).isEqualTo(Instant.parse("2026-11-28T16:18:25Z"));
    }

    @Test
    void proxyAccessLogsInCombinedFormatCount() {
        String nginx = "10.0.0.7 - alice [28/Nov/2026:16:18:25 +0000] \"GET /v2/team/app/manifests/v1 HTTP/1.1\" 200 246"
                + " \"-\" \"docker/24.0.7 go/go1.20.10\"";
        assertThat(pull(nginx).repository()).isEqualTo("team/app");
        String commonFormat = "10.0.0.7 - - [28/Nov/2026:16:18:25 +0000] \"HEAD /v2/app/manifests/latest HTTP/1.1\" 200 -";
        assertThat(pull(commonFormat).reference()).isEqualTo("latest");
    }

    @Test
    void queryStringsAreIgnoredAndThePathIsDecodedAsTheRouterDoes() {
        assertThat(pull(TEXT_QUERY).reference()).isEqualTo("v1");
        assertThat(pull(JSON_QUERY).reference()).isEqualTo("v1");
        assertThat(pull(ACCESS_QUERY).reference()).isEqualTo("v1");
        assertThat(pull(TEXT_ESCAPED_SLASH).repository()).isEqualTo("team/app"); // the registry answered it 200
    }

    @Test
    void quotedValuesWithEscapesAreUnquoted() {
        assertThat(pull(TEXT_ESCAPED_AGENT).repository()).isEqualTo("team/app");
        assertThat(pull(ACCESS_ESCAPED_AGENT).repository()).isEqualTo("team/app");
        String quotedUri = TEXT_GET_TAG.replace("http.request.uri=/v2/team/app/manifests/v1",
                "http.request.uri=\"/v2/team/app/manifests/\\x76\\u0031\"");
        assertThat(pull(quotedUri).reference()).isEqualTo("v1");
    }

    @Test
    void unquoteFollowsGo() {
        StringBuilder out = new StringBuilder();
        String quoted = "a\\\"b\\\\c\\n\\t\\x41\\u00e9\\U0001F600\\101\\xff\" rest";
        int end = PullLogLine.unquote(quoted, 0, out);
        assertThat(out.toString()).isEqualTo("a\"b\\c\n\tAé\uD83D\uDE00A\uFFFD");
        assertThat(quoted.substring(end)).isEqualTo(" rest");
        assertThat(PullLogLine.unquote("no closing quote", 0, new StringBuilder())).isEqualTo(-1);
        assertThat(PullLogLine.unquote("bad \\q escape\"", 0, new StringBuilder())).isEqualTo(-1);
        assertThat(PullLogLine.unquote("short \\x4\"", 0, new StringBuilder())).isEqualTo(-1);
        assertThat(PullLogLine.unquote("sign \\x+1\"", 0, new StringBuilder())).isEqualTo(-1);
    }

    @Test
    void timeWithoutQuotesIsAccepted() {
        String bare = TEXT_GET_TAG.replace("time=\"2026-11-28T16:18:25.789013528Z\"", "time=2026-11-28T16:18:25.789013528Z");
        assertThat(pull(bare).time()).isEqualTo(Instant.parse("2026-11-28T16:18:25.789013528Z"));
        String local = TEXT_GET_TAG.replace("16:18:25.789013528Z", "17:18:25.789013528+01:00");
        assertThat(pull(local).time()).isEqualTo(Instant.parse("2026-11-28T16:18:25.789013528Z"));
    }

    @Test
    void nestedRepositoryNames() {
        String nested = TEXT_GET_TAG.replace("/v2/team/app/", "/v2/org/team-a/sub.group/my__app/");
        assertThat(pull(nested).repository()).isEqualTo("org/team-a/sub.group/my__app");
        String named = ACCESS_GET_TAG.replace("/v2/team/app/", "/v2/a/manifests/b/");
        assertThat(pull(named)).extracting(Pull::repository, Pull::reference).containsExactly("a/manifests/b", "v1");
        assertThat(pull(JSON_GET_TAG.replace("/v2/team/app/", "/v2/app/")).repository()).isEqualTo("app");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/v2/Team/App/manifests/v1",                 // upper case
            "/v2/team//app/manifests/v1",                // empty component
            "/v2/team/_app/manifests/v1",                // leading separator
            "/v2/team/app-/manifests/v1",                // trailing separator
            "/v2/team/a___b/manifests/v1",               // three underscores
            "/v2/manifests/v1",                          // no name
            "/v2/team/app/manifests/",                   // no reference
            "/v2/team/app/manifests/.v1",                // tag starting with '.'
            "/v2/team/app/manifests/sha256:abc",         // short digest
            "/v2/team/app/manifests/v1/extra",           // reference with '/'
            "/v2/team%zzapp/manifests/v1",               // broken escape
            "/v3/team/app/manifests/v1",
            "/v2/team/app/tags/list"})
    void invalidNamesAndReferencesAreNotPulls(String uri) {
        assertThat(kind(ACCESS_GET_TAG.replace("/v2/team/app/manifests/v1", uri))).isEqualTo(Kind.REGISTRY);
        assertThat(kind(TEXT_GET_TAG.replace("http.request.uri=/v2/team/app/manifests/v1",
                "http.request.uri=\"" + uri + "\""))).isEqualTo(Kind.REGISTRY);
    }

    @Test
    void tagsOfTheMaximumLengthAreAcceptedAndLongerOnesAreNot() {
        String longest = "t".repeat(128);
        assertThat(pull(ACCESS_GET_TAG.replace("manifests/v1", "manifests/" + longest)).reference()).isEqualTo(longest);
        assertThat(kind(ACCESS_GET_TAG.replace("manifests/v1", "manifests/" + longest + "t"))).isEqualTo(Kind.REGISTRY);
    }

    @Test
    void otherRegistryLinesAreNotPulls() {
        assertThat(kind(TEXT_404)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(ACCESS_404)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(TEXT_PUT)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(ACCESS_PUT)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(TEXT_BLOB_GET)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(ACCESS_BLOB_GET)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(TEXT_PING)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(ACCESS_PING)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(TEXT_REDIRECT)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(JSON_REDIRECT)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(TEXT_STARTUP)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(JSON_STARTUP)).isEqualTo(Kind.REGISTRY);
        assertThat(kind(ACCESS_GET_TAG.replace("\" 200 ", "\" 304 "))).isEqualTo(Kind.REGISTRY);
        assertThat(kind(JSON_GET_TAG.replace("\"GET\"", "\"DELETE\""))).isEqualTo(Kind.REGISTRY);
        String garbageRequest = "127.0.0.1 - - [28/Nov/2026:16:18:25 +0000] \"\\x16\\x03\\x01\" 400 0 \"\" \"\"";
        assertThat(kind(garbageRequest)).isEqualTo(Kind.REGISTRY);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "   ",
            "garbage",
            "\u0000\u0001\uFFFD\uFFFD",
            // nginx error log and syslog: other programs
            "2026/11/28 16:18:25 [error] 29#29: *1 open() \"/usr/share/nginx/html/favicon.ico\" failed (2: No such file or directory), client: 172.17.0.1, server: localhost, request: \"GET /favicon.ico HTTP/1.1\", host: \"localhost\"",
            "Nov 28 16:18:25 host sshd[1234]: Accepted publickey for root from 10.0.0.1 port 52814 ssh2",
            "<13>1 2026-11-28T16:18:25.000Z host registry 1 - - response completed",
            // truncated JSON, JSON that is not logrus, JSON with trailing text
            "{\"go.version\":\"go1.19.8\",\"http.request.host\":\"127.0.0.1:5055\",\"http.request.method\":\"GET\",\"http.request.uri\":\"/v2/team/app/manif",
            "{\"log\":\"hello\\n\",\"stream\":\"stderr\"}",
            "[1,2,3]",
            "{\"level\":\"info\",\"msg\":\"x\",\"time\":\"2026-11-28T16:18:30Z\"} trailing",
            "{\"level\":\"info\",\"msg\":\"x\",\"time\":\"yesterday\"}",
            // logrus text without time, with a bad time, cut inside a quoted value, or not key=value
            "level=info msg=\"response completed\" http.request.method=GET http.request.uri=/v2/team/app/manifests/v1 http.response.status=200",
            "time=\"28/11/2026\" level=info msg=\"redis not configured\"",
            "time=\"2026-11-28T16:18:23.640123707Z\" level=info msg=\"redis not con",
            "time=\"2026-11-28T16:18:23.640123707Z\" level=info and then some prose",
            // access log with a bad time or cut short
            "127.0.0.1 - - [28/Nov/2026:25:18:25 +0000] \"GET /v2/team/app/manifests/v1 HTTP/1.1\" 200 246 \"\" \"curl/7.88.1\"",
            "127.0.0.1 - - [28/Nov/2026:16:18:25 +0000] \"GET /v2/team/app/manifests/v1 HTTP/1.1\" 200 246 \"\" \"curl/7."})
    void everythingElseIsMalformed(String line) {
        assertThat(PullLogLine.parse(line)).isEqualTo(Parsed.MALFORMED);
    }

    @Test
    void trailingCarriageReturnsAndSpacesAreTolerated() {
        assertThat(pull(TEXT_GET_TAG + "\r").reference()).isEqualTo("v1");
        assertThat(pull(ACCESS_GET_TAG + " \r").reference()).isEqualTo("v1");
    }
}
