-- A run whose tags decide nothing (no --delete-untagged, --image or retention policy: every manifest is kept) does
-- not read them; its keep reasons say so instead of naming tags.
ALTER TABLE gc_run ADD COLUMN tags_read BOOLEAN NOT NULL DEFAULT TRUE;
