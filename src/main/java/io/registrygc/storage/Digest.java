package io.registrygc.storage;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A content address such as {@code sha256:<64 hex>}. The algorithm is data, not an
 * assumption: sha512 digests appear in real trees too.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {

    private static final Pattern ALGORITHM = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*");

    public Digest {
        // a scan makes hundreds of thousands of digests: the common algorithm and lowercase hex are checked by hand
        if (!"sha256".equals(algorithm) && !ALGORITHM.matcher(algorithm).matches()) {
            throw new IllegalArgumentException("invalid digest algorithm: " + algorithm);
        }
        if (!isLowerHex(hex) || hex.length() != expectedLength(algorithm, hex.length())) {
            throw new IllegalArgumentException("invalid " + algorithm + " digest: " + hex);
        }
    }

    private static boolean isLowerHex(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    private static int expectedLength(String algorithm, int actual) {
        return switch (algorithm) {
            case "sha256" -> 64;
            case "sha384" -> 96;
            case "sha512" -> 128;
            default -> actual < 32 ? -1 : actual;
        };
    }

    /** Parses {@code algorithm:hex}; throws IllegalArgumentException when it is not one. */
    public static Digest parse(String value) {
        if (value == null) {
            throw new IllegalArgumentException("digest is missing");
        }
        int colon = value.indexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("not a digest: " + abbreviate(value));
        }
        return new Digest(value.substring(0, colon), value.substring(colon + 1));
    }

    public static Optional<Digest> tryParse(String value) {
        try {
            return Optional.of(parse(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The digest of exact bytes, computed with this digest's algorithm. */
    public static Digest of(String algorithm, byte[] content) {
        try {
            var md = java.security.MessageDigest.getInstance(algorithm.toUpperCase(Locale.ROOT).replace("SHA", "SHA-"));
            return new Digest(algorithm, java.util.HexFormat.of().formatHex(md.digest(content)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("unsupported digest algorithm: " + algorithm, e);
        }
    }

    public static Digest sha256(byte[] content) {
        return of("sha256", content);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public int compareTo(Digest other) {
        return toString().compareTo(other.toString());
    }

    private static String abbreviate(String value) {
        return value.length() > 80 ? value.substring(0, 80) + "..." : value;
    }
}
