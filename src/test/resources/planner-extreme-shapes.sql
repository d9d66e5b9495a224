-- Extreme shapes written into run :run next to a small planner-shape.sql registry (its run says --delete-untagged).
-- Chains of :depth manifests, each reached from the one before: an index chain tagged at its head (kept whole), the
-- same chain untagged (deleted whole), one whose head's tag is selected by --image (deleted with its children), and
-- an image whose referrers refer to each other (a signature of a signature ...: kept whole). And one manifest
-- under :depth tags, one of them selected by --image (the tag goes, the manifest stays).
-- Used by PlannerShapeTest; by hand after planner-shape.sql: psql -v run=1 -v depth=2000 -f ...
BEGIN;
INSERT INTO gc_repository (run_id, repository)
SELECT :run, unnest(ARRAY['deep/tagged', 'deep/untagged', 'deep/selected', 'deep/referrers']);
CREATE TEMP TABLE chain ON COMMIT DROP AS
SELECT repository, i, 'sha256:' || encode(sha256((repository || ' manifest ' || i)::bytea), 'hex') AS digest,
       'sha256:' || encode(sha256((repository || ' manifest ' || (i + 1))::bytea), 'hex') AS next
  FROM unnest(ARRAY['deep/tagged', 'deep/untagged', 'deep/selected', 'deep/referrers']) repository,
       generate_series(0, :depth - 1) i;
INSERT INTO gc_manifest (run_id, repository, digest, kind, media_type, state, modified_at)
SELECT :run, repository, digest, 'OCI_INDEX', 'application/vnd.oci.image.index.v1+json', 'OK', now() - interval '2 days'
  FROM chain;
-- index i lists index i + 1; in deep/referrers manifest i + 1 names manifest i as its subject
INSERT INTO gc_reference (run_id, repository, manifest_digest, kind, target_digest)
SELECT :run, repository, digest, 'CHILD', next FROM chain WHERE i < :depth - 1 AND repository <> 'deep/referrers'
UNION ALL
SELECT :run, repository, next, 'SUBJECT', digest FROM chain WHERE i < :depth - 1 AND repository = 'deep/referrers';
INSERT INTO gc_tag (run_id, repository, tag, digest, modified_at)
SELECT :run, repository, 'latest', digest, now() - interval '1 day' FROM chain
 WHERE i = 0 AND repository IN ('deep/tagged', 'deep/selected', 'deep/referrers');
INSERT INTO gc_tag_index (run_id, repository, tag, digest)
SELECT :run, repository, 'latest', digest FROM chain
 WHERE i = 0 AND repository IN ('deep/tagged', 'deep/selected', 'deep/referrers');
INSERT INTO gc_selection (run_id, repository, tag) VALUES (:run, 'deep/selected', 'latest');
INSERT INTO gc_blob (run_id, digest) SELECT :run, digest FROM chain;
INSERT INTO gc_repository (run_id, repository) VALUES (:run, 'crowd/tags');
INSERT INTO gc_manifest (run_id, repository, digest, kind, media_type, state, modified_at)
VALUES (:run, 'crowd/tags', 'sha256:' || encode(sha256('crowded'::bytea), 'hex'), 'DOCKER_SCHEMA2',
        'application/vnd.docker.distribution.manifest.v2+json', 'OK', now() - interval '2 days');
INSERT INTO gc_tag (run_id, repository, tag, digest, modified_at)
SELECT :run, 'crowd/tags', 'tag-' || i, 'sha256:' || encode(sha256('crowded'::bytea), 'hex'), now() - interval '1 day'
  FROM generate_series(0, :depth - 1) i;
INSERT INTO gc_tag_index (run_id, repository, tag, digest)
SELECT :run, 'crowd/tags', 'tag-' || i, 'sha256:' || encode(sha256('crowded'::bytea), 'hex')
  FROM generate_series(0, :depth - 1) i;
INSERT INTO gc_selection (run_id, repository, tag) VALUES (:run, 'crowd/tags', 'tag-17');
INSERT INTO gc_blob (run_id, digest) VALUES (:run, 'sha256:' || encode(sha256('crowded'::bytea), 'hex'));
COMMIT;
