-- On a filesystem the scan names a repository's layer links from their folders' names and does not look inside each
-- folder (that look was half of a cold scan's reads): modified_at stays NULL until planning looks at the links it may
-- act on (those no kept manifest of their repository references), sets their time, and drops the rows of folders
-- that turn out to hold no link. A NULL time is never compared: planning reads times only of links it looked at.
ALTER TABLE gc_layer_link ALTER COLUMN modified_at DROP NOT NULL;

-- Planning sets the time of up to every link a run may cut (two thirds of them with --delete-untagged on a registry
-- re-tagged twice per release): with room left on the page each update stays on it (HOT, no new primary-key entry),
-- as V14 does for the manifests. Measured on 53,351 of 84,459 links: the update took 386 ms on full pages.
CREATE OR REPLACE FUNCTION gc_create_scan_partitions(run BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    parent TEXT;
BEGIN
    FOREACH parent IN ARRAY gc_scan_tables() LOOP
        IF to_regclass(parent || '_r' || run) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)%s', parent || '_r' || run,
                           parent, CASE parent WHEN 'gc_manifest' THEN ' WITH (fillfactor = 35)'
                                               WHEN 'gc_layer_link' THEN ' WITH (fillfactor = 50)' ELSE '' END);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)', parent, parent || '_r' || run, run);
        END IF;
    END LOOP;
END
$$;
