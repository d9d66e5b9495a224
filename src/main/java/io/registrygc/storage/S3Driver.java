package io.registrygc.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A storage in an S3 bucket (the registry's {@code s3} driver; AWS, MinIO, Ceph RGW), through the AWS SDK v2. A folder
 * is a common prefix: listed with a delimiter, it exists while a key is below it and has no time of its own. The
 * blobs of a shard and the links of a repository come from ranged listings (a thousand keys a request), not a request
 * per key; deletions go a thousand keys a request ({@code DeleteObjects}). The SDK retries throttling ({@code SlowDown},
 * 503) and connection errors with backoff; what still fails is an {@link IOException}, as on a filesystem. Every
 * request is counted ({@link #requests()}): on S3 requests are billed.
 */
public final class S3Driver implements StorageDriver {

    private static final int MAX_ATTEMPTS = 8;
    private static final int DELETE_BATCH = 1000;
    private static final int NOT_FOUND = 404;
    /** Items of a chunk deleted at once (each partition's chunks; the connection pool holds 64). */
    private static final int CONCURRENT_DELETIONS = 8;

    private final S3Client s3;
    private final S3Location location;
    /** Keys a listing asks for at a time (S3's maximum, and its default, is 1000). */
    private final int pageSize;
    private final RequestCounts counts = new RequestCounts();

    S3Driver(S3Client s3, S3Location location, int pageSize) {
        this.s3 = s3;
        this.location = location;
        this.pageSize = pageSize;
    }

    /** A client for {@code location} as {@code settings} say; {@code connections}: how many requests may be in flight. */
    public static S3Driver open(S3Location location, S3Settings settings) {
        return open(location, settings, 1000);
    }

    static S3Driver open(S3Location location, S3Settings settings, int pageSize) {
        AwsCredentialsProvider credentials = settings.accessKey().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey().get(), settings.secretKey().get()))
                : DefaultCredentialsProvider.builder().build();
        var builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(64)
                        .connectionTimeout(Duration.ofSeconds(10)).socketTimeout(Duration.ofSeconds(60)))
                .overrideConfiguration(o -> o.retryStrategy(
                        AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(MAX_ATTEMPTS).build()));
        settings.endpoint().ifPresent(builder::endpointOverride);
        return new S3Driver(builder.build(), location, pageSize);
    }

    public S3Location s3Location() {
        return location;
    }

    /** The client and the counts, for the lease's conditional requests ({@link S3Lease}). */
    S3Client client() {
        return s3;
    }

    RequestCounts counts() {
        return counts;
    }

    @Override
    public String location() {
        return location.toString();
    }

    @Override
    public String describe(String key) {
        return "s3://" + location.bucket() + "/" + location.objectKey(key);
    }

    @Override
    public Optional<RequestCounts> requests() {
        return Optional.of(counts);
    }

    @Override
    public List<String> names(String folder) throws IOException {
        return list(folder).stream().map(Entry::name).toList();
    }

    @Override
    public List<Entry> list(String folder) throws IOException {
        String prefix = location.objectKey(folder) + "/";
        TreeMap<String, Entry> entries = new TreeMap<>();
        eachPage(ListObjectsV2Request.builder().bucket(location.bucket()).prefix(prefix).delimiter("/"), page -> {
            for (CommonPrefix common : page.commonPrefixes()) {
                String name = common.prefix().substring(prefix.length(), common.prefix().length() - 1);
                entries.put(name, new Entry(name, StorageDriver.Kind.FOLDER, 0, null));
            }
            for (S3Object object : page.contents()) {
                String name = object.key().substring(prefix.length());
                if (!name.isEmpty()) {
                    entries.putIfAbsent(name, file(name, object));
                }
            }
            return true;
        });
        return new ArrayList<>(entries.values());
    }

    @Override
    public List<Branch> branches(String folder, List<String> names, String fileName) throws IOException {
        if (names.isEmpty()) {
            return List.of();
        }
        List<String> wanted = names.stream().sorted().toList();
        String prefix = location.objectKey(folder) + "/";
        String last = wanted.get(wanted.size() - 1);
        TreeMap<String, Entry[]> found = new TreeMap<>(); // name -> {folder, file}
        eachPage(ListObjectsV2Request.builder().bucket(location.bucket()).prefix(prefix)
                .startAfter(prefix + wanted.get(0)), page -> {
            for (S3Object object : page.contents()) {
                String rest = object.key().substring(prefix.length());
                int slash = rest.indexOf('/');
                String name = slash < 0 ? rest : rest.substring(0, slash);
                if (name.compareTo(last) > 0) {
                    return false;
                }
                Entry[] branch = found.computeIfAbsent(name, n -> new Entry[2]);
                if (slash < 0) {
                    branch[0] = branch[0] == null ? file(name, object) : branch[0];
                    continue;
                }
                Instant modified = object.lastModified();
                Instant newest = branch[0] == null || branch[0].modified() == null || modified.isAfter(branch[0].modified())
                        ? modified : branch[0].modified();
                branch[0] = new Entry(name, StorageDriver.Kind.FOLDER, 0, newest);
                if (rest.substring(slash + 1).equals(fileName)) {
                    branch[1] = file(fileName, object);
                }
            }
            return true;
        });
        List<Branch> branches = new ArrayList<>(wanted.size());
        for (String name : wanted) {
            Entry[] branch = found.get(name);
            if (branch != null) {
                branches.add(new Branch(name, branch[0], branch[0].isFolder() ? branch[1] : null));
            }
        }
        return branches;
    }

    @Override
    public void walk(String folder, String after, Predicate<Entry> each) throws IOException {
        String prefix = location.objectKey(folder) + "/";
        ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(location.bucket()).prefix(prefix);
        if (after != null) {
            request.startAfter(prefix + after);
        }
        eachPage(request, page -> {
            for (S3Object object : page.contents()) {
                if (!each.test(file(object.key().substring(prefix.length()), object))) {
                    return false;
                }
            }
            return true;
        });
    }

    @Override
    public Optional<Entry> stat(String key) throws IOException {
        String name = key.substring(key.lastIndexOf('/') + 1);
        try {
            counts.add(RequestCounts.Kind.HEAD);
            HeadObjectResponse head = s3.headObject(b -> b.bucket(location.bucket()).key(location.objectKey(key)));
            return Optional.of(new Entry(name, StorageDriver.Kind.FILE, head.contentLength(), head.lastModified()));
        } catch (S3Exception e) {
            if (e.statusCode() == NOT_FOUND) { // HEAD answers carry no error code: NoSuchKey or a bare 404
                return isFolder(key) ? Optional.of(new Entry(name, StorageDriver.Kind.FOLDER, 0, null)) : Optional.empty();
            }
            throw failed("HEAD", key, e);
        } catch (SdkException e) {
            throw failed("HEAD", key, e);
        }
    }

    @Override
    public boolean isFolder(String key) throws IOException {
        boolean[] any = {false};
        eachPage(ListObjectsV2Request.builder().bucket(location.bucket()).prefix(location.objectKey(key) + "/").maxKeys(1),
                page -> {
                    any[0] = page.keyCount() != null && page.keyCount() > 0 || !page.contents().isEmpty();
                    return false;
                });
        return any[0];
    }

    @Override
    public byte[] read(String key, int limit) throws IOException {
        counts.add(RequestCounts.Kind.GET);
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(location.bucket())
                .key(location.objectKey(key)).range("bytes=0-" + limit))) {
            return ((InputStream) in).readNBytes(limit + 1);
        } catch (S3Exception e) {
            if (e.statusCode() == NOT_FOUND) {
                throw new NoSuchFileException(describe(key));
            }
            throw failed("GET", key, e);
        } catch (SdkException e) {
            throw failed("GET", key, e);
        }
    }

    @Override
    public void write(String key, byte[] content) throws IOException {
        counts.add(RequestCounts.Kind.PUT);
        try {
            s3.putObject(b -> b.bucket(location.bucket()).key(location.objectKey(key)), RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw failed("PUT", key, e);
        }
    }

    @Override
    public Removal deleteFolder(String folder, String mainFile) throws IOException {
        Deletions deletions = deletions();
        Removal removal = deletions.deleteFolder(folder, mainFile);
        deletions.commit();
        return removal;
    }

    @Override
    public Deletions deletions() {
        List<String> keys = Collections.synchronizedList(new ArrayList<>());
        return new Deletions() {
            @Override
            public Removal deleteFolder(String folder, String mainFile) throws IOException {
                List<String> found = keysBelow(folder);
                if (found.isEmpty()) {
                    return Removal.NOTHING;
                }
                String main = mainFile == null ? null : location.objectKey(folder) + "/" + mainFile;
                keys.addAll(found);
                return main != null && found.contains(main) ? Removal.FOLDER_AND_MAIN_FILE : Removal.FOLDER;
            }

            @Override
            public void commit() throws IOException {
                LinkedHashSet<String> all = new LinkedHashSet<>(); // two items may name one key
                synchronized (keys) {
                    // links and data first: a deletion interrupted between requests leaves no folder that looks whole
                    keys.stream().filter(S3Driver::isMainFile).forEach(all::add);
                    keys.stream().filter(key -> !isMainFile(key)).forEach(all::add);
                    keys.clear();
                }
                deleteKeys(new ArrayList<>(all));
            }
        };
    }

    private static boolean isMainFile(String key) {
        return key.endsWith("/link") || key.endsWith("/data");
    }

    /** Every key below a folder. */
    private List<String> keysBelow(String folder) throws IOException {
        String prefix = location.objectKey(folder) + "/";
        List<String> keys = new ArrayList<>();
        eachPage(ListObjectsV2Request.builder().bucket(location.bucket()).prefix(prefix), page -> {
            page.contents().forEach(object -> keys.add(object.key()));
            return true;
        });
        return keys;
    }

    private void deleteKeys(List<String> keys) throws IOException {
        for (int from = 0; from < keys.size(); from += DELETE_BATCH) {
            List<ObjectIdentifier> batch = keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH)).stream()
                    .map(key -> ObjectIdentifier.builder().key(key).build()).toList();
            counts.add(RequestCounts.Kind.DELETE);
            DeleteObjectsResponse response;
            try {
                response = s3.deleteObjects(b -> b.bucket(location.bucket())
                        .delete(Delete.builder().objects(batch).quiet(true).build()));
            } catch (SdkException e) {
                throw failedOn("DELETE", batch.size() + " keys from s3://" + location.bucket() + "/" + batch.get(0).key(), e);
            }
            if (response.hasErrors() && !response.errors().isEmpty()) {
                var error = response.errors().get(0);
                throw new IOException("S3 could not delete " + response.errors().size() + " of " + batch.size()
                        + " keys, the first s3://" + location.bucket() + "/" + error.key() + ": " + error.code() + " "
                        + error.message());
            }
        }
    }

    @Override
    public void deleteEmptyFolders(String folder, String stop) {
        // an object store has no empty folders: a prefix is gone with its last key
    }

    @Override
    public int concurrentRequests() {
        return CONCURRENT_DELETIONS;
    }

    @Override
    public boolean hasFolderTimes() {
        return false;
    }

    @Override
    public boolean hasSymbolicLinks() {
        return false;
    }

    @Override
    public boolean cheapReads() {
        return false;
    }

    @Override
    public void close() {
        s3.close();
    }

    /** Lists page after page while {@code onPage} says go on. */
    private void eachPage(ListObjectsV2Request.Builder request, PageHandler onPage) throws IOException {
        String token = null;
        do {
            counts.add(RequestCounts.Kind.LIST);
            ListObjectsV2Response page;
            try {
                if (token != null) {
                    request.startAfter(null); // the token goes on from where the last page ended (some stores refuse both)
                }
                page = s3.listObjectsV2(request.continuationToken(token).maxKeys(Math.min(pageSize, maxKeys(request))).build());
            } catch (SdkException e) {
                throw failedOn("LIST", "s3://" + location.bucket() + "/" + request.build().prefix(), e);
            }
            if (!onPage.handle(page)) {
                return;
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
    }

    private static int maxKeys(ListObjectsV2Request.Builder request) {
        Integer asked = request.build().maxKeys();
        return asked == null ? Integer.MAX_VALUE : asked;
    }

    @FunctionalInterface
    private interface PageHandler {
        boolean handle(ListObjectsV2Response page);
    }

    private static Entry file(String name, S3Object object) {
        return new Entry(name, StorageDriver.Kind.FILE, object.size(), object.lastModified());
    }

    private IOException failed(String request, String key, SdkException e) {
        return failedOn(request, describe(key), e);
    }

    private static IOException failedOn(String request, String what, SdkException e) {
        return new IOException("S3 " + request + " " + what + " failed: " + e.getMessage(), e);
    }
}
