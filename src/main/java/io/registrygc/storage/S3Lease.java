package io.registrygc.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The storage lease on S3: the object {@code registry-gc.lease} beside {@code docker/}, written only with conditional
 * requests, so that of two runs exactly one holds it. Taking it: a PUT with {@code If-None-Match: *} (created only where
 * there is none). Taking over a stale one: a PUT with {@code If-Match} of the ETag that was read (a compare-and-swap:
 * of two contenders one wins). Renewing: the same bytes again with {@code If-Match} of our ETag, which moves its
 * {@code LastModified} on and fails once another run took it over. Staleness is judged by {@code LastModified}
 * against this host's clock, or at once when the holder is a process of this host that is gone. AWS S3, MinIO and
 * s3proxy honour these conditions; a store that ignored them would make this lease no better than the database lock.
 */
public final class S3Lease implements Lease {

    private static final int PRECONDITION_FAILED = 412;
    private static final int CONFLICT = 409;

    private final S3Driver storage;
    private final String key;
    private final StorageLease.Holder holder;
    private final byte[] content;
    private final ScheduledExecutorService heartbeat;
    private volatile String etag;
    private volatile String lost;

    private S3Lease(S3Driver storage, String key, StorageLease.Holder holder, byte[] content, String etag,
            Duration staleAfter, Runnable onLost) {
        this.storage = storage;
        this.key = key;
        this.holder = holder;
        this.content = content;
        this.etag = etag;
        this.heartbeat = StorageLease.heartbeat(staleAfter, () -> renew(onLost));
    }

    public static S3Lease acquire(S3Driver storage, Duration staleAfter, String note, Runnable onLost)
            throws StorageLease.HeldException, IOException {
        String key = storage.s3Location().objectKey(RegistryPaths.LAYOUT.lease());
        StorageLease.Holder me = StorageLease.Holder.me(note);
        byte[] content = me.text().getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < StorageLease.ATTEMPTS; attempt++) {
            Optional<String> created = put(storage, key, content, null);
            if (created.isPresent()) {
                return new S3Lease(storage, key, me, content, created.get(), staleAfter, onLost);
            }
            Optional<Current> current = read(storage, key);
            if (current.isEmpty()) {
                continue; // released meanwhile: try to create it again
            }
            Optional<StorageLease.Holder> holder = StorageLease.Holder.parse(current.get().text());
            Duration silent = Duration.between(current.get().modified(), Instant.now());
            boolean stale = silent.compareTo(staleAfter) > 0 || holder.map(StorageLease::holderIsGone).orElse(false);
            if (!stale) {
                throw new StorageLease.HeldException(storage.location(), storage.describe(RegistryPaths.LAYOUT.lease()),
                        holder.orElse(null), silent.isNegative() ? Duration.ZERO : silent, staleAfter);
            }
            Optional<String> takenOver = put(storage, key, content, current.get().etag());
            if (takenOver.isPresent()) {
                return new S3Lease(storage, key, me, content, takenOver.get(), staleAfter, onLost);
            }
        }
        throw new IOException("could not take the storage lease " + storage.describe(RegistryPaths.LAYOUT.lease())
                + " after " + StorageLease.ATTEMPTS + " attempts");
    }

    private record Current(String text, String etag, Instant modified) {
    }

    /** A conditional PUT: created where there is none ({@code ifMatch} null), or replacing that version; empty when refused. */
    private static Optional<String> put(S3Driver storage, String key, byte[] content, String ifMatch) throws IOException {
        storage.counts().add(RequestCounts.Kind.PUT);
        try {
            return Optional.of(storage.client().putObject(b -> {
                b.bucket(storage.s3Location().bucket()).key(key);
                if (ifMatch == null) {
                    b.ifNoneMatch("*");
                } else {
                    b.ifMatch(ifMatch);
                }
            }, RequestBody.fromBytes(content)).eTag());
        } catch (S3Exception e) {
            if (e.statusCode() == PRECONDITION_FAILED || e.statusCode() == CONFLICT) {
                return Optional.empty();
            }
            throw new IOException("S3 PUT " + storage.describe(RegistryPaths.LAYOUT.lease()) + " failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("S3 PUT " + storage.describe(RegistryPaths.LAYOUT.lease()) + " failed: " + e.getMessage(), e);
        }
    }

    private static Optional<Current> read(S3Driver storage, String key) throws IOException {
        storage.counts().add(RequestCounts.Kind.GET);
        try {
            ResponseBytes<GetObjectResponse> object = storage.client()
                    .getObjectAsBytes(b -> b.bucket(storage.s3Location().bucket()).key(key));
            return Optional.of(new Current(object.asUtf8String(), object.response().eTag(), object.response().lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new IOException("S3 GET " + storage.describe(RegistryPaths.LAYOUT.lease()) + " failed: " + e.getMessage(), e);
        }
    }

    private void renew(Runnable onLost) {
        if (lost != null) {
            return;
        }
        try {
            Optional<String> renewed = put(storage, key, content, etag);
            if (renewed.isPresent()) {
                etag = renewed.get();
            } else {
                verify(); // refused: someone else's now; verify says whose
            }
        } catch (StorageLease.LostException e) {
            onLost.run();
        } catch (IOException e) {
            // a missed heartbeat is not a lost lease; the next one tries again
        }
    }

    @Override
    public void verify() {
        if (lost != null) {
            throw new StorageLease.LostException(lost);
        }
        Optional<StorageLease.Holder> current;
        try {
            current = read(storage, key).flatMap(object -> StorageLease.Holder.parse(object.text()));
        } catch (IOException unreadable) {
            return; // cannot tell now: the heartbeat will know more
        }
        if (current.isEmpty() || !current.get().id().equals(holder.id())) {
            lost = "lost the storage lease " + storage.describe(RegistryPaths.LAYOUT.lease()) + " (not renewed in time,"
                    + " e.g. the process was paused): it is now " + current.map(StorageLease.Holder::describe).orElse("gone")
                    + "; stopped before deleting more";
            throw new StorageLease.LostException(lost);
        }
    }

    @Override
    public StorageLease.Holder holder() {
        return holder;
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            Optional<Current> current = read(storage, key);
            if (current.isPresent() && StorageLease.Holder.parse(current.get().text()).map(StorageLease.Holder::id)
                    .filter(holder.id()::equals).isPresent()) {
                storage.counts().add(RequestCounts.Kind.DELETE);
                // If-Match where the store honours it: a lease taken over meanwhile stays
                storage.client().deleteObject(b -> b.bucket(storage.s3Location().bucket()).key(key).ifMatch(current.get().etag()));
            }
        } catch (IOException | SdkException ignored) {
            // gone already, or unreadable: it goes stale by itself
        }
    }
}
