DROP INDEX IF EXISTS audit_log_occurred_at_instant_idx;
DROP INDEX IF EXISTS customers_created_at_instant_idx;
DROP INDEX IF EXISTS customers_last_login_at_instant_idx;
CREATE INDEX IF NOT EXISTS customers_last_login_at_idx ON customers (last_login_at);
CREATE INDEX IF NOT EXISTS customers_created_at_idx ON customers (created_at);
