package io.registrygc.pulls;

import io.registrygc.policy.Retention.LastPull;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The pull history of a storage in PostgreSQL ({@code gc_pull}, {@code gc_pull_log}): the last pull of each manifest,
 * kept across runs, and how far each log file has been read, so that a daily run reads only what is new.
 */
public final class PullHistory {

    /** One pull to record: the manifest (resolved to its digest), when, and the log line that says so. */
    public record Recorded(String repository, String digest, Instant time, String source) {
    }

    private final JdbcTemplate jdbc;

    public PullHistory(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Every log file read before on this storage, as far as it was read. */
    public List<LogPosition> positions(String storageRoot) {
        return jdbc.query("""
                SELECT path, identity, offset_bytes, size_bytes, line_count FROM gc_pull_log WHERE storage_root = ?""",
                (rs, n) -> new LogPosition(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)),
                storageRoot);
    }

    public void savePosition(String storageRoot, LogPosition position) {
        jdbc.update("""
                INSERT INTO gc_pull_log (storage_root, identity, path, offset_bytes, size_bytes, line_count, read_at)
                VALUES (?, ?, ?, ?, ?, ?, now())
                ON CONFLICT (storage_root, identity) DO UPDATE
                   SET path = excluded.path, offset_bytes = excluded.offset_bytes, size_bytes = excluded.size_bytes,
                       line_count = excluded.line_count, read_at = now()""",
                storageRoot, position.identity(), position.path(), position.offset(), position.size(),
                position.lines());
    }

    /** Records pulls, keeping for each manifest only its latest one. */
    public void record(String storageRoot, List<Recorded> pulls) {
        if (pulls.isEmpty()) {
            return;
        }
        jdbc.batchUpdate("""
                INSERT INTO gc_pull (storage_root, repository, digest, pulled_at, source) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (storage_root, repository, digest) DO UPDATE
                   SET pulled_at = excluded.pulled_at, source = excluded.source
                 WHERE excluded.pulled_at > gc_pull.pulled_at""",
                pulls.stream().map(p -> new Object[] {storageRoot, p.repository(), p.digest(), Timestamp.from(p.time()),
                        p.source()}).toList());
    }

    /** When each manifest of a repository was last pulled, by digest. */
    public Map<String, LastPull> lastPulls(String storageRoot, String repository) {
        Map<String, LastPull> out = new HashMap<>();
        jdbc.query("SELECT digest, pulled_at, source FROM gc_pull WHERE storage_root = ? AND repository = ?",
                rs -> {
                    out.put(rs.getString(1), new LastPull(rs.getTimestamp(2).toInstant(), rs.getString(3)));
                }, storageRoot, repository);
        return out;
    }
}
