-- registry-gc state. Everything is keyed by run_id, the Spring Batch job instance id, so a resumed
-- execution finds the scan and the plan of the instance it resumes. Audit rows also name the job
-- execution that carried them out.

CREATE TABLE gc_run (
    run_id           BIGINT PRIMARY KEY REFERENCES batch_job_instance (job_instance_id),
    storage_root     TEXT        NOT NULL,
    dry_run          BOOLEAN     NOT NULL,
    delete_untagged  BOOLEAN     NOT NULL,
    min_age_seconds  BIGINT      NOT NULL,
    -- files modified after the cutoff are never deleted (pushes in flight)
    cutoff           TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    planned_at       TIMESTAMPTZ,
    -- why the blob sweep was not planned, when it was not
    sweep_blocked    TEXT
);

-- --image REPO (tag NULL) and --image REPO:TAG
CREATE TABLE gc_selection (
    run_id     BIGINT NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    repository TEXT   NOT NULL,
    tag        TEXT
);
CREATE UNIQUE INDEX gc_selection_uk ON gc_selection (run_id, repository, COALESCE(tag, ''));

CREATE TABLE gc_problem (
    id       BIGSERIAL PRIMARY KEY,
    run_id   BIGINT NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    path     TEXT   NOT NULL,
    message  TEXT   NOT NULL,
    impact   TEXT   NOT NULL CHECK (impact IN ('NOTED', 'REPOSITORY_KEPT', 'SWEEP_BLOCKED')),
    UNIQUE (run_id, path, message)
);

CREATE TABLE gc_repository (
    run_id     BIGINT NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    repository TEXT   NOT NULL,
    -- its tags or listing could not be read: every manifest of it is kept
    tainted    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (run_id, repository)
);

CREATE TABLE gc_manifest (
    run_id        BIGINT      NOT NULL,
    repository    TEXT        NOT NULL,
    digest        TEXT        NOT NULL,
    kind          TEXT,
    media_type    TEXT,
    -- OK, MISSING (revision whose blob data is gone), UNREADABLE, UNPARSEABLE
    state         TEXT        NOT NULL,
    problem       TEXT,
    modified_at   TIMESTAMPTZ NOT NULL,
    -- set by the planner: an explicit --image selection, and the reasons of the decision
    selected      BOOLEAN     NOT NULL DEFAULT FALSE,
    delete_reason TEXT,
    keep_reason   TEXT,
    PRIMARY KEY (run_id, repository, digest),
    FOREIGN KEY (run_id, repository) REFERENCES gc_repository ON DELETE CASCADE
);

CREATE TABLE gc_tag (
    run_id      BIGINT      NOT NULL,
    repository  TEXT        NOT NULL,
    tag         TEXT        NOT NULL,
    digest      TEXT, -- NULL: its current link is missing or corrupt
    modified_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, repository, tag),
    FOREIGN KEY (run_id, repository) REFERENCES gc_repository ON DELETE CASCADE
);
CREATE INDEX gc_tag_digest ON gc_tag (run_id, repository, digest);

CREATE TABLE gc_tag_index (
    run_id     BIGINT NOT NULL,
    repository TEXT   NOT NULL,
    tag        TEXT   NOT NULL,
    digest     TEXT   NOT NULL,
    PRIMARY KEY (run_id, repository, digest, tag),
    FOREIGN KEY (run_id, repository) REFERENCES gc_repository ON DELETE CASCADE
);

-- what a manifest references: CONFIG, LAYER, FOREIGN_LAYER, CHILD (same repository), SUBJECT
CREATE TABLE gc_reference (
    run_id          BIGINT NOT NULL,
    repository      TEXT   NOT NULL,
    manifest_digest TEXT   NOT NULL,
    kind            TEXT   NOT NULL,
    target_digest   TEXT   NOT NULL,
    PRIMARY KEY (run_id, repository, manifest_digest, kind, target_digest),
    FOREIGN KEY (run_id, repository) REFERENCES gc_repository ON DELETE CASCADE
);
CREATE INDEX gc_reference_target ON gc_reference (run_id, repository, target_digest, kind);

CREATE TABLE gc_layer_link (
    run_id      BIGINT      NOT NULL,
    repository  TEXT        NOT NULL,
    digest      TEXT        NOT NULL,
    modified_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, repository, digest),
    FOREIGN KEY (run_id, repository) REFERENCES gc_repository ON DELETE CASCADE
);

CREATE TABLE gc_blob (
    run_id      BIGINT      NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    digest      TEXT        NOT NULL,
    size        BIGINT      NOT NULL, -- -1: the folder has no data file
    modified_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, digest)
);

-- The plan: every deletion the run will carry out, in order, with its reason. A dry run stops here
-- (and records the plan in gc_audit as 'planned'); a real run executes it phase by phase.
CREATE TABLE gc_plan_item (
    run_id     BIGINT NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    phase      TEXT   NOT NULL CHECK (phase IN ('MANIFESTS', 'BLOBS')),
    action     TEXT   NOT NULL CHECK (action IN ('DELETE_TAG', 'DELETE_MANIFEST', 'DELETE_LAYER_LINK',
                                                 'DELETE_REPOSITORY', 'DELETE_BLOB')),
    repository TEXT,
    tag        TEXT,
    digest     TEXT,
    bytes      BIGINT NOT NULL DEFAULT 0,
    reason     TEXT   NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX gc_plan_item_phase ON gc_plan_item (run_id, phase, seq);

-- Every deletion carried out (or, in a dry run, planned), by the execution that did it.
CREATE TABLE gc_audit (
    id               BIGSERIAL PRIMARY KEY,
    run_id           BIGINT      NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    job_execution_id BIGINT      NOT NULL REFERENCES batch_job_execution (job_execution_id),
    seq              BIGINT      NOT NULL,
    action           TEXT        NOT NULL,
    repository       TEXT,
    tag              TEXT,
    digest           TEXT,
    bytes            BIGINT      NOT NULL,
    reason           TEXT        NOT NULL,
    -- DELETED, ALREADY_GONE (removed before, e.g. by an execution that failed before committing),
    -- KEPT_CHANGED (modified since the scan, so kept), PLANNED (dry run)
    outcome          TEXT        NOT NULL,
    dry_run          BOOLEAN     NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (run_id, seq)
);
CREATE INDEX gc_audit_execution ON gc_audit (job_execution_id);

-- Who holds the single-instance lock of a storage root (the lock itself is a PostgreSQL advisory lock).
CREATE TABLE gc_lock_holder (
    storage_root     TEXT PRIMARY KEY,
    host             TEXT        NOT NULL,
    pid              BIGINT      NOT NULL,
    job_execution_id BIGINT,
    acquired_at      TIMESTAMPTZ NOT NULL
);
