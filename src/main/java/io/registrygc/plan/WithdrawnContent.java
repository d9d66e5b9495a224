package io.registrygc.plan;

import io.registrygc.storage.Digest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Online collection: the content of the small JSON blobs (manifests, image configurations) a run deleted, kept
 * ({@code gc_withdrawn_content}) just before their data went. A push of a manifest whose blob still exists writes only
 * the manifest's links: the registry looked at the data and skipped writing it. When the sweep deletes the data
 * between that look and the links, a later look of the run finds the new manifest and writes its data back from
 * here. Only content that matches its digest is returned.
 */
public final class WithdrawnContent {

    private final JdbcTemplate jdbc;

    public WithdrawnContent(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Keeps these contents of the run (a resume that keeps them again changes nothing). */
    public void keep(long runId, Map<Digest, byte[]> contents) {
        if (contents.isEmpty()) {
            return;
        }
        List<Object[]> rows = new ArrayList<>(contents.size());
        contents.forEach((digest, content) -> rows.add(new Object[] {runId, digest.toString(), content}));
        jdbc.batchUpdate("INSERT INTO gc_withdrawn_content (run_id, digest, content) VALUES (?, ?, ?)"
                + " ON CONFLICT DO NOTHING", rows);
    }

    /** Of these digests, those whose content the run kept, with it. */
    public Map<Digest, byte[]> among(long runId, Collection<Digest> digests) {
        Map<Digest, byte[]> found = new HashMap<>();
        if (digests.isEmpty()) {
            return found;
        }
        jdbc.query("SELECT digest, content FROM gc_withdrawn_content WHERE run_id = ? AND digest = ANY (?::text[])",
                rs -> {
                    Digest digest = Digest.parse(rs.getString(1));
                    byte[] content = rs.getBytes(2);
                    if (Digest.of(digest.algorithm(), content).equals(digest)) {
                        found.put(digest, content);
                    }
                }, runId, digests.stream().map(Digest::toString).toArray(String[]::new));
        return found;
    }
}
