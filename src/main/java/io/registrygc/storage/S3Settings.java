package io.registrygc.storage;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach an S3-compatible store: the endpoint (empty: AWS itself), the region, the keys (empty: the SDK's
 * default credential chain: environment, profile, instance or pod role) and whether to address buckets by path
 * (MinIO, Ceph RGW and s3proxy want it). The secret never goes into job parameters, history or logs.
 */
public record S3Settings(Optional<URI> endpoint, String region, Optional<String> accessKey, Optional<String> secretKey,
        boolean pathStyle) {

    public S3Settings {
        if (accessKey.isPresent() != secretKey.isPresent()) {
            throw new IllegalArgumentException("an S3 access key needs its secret key, and the other way round");
        }
    }

    /** The standard AWS environment: {@code AWS_ENDPOINT_URL_S3} (or {@code AWS_ENDPOINT_URL}), {@code AWS_REGION}. */
    public static S3Settings fromEnvironment(Map<String, String> environment) {
        Optional<URI> endpoint = Optional.ofNullable(nonBlank(environment.get("AWS_ENDPOINT_URL_S3")))
                .or(() -> Optional.ofNullable(nonBlank(environment.get("AWS_ENDPOINT_URL")))).map(URI::create);
        String region = Optional.ofNullable(nonBlank(environment.get("AWS_REGION")))
                .or(() -> Optional.ofNullable(nonBlank(environment.get("AWS_DEFAULT_REGION")))).orElse("us-east-1");
        return new S3Settings(endpoint, region, Optional.empty(), Optional.empty(), endpoint.isPresent());
    }

    /** What a message may say about them: no secret. */
    public String describe() {
        return "endpoint " + endpoint.map(URI::toString).orElse("AWS") + ", region " + region
                + (accessKey.isPresent() ? ", access key " + accessKey.get() : ", default credentials")
                + (pathStyle ? ", path-style" : "");
    }

    @Override
    public String toString() {
        return describe();
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
