-- Round two of the schema (contract: "Databases", "Schema", "Operators and roles", "Audit").
--
-- 1. Customer ids are never reused: rebuild `customers` with AUTOINCREMENT, keeping
--    every row, and start the sequence above any id the audit trail has ever named
--    (a purged customer's id stays retired). SQLite's documented table rebuild:
--    foreign keys off (outside the transaction), copy, drop, rename, check, commit.
-- 2. operators.os_user: the OS login an operator is bound to (NULL: unbound).
-- 3. audit_log: run_id (the run that wrote the row) and the hash chain's columns.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE customers_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    full_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NULL,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT 0,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    deleted_at TIMESTAMP NULL,
    last_login_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL DEFAULT (datetime('now')),
    updated_at TIMESTAMP NOT NULL DEFAULT (datetime('now'))
);
INSERT INTO customers_new (id, full_name, email, phone, password_hash, must_change_password,
    is_active, deleted_at, last_login_at, created_at, updated_at)
SELECT id, full_name, email, phone, password_hash, must_change_password,
    is_active, deleted_at, last_login_at, created_at, updated_at
FROM customers;
DROP TABLE customers;
ALTER TABLE customers_new RENAME TO customers;
CREATE UNIQUE INDEX customers_email_key ON customers (email COLLATE NOCASE);
CREATE INDEX customers_last_login_at_idx ON customers (last_login_at);
CREATE INDEX customers_created_at_idx ON customers (created_at);
DELETE FROM sqlite_sequence WHERE name = 'customers';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'customers', max(coalesce((SELECT max(id) FROM customers), 0),
                        coalesce((SELECT max(customer_id) FROM audit_log), 0));

ALTER TABLE operators ADD COLUMN os_user TEXT NULL;

ALTER TABLE audit_log ADD COLUMN run_id TEXT NULL;
ALTER TABLE audit_log ADD COLUMN content_salt TEXT NULL;
ALTER TABLE audit_log ADD COLUMN content_digest TEXT NULL;
ALTER TABLE audit_log ADD COLUMN chain_hash TEXT NULL;
CREATE INDEX audit_log_run_id_idx ON audit_log (run_id) WHERE run_id IS NOT NULL;

COMMIT;
PRAGMA foreign_keys = ON;
