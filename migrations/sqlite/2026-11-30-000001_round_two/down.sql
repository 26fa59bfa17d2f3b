DROP INDEX IF EXISTS audit_log_run_id_idx;
ALTER TABLE audit_log DROP COLUMN chain_hash;
ALTER TABLE audit_log DROP COLUMN content_digest;
ALTER TABLE audit_log DROP COLUMN content_salt;
ALTER TABLE audit_log DROP COLUMN run_id;
ALTER TABLE operators DROP COLUMN os_user;
