package io.registrygc.broker;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where the partitions of remote runs go: an AMQP URL ({@code amqp[s]://USER:PASS@HOST[:PORT][/VHOST]}, RabbitMQ's
 * own form). Shown without its password wherever it is logged or named in an error.
 */
public record BrokerAddress(URI uri) {

    public static BrokerAddress parse(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--broker " + url + " is not a URL: " + e.getMessage());
        }
        if (!"amqp".equals(uri.getScheme()) && !"amqps".equals(uri.getScheme())) {
            throw new IllegalArgumentException("--broker must be an amqp:// or amqps:// URL (RabbitMQ): " + redact(uri));
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("--broker " + redact(uri) + " names no host");
        }
        return new BrokerAddress(uri);
    }

    /** The URL without its password. */
    public String describe() {
        return redact(uri);
    }

    /** The virtual host the URL names ("/" when none). */
    public String virtualHost() {
        String path = uri.getRawPath();
        return path == null || path.length() <= 1 ? "/" : URLDecoder.decode(path.substring(1), StandardCharsets.UTF_8);
    }

    private static String redact(URI uri) {
        String user = uri.getRawUserInfo();
        if (user == null) {
            return uri.toString();
        }
        int colon = user.indexOf(':');
        String shown = colon < 0 ? user : user.substring(0, colon) + ":***";
        return uri.toString().replace(user + "@", shown + "@");
    }

    @Override
    public String toString() {
        return describe();
    }
}
