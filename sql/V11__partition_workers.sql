-- Which process executed each partition of a partitioned step (a local thread or a remote worker), its heartbeat
-- while it runs and when it ended: the manager fails a run whose worker stopped beating, history names the worker.
CREATE TABLE gc_partition (
    step_execution_id BIGINT PRIMARY KEY,
    job_execution_id  BIGINT      NOT NULL,
    step_name         TEXT        NOT NULL,
    worker_host       TEXT        NOT NULL,
    worker_pid        BIGINT      NOT NULL,
    remote            BOOLEAN     NOT NULL,
    started_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at          TIMESTAMPTZ
);
CREATE INDEX gc_partition_job_execution ON gc_partition (job_execution_id);

-- The storage lease the lock's holder took: a remote worker checks, before it deletes, that the run it works for
-- still holds both the lock and the lease.
ALTER TABLE gc_lock_holder ADD COLUMN lease_id TEXT;
