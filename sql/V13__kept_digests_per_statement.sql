-- The kept digests of a run are computed inside the planning statements that need them (a materialized CTE joined by
-- hash, planning having nested loops and merge joins off) rather than written to a table first: writing and
-- analyzing 140,000 rows took a quarter of the planning of a 100,000-blob run. The table and its partitions go.
CREATE OR REPLACE FUNCTION gc_scan_tables() RETURNS TEXT[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['gc_manifest', 'gc_tag', 'gc_tag_index', 'gc_reference', 'gc_layer_link', 'gc_blob',
                 'gc_fresh_reference']
$$;

DROP TABLE gc_kept_digest;
