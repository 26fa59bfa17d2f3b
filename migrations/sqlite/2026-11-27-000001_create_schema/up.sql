-- custadm schema, SQLite flavour. Timestamps are UTC text 'YYYY-MM-DD HH:MM:SS'
-- so rows written by other programs with datetime('now') read back.
CREATE TABLE operators (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'support')),
    password_hash TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
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
-- custadm stores emails lower-cased; the index also folds ASCII case for rows
-- written by other programs.
CREATE UNIQUE INDEX customers_email_key ON customers (email COLLATE NOCASE);
CREATE INDEX customers_last_login_at_idx ON customers (last_login_at);
CREATE INDEX customers_created_at_idx ON customers (created_at);

CREATE TABLE kyc_records (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    document_type TEXT NOT NULL,
    document_number TEXT NOT NULL,
    country TEXT NOT NULL CHECK (length(country) = 2),
    date_of_birth DATE NOT NULL,
    verified_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX kyc_records_customer_id_idx ON kyc_records (customer_id, created_at);

CREATE TABLE billing_accounts (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL UNIQUE REFERENCES customers (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE account_entries (
    id INTEGER PRIMARY KEY,
    billing_account_id INTEGER NOT NULL REFERENCES billing_accounts (id) ON DELETE CASCADE,
    entry_type TEXT NOT NULL CHECK (entry_type IN ('invoice', 'payment', 'credit', 'refund')),
    amount_usd_cents BIGINT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX account_entries_billing_account_id_idx ON account_entries (billing_account_id);
-- What `delete`, `view` and `list --has-unpaid` look for.
CREATE INDEX account_entries_unpaid_idx ON account_entries (billing_account_id, amount_usd_cents)
    WHERE entry_type = 'invoice' AND amount_usd_cents > 0;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL DEFAULT (datetime('now')),
    operator TEXT NOT NULL,
    os_user TEXT NOT NULL,
    action TEXT NOT NULL,
    customer_id INTEGER NULL, -- no foreign key: the trail outlives the customer
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    reason TEXT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_customer_id_idx ON audit_log (customer_id);
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at);
