DROP INDEX IF EXISTS customers_last_login_at_instant_idx;
DROP INDEX IF EXISTS customers_created_at_instant_idx;
DROP INDEX IF EXISTS audit_log_occurred_at_instant_idx;
CREATE INDEX customers_last_login_at_instant_idx ON customers (strftime('%Y-%m-%d %H:%M:%f', last_login_at));
CREATE INDEX customers_created_at_instant_idx ON customers (strftime('%Y-%m-%d %H:%M:%f', created_at));
CREATE INDEX audit_log_occurred_at_instant_idx ON audit_log (strftime('%Y-%m-%d %H:%M:%f', occurred_at));
