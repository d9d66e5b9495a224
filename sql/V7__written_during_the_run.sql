-- Online collection: before each deletion phase the run reads again the manifest revisions written after its
-- cutoff (pushed, or pushed again, while it went on) and what they reference. Plan items those manifests hold on
-- to, directly or through the scanned manifests they reference, are kept (marked as drift) before they are done.
CREATE TABLE gc_fresh_reference (
    run_id          BIGINT NOT NULL REFERENCES gc_run ON DELETE CASCADE,
    repository      TEXT   NOT NULL,
    manifest_digest TEXT   NOT NULL,
    -- the manifest itself, or a digest it references (config, layer, child, subject)
    target_digest   TEXT   NOT NULL,
    PRIMARY KEY (run_id, repository, manifest_digest, target_digest)
);
