-- The plan and the audit are written in bulk, one row per deletion (hundreds of thousands per run at 100,000 blobs),
-- and a foreign-key check per row was half the cost of writing them (COPY of 129,000 audit rows: 1.8 s with the two
-- checks, 0.8 s without). The checks never decided anything: a run's gc_run row is written before its scan and never
-- deleted (pruning drops the scan state only: plans, audit and history stay), and an audit row is written by a step
-- of the job execution it names, which Spring Batch recorded before the step started. The columns and their
-- indexes stay; only the per-row checks go, as they did for the scan state's partitions (V9).
ALTER TABLE gc_plan_item DROP CONSTRAINT IF EXISTS gc_plan_item_run_id_fkey;
ALTER TABLE gc_audit DROP CONSTRAINT IF EXISTS gc_audit_run_id_fkey;
ALTER TABLE gc_audit DROP CONSTRAINT IF EXISTS gc_audit_job_execution_id_fkey;
