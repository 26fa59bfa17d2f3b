DROP INDEX IF EXISTS audit_log_action_idx;
