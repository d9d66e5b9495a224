-- On a filesystem the scan names the blobs of a shard from its listing and does not look inside each folder (that
-- look, two inodes a blob, was most of a cold scan's reads at a million blobs): size and modified_at stay NULL until
-- planning looks at the blobs it may delete (those no kept manifest references), sets both, and drops the rows of
-- folders that turn out to be no blob. A NULL time is never compared: planning reads times only of blobs it looked at.
ALTER TABLE gc_blob ALTER COLUMN size DROP NOT NULL;
ALTER TABLE gc_blob ALTER COLUMN modified_at DROP NOT NULL;
