-- Each run's plan lives in a partition of its own, gc_plan_item_r<run_id>, as its scan state does (V9). Planning makes
-- it as a plain table in its own transaction, fills it, and only then attaches it: the attach builds the indexes at
-- once, from the sorted rows, instead of one entry per row as the rows are written (at a million blobs, 13.6 s of a
-- 17.5 s write became 4.5 s), and on a server without replication (the embedded one) a table made in the same
-- transaction is written without WAL. Attaching takes a lock that does not block other runs' reads and writes.
ALTER TABLE gc_plan_item RENAME TO gc_plan_item_v19;
ALTER TABLE gc_plan_item_v19 RENAME CONSTRAINT gc_plan_item_pkey TO gc_plan_item_v19_pkey;
ALTER INDEX gc_plan_item_part RENAME TO gc_plan_item_v19_part;

CREATE TABLE gc_plan_item (LIKE gc_plan_item_v19 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (run_id);
ALTER TABLE gc_plan_item ADD PRIMARY KEY (run_id, seq);
CREATE INDEX gc_plan_item_part ON gc_plan_item (run_id, phase, part, seq);

DO $$
DECLARE
    run BIGINT;
BEGIN
    FOR run IN SELECT DISTINCT run_id FROM gc_plan_item_v19 LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF gc_plan_item FOR VALUES IN (%s)', 'gc_plan_item_r' || run, run);
    END LOOP;
END
$$;
INSERT INTO gc_plan_item SELECT * FROM gc_plan_item_v19;
DROP TABLE gc_plan_item_v19;

-- Planning no longer writes the times it looks up into the scanned layer links and blobs (it keeps them with its
-- candidates), so their partitions need no room for updates in place any more (V15, V19): full pages, half the pages
-- to read. The manifests' partitions keep theirs: planning decides every manifest in place.
CREATE OR REPLACE FUNCTION gc_create_scan_partitions(run BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    parent TEXT;
BEGIN
    FOREACH parent IN ARRAY gc_scan_tables() LOOP
        IF to_regclass(parent || '_r' || run) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)%s', parent || '_r' || run,
                           parent, CASE parent WHEN 'gc_manifest' THEN ' WITH (fillfactor = 35)' ELSE '' END);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)', parent, parent || '_r' || run, run);
        END IF;
    END LOOP;
END
$$;

-- a run that is deleted (not pruned: pruning keeps the plan) takes its plan along, as it takes its scan state
CREATE OR REPLACE FUNCTION gc_run_partitions() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM gc_create_scan_partitions(NEW.run_id);
        RETURN NEW;
    END IF;
    PERFORM gc_drop_scan_partitions(OLD.run_id);
    EXECUTE format('DROP TABLE IF EXISTS %I', 'gc_plan_item_r' || OLD.run_id);
    RETURN OLD;
END
$$;
