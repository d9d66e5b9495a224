package io.registrygc.db;

import io.registrygc.storage.StorageLease;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The single-instance lock of a storage root: a session-level PostgreSQL advisory lock on a connection
 * held for the whole run. It goes away with the session, so a killed run never leaves it behind.
 */
public final class RunLock implements AutoCloseable {

    private final Connection connection;
    private final String storageRoot;

    private RunLock(Connection connection, String storageRoot) {
        this.connection = connection;
        this.storageRoot = storageRoot;
    }

    /** Who holds the lock, as the holder recorded it. */
    public record Holder(String host, long pid, Long jobExecutionId, OffsetDateTime acquiredAt, String leaseId) {
        @Override
        public String toString() {
            return "host " + host + ", pid " + pid
                    + (jobExecutionId == null ? "" : ", job execution " + jobExecutionId) + ", since " + acquiredAt;
        }
    }

    public static class HeldElsewhereException extends Exception {
        private final transient Holder holder;

        HeldElsewhereException(String storageRoot, Holder holder) {
            super("another registry-gc run is in progress on " + storageRoot
                    + (holder == null ? "" : " (" + holder + ")"));
            this.holder = holder;
        }

        public Holder holder() {
            return holder;
        }
    }

    public static RunLock acquire(DataSource dataSource, String storageRoot) throws SQLException, HeldElsewhereException {
        Connection connection = dataSource.getConnection();
        try {
            connection.setAutoCommit(true);
            boolean acquired;
            try (PreparedStatement lock = connection.prepareStatement(
                    "SELECT pg_try_advisory_lock(hashtextextended('registry-gc:' || ?, 0))")) {
                lock.setString(1, storageRoot);
                try (ResultSet rs = lock.executeQuery()) {
                    rs.next();
                    acquired = rs.getBoolean(1);
                }
            }
            if (!acquired) {
                Holder holder = holder(connection, storageRoot);
                connection.close();
                throw new HeldElsewhereException(storageRoot, holder);
            }
            try (PreparedStatement record = connection.prepareStatement("""
                    INSERT INTO gc_lock_holder (storage_root, host, pid, job_execution_id, acquired_at)
                    VALUES (?, ?, ?, NULL, now())
                    ON CONFLICT (storage_root) DO UPDATE SET host = excluded.host, pid = excluded.pid,
                        job_execution_id = NULL, lease_id = NULL, acquired_at = excluded.acquired_at""")) {
                record.setString(1, storageRoot);
                record.setString(2, StorageLease.hostName());
                record.setLong(3, ProcessHandle.current().pid());
                record.executeUpdate();
            }
            return new RunLock(connection, storageRoot);
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    public void recordExecution(long jobExecutionId) throws SQLException {
        recordHolders("job_execution_id", jobExecutionId);
    }

    /** The storage lease the holder took (a remote worker reads it back from the storage before deleting). */
    public void recordLease(String leaseId) throws SQLException {
        recordHolders("lease_id", leaseId);
    }

    private void recordHolders(String column, Object value) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE gc_lock_holder SET " + column + " = ? WHERE storage_root = ?")) {
            update.setObject(1, value);
            update.setString(2, storageRoot);
            update.executeUpdate();
        }
    }

    /**
     * For a process that works for a run without holding its lock (a remote worker): the lock's holder, as it
     * recorded itself, if some session holds the lock now and for {@code jobExecutionId}; empty when nobody holds it
     * (the run's manager is gone) or it is held for another execution.
     */
    public static Optional<Holder> heldFor(DataSource dataSource, String storageRoot, long jobExecutionId)
            throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement held = connection.prepareStatement("""
                        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
                           AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('registry-gc:' || ?, 0))""")) {
            held.setString(1, storageRoot);
            try (ResultSet rs = held.executeQuery()) {
                rs.next();
                return rs.getBoolean(1) ? Optional.ofNullable(holder(connection, storageRoot))
                        .filter(holder -> Long.valueOf(jobExecutionId).equals(holder.jobExecutionId())) : Optional.empty();
            }
        }
    }

    private static Holder holder(Connection connection, String storageRoot) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT host, pid, job_execution_id, acquired_at, lease_id FROM gc_lock_holder WHERE storage_root = ?")) {
            query.setString(1, storageRoot);
            try (ResultSet rs = query.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long execution = rs.getLong(3);
                return new Holder(rs.getString(1), rs.getLong(2), rs.wasNull() ? null : execution,
                        rs.getObject(4, OffsetDateTime.class), rs.getString(5));
            }
        }
    }


    @Override
    public void close() {
        try (connection) {
            try (PreparedStatement unlock = connection.prepareStatement(
                    "SELECT pg_advisory_unlock(hashtextextended('registry-gc:' || ?, 0))")) {
                unlock.setString(1, storageRoot);
                unlock.execute();
            }
        } catch (SQLException e) {
            // the session ends with the connection, and the lock with it
        }
    }
}
