-- Scanned state of the 100k-blob shape that once took the planner 252 s (issue: 2,000 nested repositories,
-- 9 Docker schema2 manifests each, two thirds untagged by re-tagging, 5 layers each, layers shared across
-- repositories, a few orphans), written straight into the gc_* tables of run :run for timing the planner alone.
-- Used by PlannerShapeTest; by hand: psql -v run=1 -v repos=2000 -f src/test/resources/planner-shape.sql
BEGIN;
INSERT INTO batch_job_instance (job_instance_id, version, job_name, job_key)
VALUES (:run, 0, 'registryGarbageCollection', md5('bench' || :run)) ON CONFLICT DO NOTHING;
DELETE FROM gc_run WHERE run_id = :run;
INSERT INTO gc_run (run_id, storage_root, dry_run, delete_untagged, min_age_seconds, cutoff)
VALUES (:run, '/bench/' || :run, true, true, 0, now());
INSERT INTO gc_repository (run_id, repository)
SELECT :run, 'org' || (r % 50) || '/team' || r || '/app' FROM generate_series(0, :repos - 1) r;
-- manifest m of repository r; layer l of it is drawn from a shared pool (neighbouring repositories share)
CREATE TEMP TABLE shape ON COMMIT DROP AS
SELECT r, m, 'org' || (r % 50) || '/team' || r || '/app' AS repository,
       'sha256:' || encode(sha256(('manifest ' || r || ' ' || m)::bytea), 'hex') AS manifest,
       'sha256:' || encode(sha256(('config ' || r || ' ' || m)::bytea), 'hex') AS config
  FROM generate_series(0, :repos - 1) r, generate_series(0, 8) m;
CREATE TEMP TABLE shape_layer ON COMMIT DROP AS
SELECT s.*, l, 'sha256:' || encode(sha256(('layer ' || ((s.r * 27 + s.m * 3 + l) % (:repos * 32)))::bytea), 'hex') AS layer
  FROM shape s, generate_series(0, 4) l;
INSERT INTO gc_manifest (run_id, repository, digest, kind, media_type, state, modified_at)
SELECT :run, repository, manifest, 'DOCKER_SCHEMA2', 'application/vnd.docker.distribution.manifest.v2+json', 'OK',
       now() - interval '2 days' FROM shape;
INSERT INTO gc_reference (run_id, repository, manifest_digest, kind, target_digest)
SELECT :run, repository, manifest, 'CONFIG', config FROM shape
UNION ALL SELECT :run, repository, manifest, 'LAYER', layer FROM shape_layer;
-- the newest three manifests of each repository are tagged; the six older ones were re-tagged away
INSERT INTO gc_tag (run_id, repository, tag, digest, modified_at)
SELECT :run, repository, 'v' || m, manifest, now() - interval '1 day' FROM shape WHERE m >= 6;
INSERT INTO gc_tag_index (run_id, repository, tag, digest)
SELECT :run, repository, 'v' || m, manifest FROM shape WHERE m >= 6;
-- named by their folders only, as a filesystem scan stores them: planning looks at those it may cut
INSERT INTO gc_layer_link (run_id, repository, digest, modified_at)
SELECT DISTINCT :run, repository, layer, CAST(NULL AS TIMESTAMPTZ) FROM shape_layer
UNION SELECT :run, repository, config, NULL FROM shape;
INSERT INTO gc_blob (run_id, digest, size, modified_at)
SELECT :run, d, CAST(NULL AS BIGINT), CAST(NULL AS TIMESTAMPTZ) FROM (
    SELECT manifest AS d FROM shape UNION SELECT config FROM shape UNION SELECT layer FROM shape_layer
    UNION SELECT 'sha256:' || encode(sha256(('orphan ' || o)::bytea), 'hex') FROM generate_series(1, 28) o) all_blobs;
COMMIT;
SELECT (SELECT COUNT(*) FROM gc_blob WHERE run_id = :run) AS blobs, (SELECT COUNT(*) FROM gc_manifest WHERE run_id = :run) AS manifests,
       (SELECT COUNT(*) FROM gc_layer_link WHERE run_id = :run) AS layer_links, (SELECT COUNT(*) FROM gc_reference WHERE run_id = :run) AS refs;
