-- Requests an execution made to an object store (S3), by kind: there every request is billed.
CREATE TABLE gc_storage_request (
    job_execution_id BIGINT      NOT NULL,
    run_id           BIGINT      NOT NULL,
    kind             VARCHAR(10) NOT NULL,
    requests         BIGINT      NOT NULL,
    PRIMARY KEY (job_execution_id, kind)
);
CREATE INDEX gc_storage_request_run ON gc_storage_request (run_id);
