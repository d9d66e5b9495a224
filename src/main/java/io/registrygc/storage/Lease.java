package io.registrygc.storage;

/**
 * A storage's own lock, besides the database's: two runs with two databases on one storage must not collect it at the
 * same time. A lease file beside {@code docker/} on a filesystem ({@link StorageLease}), a lease object written with
 * conditional requests on an object store ({@link S3Lease}). Its holder renews it; another run takes it over only
 * when it went stale.
 */
public interface Lease extends AutoCloseable {

    /** Reads the lease back: throws {@link StorageLease.LostException} when it is no longer this run's. */
    void verify();

    StorageLease.Holder holder();

    /** Stops renewing and removes the lease, if it is still ours. */
    @Override
    void close();
}
