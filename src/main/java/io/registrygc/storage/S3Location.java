package io.registrygc.storage;

import java.util.regex.Pattern;

/**
 * A registry storage on S3: a bucket and the registry's {@code rootdirectory} inside it (a key prefix, without its
 * slashes; empty for the bucket's root). Written {@code s3://BUCKET[/ROOTDIRECTORY]}: how locks and history know it.
 */
public record S3Location(String bucket, String prefix) {

    /** S3's bucket naming rules (lower case, digits, dots and hyphens, 3 to 63 characters). */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    public S3Location {
        if (bucket == null || !BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("not an S3 bucket name: " + bucket);
        }
        prefix = trimSlashes(prefix == null ? "" : prefix);
        if (prefix.contains("//") || prefix.startsWith("./") || prefix.contains("/../") || prefix.equals("..")) {
            throw new IllegalArgumentException("not a root directory: " + prefix);
        }
    }

    public static boolean isS3(String location) {
        return location != null && location.startsWith("s3://");
    }

    /** {@code s3://BUCKET[/ROOTDIRECTORY]}. */
    public static S3Location parse(String location) {
        if (!isS3(location)) {
            throw new IllegalArgumentException("not an s3:// location: " + location);
        }
        String rest = location.substring("s3://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? new S3Location(rest, "") : new S3Location(rest.substring(0, slash), rest.substring(slash + 1));
    }

    /** The object key of a storage key. */
    public String objectKey(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    @Override
    public String toString() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    private static String trimSlashes(String text) {
        int from = 0;
        int to = text.length();
        while (from < to && text.charAt(from) == '/') {
            from++;
        }
        while (to > from && text.charAt(to - 1) == '/') {
            to--;
        }
        return text.substring(from, to);
    }
}
