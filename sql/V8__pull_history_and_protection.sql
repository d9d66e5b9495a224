-- Pull history from the registry's own logs (--pull-log), kept across runs per storage root, and references that
-- must not be deleted because a cluster runs them (--protect).

-- How far each log file has been read: a file is known by its identity (inode and first bytes; for gzip, a hash of
-- its start), so a rotated or truncated file is read again from its start.
CREATE TABLE gc_pull_log (
    storage_root TEXT        NOT NULL,
    identity     TEXT        NOT NULL,
    path         TEXT        NOT NULL, -- where it was last read (a rotated file keeps its identity under a new name)
    offset_bytes BIGINT      NOT NULL,
    size_bytes   BIGINT      NOT NULL,
    line_count   BIGINT      NOT NULL, -- lines before offset_bytes (-1: unknown, counted again), so line numbers stay absolute
    read_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (storage_root, identity)
);

-- The last successful manifest read (GET or HEAD) of each manifest, and the log line that says so.
CREATE TABLE gc_pull (
    storage_root TEXT        NOT NULL,
    repository   TEXT        NOT NULL,
    digest       TEXT        NOT NULL,
    pulled_at    TIMESTAMPTZ NOT NULL,
    source       TEXT        NOT NULL,
    PRIMARY KEY (storage_root, repository, digest)
);

-- References a run must keep whatever any rule says (a tag, or a digest), and where they were listed.
CREATE TABLE gc_protection (
    run_id     BIGINT NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    repository TEXT   NOT NULL,
    tag        TEXT,
    digest     TEXT,
    source     TEXT   NOT NULL,
    CHECK ((tag IS NULL) <> (digest IS NULL))
);
CREATE INDEX gc_protection_run ON gc_protection (run_id, repository);

-- What a run read of each pull log: for its summary and report.
CREATE TABLE gc_pull_read (
    run_id     BIGINT NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    path       TEXT   NOT NULL,
    lines_read BIGINT NOT NULL,
    pulls      BIGINT NOT NULL,
    malformed  BIGINT NOT NULL,
    unresolved BIGINT NOT NULL,
    -- what the reader could not take as it was (a truncated archive, a truncated file, lines not understood)
    warnings   TEXT,
    PRIMARY KEY (run_id, path)
);
