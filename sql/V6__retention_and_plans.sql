-- Retention policies, applied plans and accounting per rule.

-- A run's settings are job parameters, and a retention policy file does not fit in Spring Batch's VARCHAR(2500).
ALTER TABLE batch_job_execution_params ALTER COLUMN parameter_value TYPE TEXT;

-- The policy's decision on each tag (KEEP or DELETE), the rule that made it and why; NULL: no policy applies.
ALTER TABLE gc_tag ADD COLUMN policy_verdict TEXT CHECK (policy_verdict IN ('KEEP', 'DELETE'));
ALTER TABLE gc_tag ADD COLUMN policy_rule TEXT;
ALTER TABLE gc_tag ADD COLUMN policy_reason TEXT;
-- Set by the planner: why the tag goes (selected by --image, deleted by a policy); NULL: the tag survives.
ALTER TABLE gc_tag ADD COLUMN delete_reason TEXT;
ALTER TABLE gc_tag ADD COLUMN delete_rule TEXT;

-- An untagged manifest a policy's delete-untagged rule deletes, and why.
ALTER TABLE gc_manifest ADD COLUMN policy_rule TEXT;
ALTER TABLE gc_manifest ADD COLUMN policy_reason TEXT;
-- Set by the planner: the rule a deleted manifest is accounted to.
ALTER TABLE gc_manifest ADD COLUMN delete_rule TEXT;

-- The rule every planned and audited deletion is accounted to; for a blob, the rule of the deleted manifest
-- that referenced it.
ALTER TABLE gc_plan_item ADD COLUMN rule TEXT;
ALTER TABLE gc_audit ADD COLUMN rule TEXT;

-- A run that applies a dry run's plan ('registry-gc apply'): the dry run's job instance. Its plan is the dry
-- run's items, each re-validated against a fresh scan; 'drift' says why an item no longer holds (then it is
-- recorded as DRIFTED, not carried out).
ALTER TABLE gc_run ADD COLUMN applies_run_id BIGINT REFERENCES gc_run (run_id);
ALTER TABLE gc_plan_item ADD COLUMN drift TEXT;
