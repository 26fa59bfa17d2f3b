DROP INDEX IF EXISTS audit_log_run_id_idx;
ALTER TABLE audit_log DROP COLUMN chain_hash, DROP COLUMN content_digest,
    DROP COLUMN content_salt, DROP COLUMN run_id;
ALTER TABLE operators DROP COLUMN os_user;
