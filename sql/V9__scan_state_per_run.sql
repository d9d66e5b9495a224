-- The bulk scan state of a run (hundreds of thousands of rows per run at 100,000 blobs) lives in partitions of its
-- own: gc_manifest_r<run_id>, gc_blob_r<run_id>, ... Statistics are gathered on the run's partitions only (not on
-- every earlier run's rows), a run's state is dropped at once when it is pruned, and rows are written without
-- foreign-key checks (the run's partitions exist exactly as long as its gc_run row). A trigger on gc_run creates the
-- partitions when a run is recorded and drops them when it is deleted; pruning old runs detaches and drops them.

CREATE FUNCTION gc_scan_tables() RETURNS TEXT[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['gc_manifest', 'gc_tag', 'gc_tag_index', 'gc_reference', 'gc_layer_link', 'gc_blob',
                 'gc_kept_digest', 'gc_fresh_reference']
$$;

-- Created then attached (not CREATE ... PARTITION OF): attaching takes a lock that does not block the queries of
-- other runs on the same tables.
CREATE FUNCTION gc_create_scan_partitions(run BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    parent TEXT;
BEGIN
    FOREACH parent IN ARRAY gc_scan_tables() LOOP
        IF to_regclass(parent || '_r' || run) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', parent || '_r' || run, parent);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)', parent, parent || '_r' || run, run);
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION gc_drop_scan_partitions(run BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    parent TEXT;
BEGIN
    FOREACH parent IN ARRAY gc_scan_tables() LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I', parent || '_r' || run);
    END LOOP;
END
$$;

CREATE FUNCTION gc_run_partitions() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM gc_create_scan_partitions(NEW.run_id);
        RETURN NEW;
    END IF;
    PERFORM gc_drop_scan_partitions(OLD.run_id);
    RETURN OLD;
END
$$;

-- the tables as they were, renamed, then each one again, partitioned by run, with the same columns
ALTER TABLE gc_manifest RENAME TO gc_manifest_v8;
ALTER TABLE gc_tag RENAME TO gc_tag_v8;
ALTER TABLE gc_tag_index RENAME TO gc_tag_index_v8;
ALTER TABLE gc_reference RENAME TO gc_reference_v8;
ALTER TABLE gc_layer_link RENAME TO gc_layer_link_v8;
ALTER TABLE gc_blob RENAME TO gc_blob_v8;
ALTER TABLE gc_kept_digest RENAME TO gc_kept_digest_v8;
ALTER TABLE gc_fresh_reference RENAME TO gc_fresh_reference_v8;

CREATE TABLE gc_manifest (LIKE gc_manifest_v8 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (run_id);
CREATE TABLE gc_tag (LIKE gc_tag_v8 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (run_id);
CREATE TABLE gc_tag_index (LIKE gc_tag_index_v8 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (run_id);
CREATE TABLE gc_reference (LIKE gc_reference_v8 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (run_id);
CREATE TABLE gc_layer_link (LIKE gc_layer_link_v8 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (run_id);
CREATE TABLE gc_blob (LIKE gc_blob_v8 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (run_id);
CREATE TABLE gc_kept_digest (LIKE gc_kept_digest_v8 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (run_id);
CREATE TABLE gc_fresh_reference (LIKE gc_fresh_reference_v8 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (run_id);

SELECT gc_create_scan_partitions(run_id) FROM gc_run;

INSERT INTO gc_manifest SELECT * FROM gc_manifest_v8;
INSERT INTO gc_tag SELECT * FROM gc_tag_v8;
INSERT INTO gc_tag_index SELECT * FROM gc_tag_index_v8;
INSERT INTO gc_reference SELECT * FROM gc_reference_v8;
INSERT INTO gc_layer_link SELECT * FROM gc_layer_link_v8;
INSERT INTO gc_blob SELECT * FROM gc_blob_v8;
INSERT INTO gc_kept_digest SELECT * FROM gc_kept_digest_v8;
INSERT INTO gc_fresh_reference SELECT * FROM gc_fresh_reference_v8;

DROP TABLE gc_manifest_v8, gc_tag_v8, gc_tag_index_v8, gc_reference_v8, gc_layer_link_v8, gc_blob_v8,
           gc_kept_digest_v8, gc_fresh_reference_v8;

-- keys and indexes on the partitioned tables (each partition gets its own; a partition holds one run, so an index
-- that need not be unique leaves run_id out); only the lookups the run makes are indexed
ALTER TABLE gc_manifest ADD PRIMARY KEY (run_id, repository, digest);
ALTER TABLE gc_tag ADD PRIMARY KEY (run_id, repository, tag);
CREATE INDEX gc_tag_digest ON gc_tag (repository, digest);
ALTER TABLE gc_tag_index ADD PRIMARY KEY (run_id, repository, digest, tag);
-- (a manifest's references are looked up by manifest only; the scan writes each reference of a manifest once)
CREATE INDEX gc_reference_manifest ON gc_reference (repository, manifest_digest);
ALTER TABLE gc_layer_link ADD PRIMARY KEY (run_id, repository, digest);
ALTER TABLE gc_blob ADD PRIMARY KEY (run_id, digest);
-- (gc_kept_digest has no index: it is only ever joined by hash)
ALTER TABLE gc_fresh_reference ADD PRIMARY KEY (run_id, repository, manifest_digest, target_digest);

-- gc_repository is small (a row per repository) and stays one table; without the foreign keys that pointed at it
-- it is cleared with the run's state
CREATE TRIGGER gc_run_partitions AFTER INSERT OR DELETE ON gc_run
    FOR EACH ROW EXECUTE FUNCTION gc_run_partitions();

-- when the run's scan state was dropped (its plan, audit, problems and history stay)
ALTER TABLE gc_run ADD COLUMN scan_pruned_at TIMESTAMPTZ;

-- gc_plan_item_part (run_id, phase, part, seq) serves every lookup by (run_id, phase) as well
DROP INDEX gc_plan_item_phase;
