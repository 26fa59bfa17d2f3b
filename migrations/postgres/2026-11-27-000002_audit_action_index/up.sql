-- `custadm audit --action` and restore's look-up of the last delete.
CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action, customer_id);
