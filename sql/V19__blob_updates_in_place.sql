-- Planning sets the size and time of every blob a run may delete (V16: the scan only names them), up to every blob of
-- the run. On pages filled to the brim each such update writes the row to another page and a new entry into the
-- primary key; with room left on the page it stays there (HOT), as V15 does for the layer links.
CREATE OR REPLACE FUNCTION gc_create_scan_partitions(run BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    parent TEXT;
BEGIN
    FOREACH parent IN ARRAY gc_scan_tables() LOOP
        IF to_regclass(parent || '_r' || run) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)%s', parent || '_r' || run,
                           parent, CASE parent WHEN 'gc_manifest' THEN ' WITH (fillfactor = 35)'
                                               WHEN 'gc_layer_link' THEN ' WITH (fillfactor = 50)'
                                               WHEN 'gc_blob' THEN ' WITH (fillfactor = 50)' ELSE '' END);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)', parent, parent || '_r' || run, run);
        END IF;
    END LOOP;
END
$$;
