-- Filters compare instants, not text: rows written by other programs may hold
-- `2026-01-02T03:04:05Z`, `… +02:00`, a bare date and so on, which sort wrongly
-- as text. custadm filters on strftime('%Y-%m-%d %H:%M:%f', column) (UTC,
-- milliseconds; see src/db/foreign.rs), and these indexes hold exactly that
-- expression, so the filters still use an index.
DROP INDEX IF EXISTS customers_last_login_at_idx;
DROP INDEX IF EXISTS customers_created_at_idx;
CREATE INDEX customers_last_login_at_instant_idx ON customers (strftime('%Y-%m-%d %H:%M:%f', last_login_at));
CREATE INDEX customers_created_at_instant_idx ON customers (strftime('%Y-%m-%d %H:%M:%f', created_at));
CREATE INDEX audit_log_occurred_at_instant_idx ON audit_log (strftime('%Y-%m-%d %H:%M:%f', occurred_at));
