package io.registrygc.pulls;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.registrygc.storage.Digest;
import io.registrygc.storage.RegistryPaths;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Classifies one line of a Distribution 2.8 registry's output. The registry writes, for every request, a logrus
 * "response completed" line (text formatter: {@code time="..." level=info msg="..." key=value...}; JSON formatter: one
 * object) on stderr and, unless the access log is disabled, an Apache combined line on stdout. Operators pass
 * either stream or both merged, so every format is recognised in any file; the same request then appears twice,
 * which is harmless to "when was it last pulled".
 *
 * <p>A pull is a successful manifest read: {@code GET} or {@code HEAD} of {@code /v2/<name>/manifests/<reference>}
 * with status 200 exactly (a 304 or 404 served no manifest; a 301 for an unclean path is followed by the real
 * request), a name of Distribution's repository grammar and a reference that is a valid tag or digest, as the
 * registry's router demands. The path is percent-decoded as the router does ({@code team%2Fapp} is {@code team/app});
 * the query string is ignored. Any other well-formed logrus or access-log line is a {@link Kind#REGISTRY} line; the
 * rest, including a logrus line without a valid time, is {@link Kind#MALFORMED}, so that a wrong file is noticed.
 * A reverse proxy's combined access log (nginx, Apache) has the registry's format and is read the same way.
 */
public final class PullLogLine {

    public enum Kind { PULL, REGISTRY, MALFORMED }

    /** The class of a line; {@code pull} is set exactly when {@code kind} is {@link Kind#PULL}. */
    public record Parsed(Kind kind, Pull pull) {
        public static final Parsed REGISTRY = new Parsed(Kind.REGISTRY, null);
        public static final Parsed MALFORMED = new Parsed(Kind.MALFORMED, null);

        public Parsed {
            Objects.requireNonNull(kind, "kind");
            if ((kind == Kind.PULL) != (pull != null)) {
                throw new IllegalArgumentException("a pull comes with kind PULL and only then");
            }
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    /** {@code host ident user [time] "request" status size ["referer" "user-agent"]}, quoted values Go-escaped. */
    private static final String QUOTED = "\"((?:[^\"\\\\]++|\\\\.)*+)\"";
    private static final Pattern ACCESS = Pattern.compile("(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] " + QUOTED
            + " (\\d{3}) (\\d+|-)(?: " + QUOTED + " " + QUOTED + ")?");
    private static final DateTimeFormatter ACCESS_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);
    private static final Pattern LOGRUS_TEXT_START = Pattern.compile("[^\\s=\"]+=");

    private PullLogLine() {
    }

    public static Parsed parse(String line) {
        String trimmed = line.strip();
        if (trimmed.startsWith("{")) {
            return json(trimmed);
        }
        if (LOGRUS_TEXT_START.matcher(trimmed).lookingAt()) {
            return logrusText(trimmed);
        }
        return accessLog(trimmed);
    }

    private static Parsed json(String line) {
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (JsonProcessingException notJson) {
            return Parsed.MALFORMED;
        }
        if (root == null || !root.isObject() || !root.path("time").isTextual() || !root.path("level").isTextual()) {
            return Parsed.MALFORMED;
        }
        return logrus(root.get("time").asText(), text(root.get("http.request.method")),
                text(root.get("http.request.uri")), text(root.get("http.response.status")));
    }

    private static String text(JsonNode node) {
        return node == null || !node.isValueNode() ? null : node.asText();
    }

    private static Parsed logrusText(String line) {
        Map<String, String> fields = fields(line);
        if (fields == null || !fields.containsKey("time") || !fields.containsKey("level")) {
            return Parsed.MALFORMED;
        }
        return logrus(fields.get("time"), fields.get("http.request.method"), fields.get("http.request.uri"),
                fields.get("http.response.status"));
    }

    private static Parsed logrus(String time, String method, String uri, String status) {
        Instant at;
        try {
            at = OffsetDateTime.parse(time).toInstant();
        } catch (DateTimeParseException e) {
            return Parsed.MALFORMED;
        }
        return classify(method, uri, status, at);
    }

    private static Parsed accessLog(String line) {
        Matcher m = ACCESS.matcher(line);
        if (!m.matches()) {
            return Parsed.MALFORMED;
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(m.group(4), ACCESS_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return Parsed.MALFORMED;
        }
        StringBuilder request = new StringBuilder();
        if (unquote(line, m.start(5), request) < 0) {
            return Parsed.MALFORMED;
        }
        // "METHOD URI PROTO": Go's server answers 400 to a request line with more spaces
        int first = request.indexOf(" ");
        int last = request.lastIndexOf(" ");
        if (first < 0 || last == first) {
            return Parsed.REGISTRY; // a garbage request the server answered 400: still the registry's line
        }
        return classify(request.substring(0, first), request.substring(first + 1, last), m.group(6), at);
    }

    private static Parsed classify(String method, String uri, String status, Instant time) {
        if (!"200".equals(status) || !("GET".equals(method) || "HEAD".equals(method)) || uri == null) {
            return Parsed.REGISTRY;
        }
        String path = uri;
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        int manifests = path.lastIndexOf("/manifests/");
        if (!path.startsWith("/v2/") || manifests < 4) {
            return Parsed.REGISTRY;
        }
        String name;
        String reference;
        try {
            // '+' is literal in a path, unlike in the form encoding URLDecoder expects
            name = URLDecoder.decode(path.substring(4, manifests).replace("+", "%2B"), StandardCharsets.UTF_8);
            reference = URLDecoder.decode(path.substring(manifests + "/manifests/".length()).replace("+", "%2B"),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException badEscape) {
            return Parsed.REGISTRY;
        }
        boolean validReference = reference.indexOf(':') >= 0
                ? Digest.tryParse(reference).isPresent()
                : RegistryPaths.isValidTagName(reference);
        if (!RegistryPaths.isValidRepositoryName(name) || !validReference) {
            return Parsed.REGISTRY;
        }
        return new Parsed(Kind.PULL, new Pull(name, reference, time, method));
    }

    /**
     * The {@code key=value} pairs of a logrus text line, separated by single spaces; null when the line is not one.
     * Logrus writes a value bare when it holds only {@code [A-Za-z0-9-._/@^+]} and otherwise Go-quoted ({@code %q}).
     */
    private static Map<String, String> fields(String line) {
        Map<String, String> fields = new HashMap<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            int eq = line.indexOf('=', i);
            if (eq <= i) {
                return null;
            }
            String key = line.substring(i, eq);
            if (key.indexOf(' ') >= 0 || key.indexOf('"') >= 0) {
                return null;
            }
            i = eq + 1;
            String value;
            if (i < n && line.charAt(i) == '"') {
                StringBuilder unquoted = new StringBuilder();
                i = unquote(line, i + 1, unquoted);
                if (i < 0) {
                    return null;
                }
                value = unquoted.toString();
            } else {
                int end = line.indexOf(' ', i);
                end = end < 0 ? n : end;
                value = line.substring(i, end);
                if (value.indexOf('"') >= 0) {
                    return null;
                }
                i = end;
            }
            if (i < n && line.charAt(i++) != ' ') {
                return null;
            }
            fields.putIfAbsent(key, value);
        }
        return fields;
    }

    /**
     * Appends the Go-quoted string that starts at {@code from} (just after its opening quote) to {@code out}, and
     * returns the index after its closing quote, or -1 when it is not one. A byte escape above 0x7f ({@code \xff}) is
     * what Go writes for invalid UTF-8: it becomes U+FFFD, as invalid bytes do everywhere else.
     */
    static int unquote(String s, int from, StringBuilder out) {
        int i = from;
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == '"') {
                return i;
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (i >= s.length()) {
                return -1;
            }
            char e = s.charAt(i++);
            int digits = switch (e) {
                case 'x' -> 2;
                case 'u' -> 4;
                case 'U' -> 8;
                default -> 0;
            };
            if (digits > 0 || (e >= '0' && e <= '7')) {
                int radix = digits > 0 ? 16 : 8;
                int start = digits > 0 ? i : i - 1;
                int end = start + (digits > 0 ? digits : 3);
                int value = number(s, start, end, radix);
                if (value < 0 || (radix == 8 && value > 0xff) || !Character.isValidCodePoint(value)) {
                    return -1;
                }
                out.appendCodePoint(e == 'x' || radix == 8 ? (value > 0x7f ? 0xfffd : value) : value);
                i = end;
                continue;
            }
            switch (e) {
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case '\\', '"', '\'' -> out.append(e);
                default -> {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static int number(String s, int start, int end, int radix) {
        if (end > s.length()) {
            return -1;
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            int digit = c < 0x80 ? Character.digit(c, radix) : -1;
            if (digit < 0) {
                return -1;
            }
            value = value * radix + digit;
        }
        return value > Integer.MAX_VALUE ? -1 : (int) value;
    }
}
