package io.registrygc.scan;

import io.registrygc.db.BulkCopy;
import io.registrygc.db.RunPartitions;
import io.registrygc.manifest.ParsedManifest;
import io.registrygc.manifest.Reference;
import io.registrygc.policy.Retention.TagDecision;
import io.registrygc.policy.Retention.UntaggedDecision;
import io.registrygc.storage.BlobEntry;
import io.registrygc.storage.LinkEntry;
import io.registrygc.storage.StorageProblem;
import io.registrygc.storage.TagEntry;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.Map;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Writes what the scan found into PostgreSQL ({@code gc_repository}, {@code gc_manifest}, ...), in bulk.
 * A chunk's rows are copied in bulk in the chunk's transaction, with its checkpoint: a restart never writes a
 * target twice, and a scan started again from the beginning first clears the run's state.
 */
public final class ScanStateStore {

    private final JdbcTemplate jdbc;
    private final BulkCopy copy;

    public ScanStateStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.copy = new BulkCopy(jdbc.getDataSource());
    }

    public static OffsetDateTime timestamp(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** Forgets a scan that is started from the beginning again. */
    public void clearScan(long runId) {
        jdbc.execute("DROP TABLE IF EXISTS " + RunPartitions.of("gc_plan_item", runId)); // the plan's partition (V20)
        jdbc.update("DELETE FROM gc_repository WHERE run_id = ?", runId);
        RunPartitions.truncate(jdbc, runId);
        jdbc.update("DELETE FROM gc_problem WHERE run_id = ?", runId);
        jdbc.update("UPDATE gc_run SET planned_at = NULL, sweep_blocked = NULL WHERE run_id = ?", runId);
    }

    public void store(long runId, List<? extends ScanResult> results) {
        List<Object[]> repositories = new ArrayList<>();
        List<Object[]> manifests = new ArrayList<>();
        List<Object[]> references = new ArrayList<>();
        List<Object[]> tags = new ArrayList<>();
        List<Object[]> tagIndex = new ArrayList<>();
        List<Object[]> layerLinks = new ArrayList<>();
        List<Object[]> blobs = new ArrayList<>();
        List<Object[]> problems = new ArrayList<>();
        for (ScanResult result : results) {
            for (StorageProblem problem : result.problems()) {
                problems.add(new Object[] {runId, problem.path(), problem.message(), problem.impact().name()});
            }
            if (result instanceof ScanResult.Blobs found) {
                for (BlobEntry blob : found.blobs()) {
                    // a blob only named (on a filesystem) has no size or time yet: planning looks at those it may delete
                    blobs.add(new Object[] {runId, blob.digest().toString(), blob.lookedAt() ? blob.size() : null,
                            blob.lookedAt() ? timestamp(blob.modified()) : null});
                }
            } else if (result instanceof ScanResult.Repository repository) {
                String name = repository.listing().name();
                repositories.add(new Object[] {runId, name, repository.tainted()});
                Map<String, TagDecision> tagDecisions = new HashMap<>();
                Map<String, UntaggedDecision> untagged = new HashMap<>();
                repository.retention().ifPresent(decided -> {
                    decided.tags().forEach(d -> tagDecisions.put(d.tag(), d));
                    decided.untagged().forEach(d -> untagged.put(d.digest(), d));
                });
                for (ScannedManifest manifest : repository.manifests()) {
                    String digest = manifest.digest().toString();
                    ParsedManifest parsed = manifest.parsed().orElse(null);
                    UntaggedDecision deleted = untagged.get(digest);
                    manifests.add(new Object[] {runId, name, digest,
                            parsed == null ? null : parsed.kind().name(), parsed == null ? null : parsed.mediaType(),
                            manifest.state().name(), manifest.problem(), timestamp(manifest.modified()),
                            deleted == null ? null : deleted.rule(), deleted == null ? null : deleted.reason()});
                    if (parsed != null) {
                        // a manifest may list one layer twice; it is one reference
                        Set<String> seen = new HashSet<>();
                        for (Reference reference : parsed.references()) {
                            if (!seen.add(reference.kind().name() + reference.digest())) {
                                continue;
                            }
                            references.add(new Object[] {runId, name, digest, reference.kind().name(),
                                    reference.digest().toString()});
                        }
                    }
                }
                for (TagEntry tag : repository.listing().tags()) {
                    TagDecision decision = tagDecisions.get(tag.name());
                    tags.add(new Object[] {runId, name, tag.name(), tag.current().map(Object::toString).orElse(null),
                            timestamp(tag.modified()), decision == null ? null : decision.verdict().name(),
                            decision == null ? null : decision.rule(), decision == null ? null : decision.reason()});
                    tag.index().forEach(d -> tagIndex.add(new Object[] {runId, name, tag.name(), d.toString()}));
                }
                for (LinkEntry link : repository.listing().layerLinks()) {
                    // a link only named (on a filesystem) has no time yet: planning looks at those it may act on
                    layerLinks.add(new Object[] {runId, name, link.digest().toString(),
                            link.lookedAt() ? timestamp(link.modified()) : null});
                }
            }
        }
        batch("INSERT INTO gc_repository (run_id, repository, tainted) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", repositories);
        copy.copy("gc_manifest", "run_id, repository, digest, kind, media_type, state, problem, modified_at, policy_rule,"
                + " policy_reason", manifests);
        copy.copy("gc_reference", "run_id, repository, manifest_digest, kind, target_digest", references);
        copy.copy("gc_tag", "run_id, repository, tag, digest, modified_at, policy_verdict, policy_rule, policy_reason", tags);
        copy.copy("gc_tag_index", "run_id, repository, tag, digest", tagIndex);
        copy.copy("gc_layer_link", "run_id, repository, digest, modified_at", layerLinks);
        copy.copy("gc_blob", "run_id, digest, size, modified_at", blobs);
        batch("INSERT INTO gc_problem (run_id, path, message, impact) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", problems);
    }

    private void batch(String sql, List<Object[]> rows) {
        if (!rows.isEmpty()) {
            jdbc.batchUpdate(sql, rows);
        }
    }
}
