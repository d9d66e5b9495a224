-- Spring Batch's schema has no index on its foreign keys: every lookup of a run's step executions (about 70 per run:
-- the partitions of three steps and the tasklets), of a job instance's executions and of an execution's parameters
-- scanned the whole history. A run then took longer the more runs came before it (1.1 ms a lookup after 90 runs, and
-- `history` read every execution's steps that way), where a scheduler keeps the history for years.
CREATE INDEX batch_step_execution_by_job_execution ON batch_step_execution (job_execution_id, step_execution_id);
CREATE INDEX batch_job_execution_by_instance ON batch_job_execution (job_instance_id);
CREATE INDEX batch_job_execution_params_by_execution ON batch_job_execution_params (job_execution_id);
