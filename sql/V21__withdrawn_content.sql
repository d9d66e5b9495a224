-- Online collection (the registry takes pushes during the run): the content of each small JSON blob (a manifest, an
-- image configuration) the sweep deletes, kept with the run's scan state just before its data goes. A push of a
-- manifest whose blob exists writes only the manifest's links (Distribution's blobStore.Put looks at the data and
-- skips the write); when the sweep deletes that data between the registry's look and its link write, the next look
-- finds the new revision and writes the data back from here. Pruned with the run's scan state.
CREATE TABLE gc_withdrawn_content (
    run_id  BIGINT NOT NULL,
    digest  TEXT   NOT NULL,
    content BYTEA  NOT NULL
) PARTITION BY LIST (run_id);
ALTER TABLE gc_withdrawn_content ADD PRIMARY KEY (run_id, digest);

CREATE OR REPLACE FUNCTION gc_scan_tables() RETURNS TEXT[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['gc_manifest', 'gc_tag', 'gc_tag_index', 'gc_reference', 'gc_layer_link', 'gc_blob',
                 'gc_fresh_reference', 'gc_withdrawn_content']
$$;

-- the runs whose scan state is still there (a resume may sweep on) get the new table's partition; pruned runs none
DO $$
DECLARE
    run BIGINT;
BEGIN
    FOR run IN SELECT run_id FROM gc_run WHERE to_regclass('gc_blob_r' || run_id) IS NOT NULL LOOP
        EXECUTE format('CREATE TABLE %I (LIKE gc_withdrawn_content INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                       'gc_withdrawn_content_r' || run);
        EXECUTE format('ALTER TABLE gc_withdrawn_content ATTACH PARTITION %I FOR VALUES IN (%s)',
                       'gc_withdrawn_content_r' || run, run);
    END LOOP;
END
$$;
