-- Round two of the schema (contract: "Databases", "Schema", "Operators and roles", "Audit").
-- PostgreSQL identity sequences never hand out an id twice, so customers needs no rebuild.
-- operators.os_user: the OS login an operator is bound to (NULL: unbound).
ALTER TABLE operators ADD COLUMN os_user TEXT NULL;
-- audit_log: run_id (the run that wrote the row) and the hash chain's columns.
ALTER TABLE audit_log ADD COLUMN run_id TEXT NULL;
ALTER TABLE audit_log ADD COLUMN content_salt TEXT NULL;
ALTER TABLE audit_log ADD COLUMN content_digest TEXT NULL;
ALTER TABLE audit_log ADD COLUMN chain_hash TEXT NULL;
CREATE INDEX audit_log_run_id_idx ON audit_log (run_id) WHERE run_id IS NOT NULL;
-- Customer ids are never reused: identity sequences never go back, and the next id
-- is also past every id the audit trail names (rows another program inserted with
-- explicit ids, or a sequence reset by hand, cannot hand a purged id out again).
DO $$
DECLARE
    seq text := pg_get_serial_sequence('customers', 'id');
    used bigint;
    named bigint := GREATEST((SELECT coalesce(max(id), 0) FROM customers),
                             (SELECT coalesce(max(customer_id), 0) FROM audit_log));
BEGIN
    -- The highest id the sequence has handed out (0 when it never has).
    EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s', seq)
        INTO used;
    IF named > used THEN
        PERFORM setval(seq, named);
    END IF;
END $$;
