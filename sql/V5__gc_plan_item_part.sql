-- The sweep runs in sixteen partitions by the first hex digit of the digest: each plan item says which.
ALTER TABLE gc_plan_item ADD COLUMN part SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX gc_plan_item_part ON gc_plan_item (run_id, phase, part, seq);
