package io.registrygc.plan;

import io.registrygc.manifest.Reference;
import io.registrygc.scan.RecentManifests.FreshLink;
import io.registrygc.scan.RecentManifests.Look;
import io.registrygc.scan.RecentManifests.Recent;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Online collection: keeps what manifests written during the run hold on to. Before a deletion phase, the
 * manifests whose revisions were written after the run's cutoff are given with what they reference; every plan
 * item not yet carried out that they hold (the manifest or a digest it references, and what scanned manifests among
 * those reference in turn, so an index pushed on top of old children keeps the children's layers) is marked as
 * drift: recorded, never carried out. A recent manifest that cannot be read holds unknown digests, so then no blob or
 * layer link of the phase goes at all.
 */
public final class PlanRecheck {

    private final JdbcTemplate jdbc;

    public PlanRecheck(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * At the start of a phase: forgets the manifests an earlier look found and marks what these hold; returns how
     * many plan items that kept.
     */
    public int holdWhatRecentManifestsReference(long runId, Look look) {
        jdbc.update("DELETE FROM gc_fresh_reference WHERE run_id = ?", runId);
        return holdAlsoWhatTheseReference(runId, look);
    }

    /**
     * During a phase: adds what a look found since the last one and marks what it holds; returns how many items
     * that kept. A layer link written during the run holds its blob: an upload or a mount of a blob the plan drops
     * is the first half of a push that will name it.
     */
    public int holdAlsoWhatTheseReference(long runId, Look look) {
        int kept = holdWhatFreshLinksName(runId, look.links());
        return look.manifests().isEmpty() ? kept : kept + holdWhatRecentManifestsName(runId, look.manifests());
    }

    private int holdWhatFreshLinksName(long runId, List<FreshLink> links) {
        if (links.isEmpty()) {
            return 0;
        }
        return jdbc.update(GcPlanner.bind(runId, """
                UPDATE :plan p
                   SET drift = 'changed since the plan: layer link ' || f.repository || '/_layers/' || f.digest
                               || ' was written during the run (an upload or a mount)'
                  FROM (SELECT DISTINCT ON (digest) repository, digest
                          FROM unnest(?::text[], ?::text[]) AS l (repository, digest) ORDER BY digest, repository) f
                 WHERE p.run_id = :run AND p.drift IS NULL AND p.digest = f.digest
                   AND NOT EXISTS (SELECT 1 FROM gc_audit a WHERE a.run_id = p.run_id AND a.seq = p.seq)
                   AND p.action = :deleteBlob"""),
                links.stream().map(FreshLink::repository).toArray(String[]::new),
                links.stream().map(l -> l.digest().toString()).toArray(String[]::new));
    }

    private int holdWhatRecentManifestsName(long runId, List<Recent> recent) {
        List<Object[]> rows = new ArrayList<>();
        for (Recent manifest : recent) {
            rows.add(new Object[] {runId, manifest.repository(), manifest.digest().toString(), manifest.digest().toString()});
            for (Reference target : manifest.references()) {
                rows.add(new Object[] {runId, manifest.repository(), manifest.digest().toString(), target.digest().toString()});
            }
        }
        if (!rows.isEmpty()) {
            jdbc.batchUpdate("""
                    INSERT INTO gc_fresh_reference (run_id, repository, manifest_digest, target_digest)
                    VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""", rows);
        }
        int kept = jdbc.update(GcPlanner.bind(runId, """
                WITH RECURSIVE held (repository, digest, via) AS (
                    SELECT repository, target_digest, manifest_digest FROM gc_fresh_reference WHERE run_id = :run
                    UNION
                    SELECT r.repository, r.target_digest, h.via FROM held h
                      JOIN gc_reference r ON r.run_id = :run AND r.repository = h.repository AND r.manifest_digest = h.digest
                ),
                holder (repository, digest, via) AS (
                    SELECT DISTINCT ON (repository, digest) repository, digest, via FROM held ORDER BY repository, digest, via
                )
                UPDATE :plan p
                   SET drift = 'changed since the plan: manifest ' || h.repository || '@' || h.via
                               || ', written during the run, holds it'
                  FROM holder h
                 WHERE p.run_id = :run AND p.drift IS NULL
                   AND NOT EXISTS (SELECT 1 FROM gc_audit a WHERE a.run_id = p.run_id AND a.seq = p.seq)
                   AND h.digest = p.digest
                   AND (p.action = :deleteBlob OR (p.action IN (:deleteManifest, :deleteLink) AND h.repository = p.repository))"""));
        kept += jdbc.update(GcPlanner.bind(runId, """
                UPDATE :plan p SET drift = 'changed since the plan: the repository holds a manifest written during the run'
                 WHERE p.run_id = :run AND p.drift IS NULL AND p.action = :deleteRepository
                   AND NOT EXISTS (SELECT 1 FROM gc_audit a WHERE a.run_id = p.run_id AND a.seq = p.seq)
                   AND EXISTS (SELECT 1 FROM gc_fresh_reference f WHERE f.run_id = :run AND f.repository = p.repository)"""));
        List<Recent> unreadable = recent.stream().filter(r -> r.unreadable().isPresent()).toList();
        if (!unreadable.isEmpty()) {
            Recent first = unreadable.get(0);
            kept += jdbc.update(GcPlanner.bind(runId, """
                    UPDATE :plan p SET drift = ?
                     WHERE p.run_id = :run AND p.drift IS NULL AND p.action IN (:deleteBlob, :deleteLink)
                       AND NOT EXISTS (SELECT 1 FROM gc_audit a WHERE a.run_id = p.run_id AND a.seq = p.seq)"""),
                    "changed since the plan: manifest " + first.repository() + "@" + first.digest()
                            + ", written during the run, cannot be read (" + first.unreadable().get()
                            + "), so what it references is unknown");
        }
        return kept;
    }
}
