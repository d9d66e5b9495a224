-- What the kept manifests of a run hold on to, per repository: the kept manifests themselves and every digest
-- they reference. Computed once by the planner and given statistics before it is queried, so that the sweep's
-- anti-joins against it are hash joins whatever the shape of the registry (the correlated form estimated 18
-- rows where 36,000 came back and chose a nested loop that ran for minutes).
CREATE TABLE gc_kept_digest (
    run_id     BIGINT NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    repository TEXT   NOT NULL,
    digest     TEXT   NOT NULL,
    PRIMARY KEY (run_id, repository, digest)
);
CREATE INDEX gc_kept_digest_digest ON gc_kept_digest (run_id, digest);
