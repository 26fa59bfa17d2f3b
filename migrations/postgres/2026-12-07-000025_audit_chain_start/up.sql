-- The chain's start commits to what came before it (contract: "Audit"; issue 25;
-- src/db/audit/chain.rs, "The start"). A chain started from now on records the
-- count of the rows below its first row and a SHA-256 over them here, and links its
-- first row to both. A chain that already exists keeps linking to the genesis (it
-- still verifies as it did); the count of its prehistory is recorded now, so that
-- a row added below its start, or one removed, is caught from here on.
ALTER TABLE audit_chain_head ADD COLUMN prehistory_rows BIGINT NULL;
ALTER TABLE audit_chain_head ADD COLUMN prehistory_hash TEXT NULL;
-- `audit archive` (src/db/audit/archive.rs): the last row moved to an archive file and
-- its chain_hash, which the first row left in the table links to.
ALTER TABLE audit_chain_head ADD COLUMN archived_through BIGINT NULL;
ALTER TABLE audit_chain_head ADD COLUMN archived_hash TEXT NULL;
UPDATE audit_chain_head
   SET prehistory_rows = (SELECT count(*) FROM audit_log WHERE audit_log.id < audit_chain_head.chain_start_id)
 WHERE chain_start_id IS NOT NULL;
