-- Each job execution of a run, written by the run as it starts and ends. The launcher and history find runs
-- here (and read the executions themselves through Spring Batch's API), never in batch_job_execution_params,
-- whose layout belongs to Spring Batch.
CREATE TABLE gc_execution (
    job_execution_id BIGINT PRIMARY KEY REFERENCES batch_job_execution (job_execution_id),
    run_id           BIGINT      NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    started_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- as the execution recorded it when it ended; NULL while running, and for an execution killed on its way
    status           TEXT,
    ended_at         TIMESTAMPTZ
);
CREATE INDEX gc_execution_run ON gc_execution (run_id);
CREATE INDEX gc_run_storage_root ON gc_run (storage_root);

-- executions of earlier versions
INSERT INTO gc_execution (job_execution_id, run_id, started_at, status, ended_at)
SELECT e.job_execution_id, e.job_instance_id, COALESCE(e.start_time, e.create_time), e.status, e.end_time
  FROM batch_job_execution e JOIN gc_run r ON r.run_id = e.job_instance_id;
