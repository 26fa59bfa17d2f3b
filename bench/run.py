#!/usr/bin/env python3
"""custadm against raw SQL: the same database work, timed as whole processes.

For each job and backend the runner fills a custadm-initialised database,
then times `custadm …` and the raw SQL doing the same reads, change and audit
rows in one `sqlite3` / `psql` session, in pairs (warm-up first, data reset
before every run of a changing job), and prints the medians, the ratio
custadm / raw and custadm's peak memory (max RSS of the process).

  python3 bench/run.py                      # 1,000,000 customers, 5 runs, both backends
  python3 bench/run.py --n 100000 --runs 3 --backends sqlite
  python3 bench/run.py --smoke              # CI: 2,000 customers, 1 run, checks every job works
  python3 bench/run.py --jobs "by filter"   # only the jobs whose name contains the text
  python3 bench/run.py --anchor-cost --n 1000000 --big-entries 1000 --runs 9   # view (90 rounds) and a
                                            # 100,000 filter deactivation (9) with audit_anchor (file, signed)
                                            # vs without, order alternating; anchored column = "custadm",
                                            # plain = "raw SQL" (--jobs ids adds the 100,000 by --ids-from)
  python3 bench/run.py --verify-rows 10000000 --backends sqlite   # audit verify of 10M chained rows
  python3 bench/run.py --search-scale --n 10000000 --runs 5   # search at 10M (bench/search_scale.py)
  python3 bench/run.py --edit-from --n 1000000 --runs 1     # edit --from: a phone correction for every
                                            # customer vs a bulk load + one UPDATE … FROM + the audit rows,
                                            # and its peak memory at 100,000 vs --n rows

Needs: a built custadm (`cargo build --release`; --binary to choose), sqlite3
and psql on PATH, PostgreSQL at --pg-server (default postgres://root@127.0.0.1:5432).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ADMIN = "bench"
PASSWORD = "bench-password-0123"
FIRST = ["Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah",
         "Mia", "Lucas", "Zoë", "Mateo", "Priya", "Chloé", "Søren", "Fatima"]
LAST = ["Smith", "Johnson", "García", "Müller", "Rossi", "Nakamura", "Okafor", "Kowalski",
        "Dubois", "Silva", "Patel", "Nguyen", "O''Brien", "Andersson", "Haddad", "Kim"]
# One valid Argon2id hash for every generated customer (nobody logs in).
HASH = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0GxLXWl6sQ3Gq8c7m9y2bVQkXw8M4mQkXw8M4mQkXw8"


def values(names):
    return ",".join(f"({i},'{v}')" for i, v in enumerate(names))


class Sqlite:
    name = "sqlite"

    def __init__(self, workdir):
        self.path = os.path.join(workdir, "bench.sqlite3")
        self.url = self.path

    def drop(self):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.path + suffix):
                os.remove(self.path + suffix)

    def raw_argv(self):
        return ["sqlite3", "-bail", self.path]

    def raw_list_argv(self):
        return ["sqlite3", "-json", self.path, LIST_SQL["sqlite"]]

    def run_sql(self, sql):
        subprocess.run(self.raw_argv(), input=sql.encode(), check=True, stdout=subprocess.DEVNULL)

    def prelude(self):
        return "PRAGMA busy_timeout=5000;\nPRAGMA foreign_keys=ON;\nPRAGMA synchronous=FULL;\n"

    def now(self):
        return "datetime('now')"

    def days_ago(self, days):
        return f"datetime('now', '-{days} days')"

    def generate_sql(self, n, big_entries):
        return f"""
PRAGMA foreign_keys=OFF;
PRAGMA synchronous=OFF;
BEGIN;
CREATE TEMP TABLE fn(i INTEGER PRIMARY KEY, v TEXT); INSERT INTO fn VALUES {values(FIRST)};
CREATE TEMP TABLE ln(i INTEGER PRIMARY KEY, v TEXT); INSERT INTO ln VALUES {values(LAST)};
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n + 1})
INSERT INTO customers (id, full_name, email, phone, password_hash, must_change_password, is_active,
                       deleted_at, last_login_at, created_at, updated_at)
SELECT n,
       (SELECT v FROM fn WHERE i = n % 16) || ' ' || (SELECT v FROM ln WHERE i = (n / 16) % 16),
       'customer' || n || '@example.com',
       '+1415' || substr('0000000' || (n % 10000000), -7),
       '{HASH}', 0,
       CASE WHEN n % 9 = 0 THEN 0 ELSE 1 END,
       NULL,
       CASE WHEN n % 10 = 0 THEN NULL ELSE datetime('now', '-' || ((n * 7919) % 1095) || ' days') END,
       datetime('now', '-' || (1100 + n % 300) || ' days'),
       datetime('now', '-1 days')
FROM seq;
INSERT INTO billing_accounts (id, customer_id, created_at) SELECT id, id, created_at FROM customers;
INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at)
SELECT id, 'invoice', CASE WHEN id % 13 = 0 THEN 1000 + id % 9000 ELSE 0 END, 'Monthly invoice', created_at
FROM billing_accounts WHERE id <= {n};
INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at)
SELECT id, 'payment', 1000 + id % 9000, 'Card payment', created_at FROM billing_accounts WHERE id <= {n};
INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at)
SELECT id, CASE WHEN id % 2 = 0 THEN 'credit' ELSE 'refund' END, 500, 'Goodwill credit', created_at
FROM billing_accounts WHERE id <= {n};
INSERT INTO kyc_records (customer_id, status, document_type, document_number, country, date_of_birth, verified_at, created_at)
SELECT id, CASE id % 3 WHEN 0 THEN 'verified' WHEN 1 THEN 'pending' ELSE 'rejected' END,
       'passport', 'P' || substr('00000000' || id, -8), 'US', date('1950-01-01', '+' || (id % 18000) || ' days'),
       CASE WHEN id % 3 = 0 THEN created_at END, created_at
FROM customers WHERE id % 5 != 0;
COMMIT;
{self.big_entries_sql(n + 1, big_entries)}
ANALYZE;
"""

    def big_entries_sql(self, account, count):
        return f"""
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {count})
INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at)
SELECT {account}, CASE WHEN n % 2 = 0 THEN 'payment' ELSE 'invoice' END, CASE WHEN n % 2 = 0 THEN 100 ELSE 0 END,
       'Usage charge ' || n, datetime('now', '-' || (n % 1000) || ' days')
FROM seq;
"""

    def restore_big_customer_sql(self, cid, count):
        return f"""
PRAGMA foreign_keys=ON;
BEGIN;
INSERT OR IGNORE INTO customers (id, full_name, email, phone, password_hash, must_change_password, is_active, created_at, updated_at)
VALUES ({cid}, 'Heavy User', 'heavy.user{cid}@example.com', '+14155550100', '{HASH}', 0, 1, datetime('now'), datetime('now'));
INSERT OR IGNORE INTO billing_accounts (id, customer_id, created_at) VALUES ({cid}, {cid}, datetime('now'));
COMMIT;
"""

    def scalar(self, sql):
        out = subprocess.run(["sqlite3", self.path, sql], check=True, capture_output=True).stdout
        return out.decode().strip()


class Postgres:
    name = "postgres"

    def __init__(self, server):
        self.server = server
        self.db = f"custadm_bench_{os.getpid()}"
        self.url = f"{server}/{self.db}"

    def drop(self):
        subprocess.run(["psql", "-X", "-q", "-d", f"{self.server}/postgres", "-c",
                        f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)"], check=True)

    def raw_argv(self):
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url]

    def raw_list_argv(self):
        return ["psql", "-X", "-q", "-d", self.url, "-c", LIST_SQL["postgres"]]

    def run_sql(self, sql):
        subprocess.run(self.raw_argv(), input=sql.encode(), check=True, stdout=subprocess.DEVNULL)

    def prelude(self):
        return ""

    def now(self):
        return "(now() AT TIME ZONE 'UTC')"

    def days_ago(self, days):
        return f"((now() AT TIME ZONE 'UTC') - interval '{days} days')"

    def generate_sql(self, n, big_entries):
        return f"""
SET synchronous_commit = off;
BEGIN;
CREATE TEMP TABLE fn(i INTEGER PRIMARY KEY, v TEXT); INSERT INTO fn VALUES {values(FIRST)};
CREATE TEMP TABLE ln(i INTEGER PRIMARY KEY, v TEXT); INSERT INTO ln VALUES {values(LAST)};
INSERT INTO customers (id, full_name, email, phone, password_hash, must_change_password, is_active,
                       deleted_at, last_login_at, created_at, updated_at)
SELECT n, f.v || ' ' || l.v, 'customer' || n || '@example.com', '+1415' || lpad((n % 10000000)::text, 7, '0'),
       '{HASH}', false, n % 9 <> 0, NULL,
       CASE WHEN n % 10 = 0 THEN NULL ELSE date_trunc('second', now() AT TIME ZONE 'UTC') - make_interval(days => ((n::bigint * 7919) % 1095)::int) END,
       date_trunc('second', now() AT TIME ZONE 'UTC') - make_interval(days => 1100 + n % 300),
       date_trunc('second', now() AT TIME ZONE 'UTC') - interval '1 day'
FROM generate_series(1, {n + 1}) AS n
JOIN fn f ON f.i = n % 16 JOIN ln l ON l.i = (n / 16) % 16;
INSERT INTO billing_accounts (id, customer_id, created_at) SELECT id, id, created_at FROM customers;
INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at)
SELECT id, 'invoice', CASE WHEN id % 13 = 0 THEN 1000 + id % 9000 ELSE 0 END, 'Monthly invoice', created_at
FROM billing_accounts WHERE id <= {n};
INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at)
SELECT id, 'payment', 1000 + id % 9000, 'Card payment', created_at FROM billing_accounts WHERE id <= {n};
INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at)
SELECT id, CASE WHEN id % 2 = 0 THEN 'credit' ELSE 'refund' END, 500, 'Goodwill credit', created_at
FROM billing_accounts WHERE id <= {n};
INSERT INTO kyc_records (customer_id, status, document_type, document_number, country, date_of_birth, verified_at, created_at)
SELECT id, CASE id % 3 WHEN 0 THEN 'verified' WHEN 1 THEN 'pending' ELSE 'rejected' END,
       'passport', 'P' || lpad(id::text, 8, '0'), 'US', DATE '1950-01-01' + (id % 18000)::int,
       CASE WHEN id % 3 = 0 THEN created_at END, created_at
FROM customers WHERE id % 5 <> 0;
SELECT setval(pg_get_serial_sequence('customers', 'id'), {n + 1});
SELECT setval(pg_get_serial_sequence('billing_accounts', 'id'), {n + 1});
COMMIT;
{self.big_entries_sql(n + 1, big_entries)}
VACUUM ANALYZE;
"""

    def big_entries_sql(self, account, count):
        return f"""
INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at)
SELECT {account}, CASE WHEN n % 2 = 0 THEN 'payment' ELSE 'invoice' END, CASE WHEN n % 2 = 0 THEN 100 ELSE 0 END,
       'Usage charge ' || n, (now() AT TIME ZONE 'UTC') - make_interval(days => n % 1000)
FROM generate_series(1, {count}) AS n;
"""

    def restore_big_customer_sql(self, cid, count):
        return f"""
BEGIN;
INSERT INTO customers (id, full_name, email, phone, password_hash, must_change_password, is_active, created_at, updated_at)
VALUES ({cid}, 'Heavy User', 'heavy.user{cid}@example.com', '+14155550100', '{HASH}', false, true, now(), now())
ON CONFLICT DO NOTHING;
INSERT INTO billing_accounts (id, customer_id, created_at) VALUES ({cid}, {cid}, now()) ON CONFLICT DO NOTHING;
COMMIT;
"""

    def scalar(self, sql):
        out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-d", self.url, "-c", sql], check=True, capture_output=True).stdout
        return out.decode().strip()


STATUS = "CASE WHEN deleted_at IS NOT NULL THEN 'deleted' WHEN is_active THEN 'active' ELSE 'inactive' END"
LIST_SQL = {
    "sqlite": "SELECT id, full_name, email, phone, " + STATUS + " AS status, "
              "strftime('%Y-%m-%dT%H:%M:%SZ', created_at) AS created_at, "
              "strftime('%Y-%m-%dT%H:%M:%SZ', last_login_at) AS last_login_at FROM customers ORDER BY id",
    "postgres": "COPY (SELECT row_to_json(t) FROM (SELECT id, full_name, email, phone, " + STATUS + " AS status, "
                "to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created_at, "
                "to_char(last_login_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS last_login_at "
                "FROM customers ORDER BY id) t) TO STDOUT",
}


def audit_insert(db, action, id_expr, details, from_clause="", run_id=False):
    run = ("run_id", "'01M8NTAEQ2DA1KWJJE36WXHBSR'") if run_id else ("", "")
    cols = f", {run[0]}" if run_id else ""
    vals = f", {run[1]}" if run_id else ""
    return (f"INSERT INTO audit_log (occurred_at, operator, os_user, action, customer_id, outcome, reason, details{cols}) "
            f"SELECT {db.now()}, '{ADMIN}', 'bench', '{action}', {id_expr}, 'ok', NULL, '{details}'{vals} {from_clause};")


# created_at is 1100 + n % 300 days ago: `--created-after 1130d` selects n % 300 < 30,
# 10 % of the customers (100,000 of 1,000,000); those with n % 9 = 0 are inactive already.
FILTER_DAYS = 1130


def filter_job(db, t, f):
    """Deactivation selected by a filter: custadm pages the matches by id, locks each
    batch and checks the filter again; the raw side selects, updates and audits once."""
    cutoff = db.days_ago(FILTER_DAYS)
    return {
        "name": "deactivate by filter (10 % of customers)",
        "target": 1.5,
        "custadm": ["toggle", "--deactivate", "--created-after", f"{FILTER_DAYS}d", "--yes"],
        "raw": db.prelude() + f"""
{begin(db)}
SELECT id FROM operators WHERE username = '{ADMIN}';
CREATE TEMP TABLE changed AS SELECT id FROM customers
  WHERE deleted_at IS NULL AND created_at > {cutoff} AND is_active = {t} ORDER BY id;
UPDATE customers SET is_active = {f}, updated_at = {db.now()} WHERE id IN (SELECT id FROM changed);
{audit_insert(db, 'deactivate', 'id', '{"is_active":{"old":true,"new":false}}', 'FROM changed', run_id=True)}
COMMIT;
""",
        "reset": f"""
UPDATE customers SET is_active = (id % 9 <> 0) WHERE created_at > {cutoff};
DELETE FROM audit_log WHERE action = 'deactivate';
""",
    }


def phone_of(db):
    """The phone generate_sql gives customer `id` (what a reset restores)."""
    if db.name == "sqlite":
        return "'+1415' || substr('0000000' || (id % 10000000), -7)"
    return "'+1415' || lpad((id % 10000000)::text, 7, '0')"


def write_phones_file(path, n):
    """A CSV of phone corrections for customers 1..n: valid US numbers
    (+1 628 2xx xxxx), E.164 as a partner would send them."""
    with open(path, "w") as f:
        f.write("id,phone\n")
        for i in range(1, n + 1):
            f.write(f"{i},+1628{2000000 + i}\n")


RUN_ID = "01M8NTAEQ2DA1KWJJE36WXHBSR"


def edit_from_chain_sql(db):
    """The audit rows of `changed` as custadm writes them: one chained row per
    change (src/db/audit/chain.rs) with a 16-byte random salt, its
    content_digest over salt and details, and a chain_hash linking each row
    to the one before it (a recursive query: each hash needs the previous),
    ids after the chain's head in customer order, and the head moved to the
    last row, which is locked first (PostgreSQL `FOR UPDATE`, as custadm
    locks it). PostgreSQL hashes exactly custadm's encoding with sha256()
    (`custadm audit verify` accepts the rows); the sqlite3 shell has no
    SHA-256, so SQLite hashes the same fields, hex-encoded, with the shell's
    built-in SHA3-256 (the same size of work and of the stored columns)."""
    if db.name == "sqlite":
        details = ("json_object('changes', json_object('phone', json_object('old', old, 'new', new)), "
                   "'line', id + 1)")
        hx = "printf('%016x', {})".format
        enc = lambda x: f"{hx(f'length({x})')} || {x}"
        const = lambda text: f"'{len(text):016x}{text}'"
        who = const(ADMIN) + " || " + const("bench") + " || " + const("edit") + " || '01'"
        tail = const("ok") + " || '01' || " + const(RUN_ID)
        return f"""
CREATE TEMP TABLE base AS
  SELECT max(coalesce(h.last_id, 0), coalesce((SELECT max(id) FROM audit_log), 0)) AS b,
         coalesce(h.last_hash, '') AS prev, {db.now()} AS at,
         printf('%016x', strftime('%s', {db.now()})) || '00000000' AS epoch
  FROM audit_chain_head h WHERE h.id = 1;
CREATE TEMP TABLE a (n INTEGER PRIMARY KEY, aid INTEGER, cid INTEGER, details TEXT, salt TEXT, digest TEXT);
INSERT INTO a (n, aid, cid, details, salt, digest)
  WITH s AS MATERIALIZED (
    SELECT row_number() OVER (ORDER BY id) AS n, id AS cid, {details} AS details,
           lower(hex(randomblob(16))) AS salt FROM changed)
  SELECT n, (SELECT b FROM base) + n, cid, details, salt,
         lower(hex(sha3({const("custadm-audit-content-v1")} || {enc('salt')} || '00' || {enc('details')}, 256)))
  FROM s ORDER BY n;
CREATE TEMP TABLE ch AS
  WITH RECURSIVE c(n, h) AS (
    SELECT 0, (SELECT prev FROM base)
    UNION ALL
    SELECT a.n, lower(hex(sha3({const("custadm-audit-chain-v1")} || c.h || {hx('a.aid')} || (SELECT epoch FROM base)
                               || {who} || {hx('a.cid')} || {tail} || a.digest, 256)))
    FROM c JOIN a ON a.n = c.n + 1)
  SELECT n, h FROM c WHERE n > 0;
INSERT INTO audit_log (id, occurred_at, operator, os_user, action, customer_id, outcome, reason, details, run_id,
                       content_salt, content_digest, chain_hash)
  SELECT a.aid, (SELECT at FROM base), '{ADMIN}', 'bench', 'edit', a.cid, 'ok', NULL, a.details, '{RUN_ID}',
         a.salt, a.digest, ch.h
  FROM a JOIN ch USING (n) ORDER BY a.n;
UPDATE audit_chain_head SET last_id = (SELECT max(aid) FROM a), last_hash = (SELECT h FROM ch ORDER BY n DESC LIMIT 1)
  WHERE id = 1;
"""
    details = ("json_build_object('changes', json_build_object('phone', json_build_object('old', old, 'new', new)), "
               "'line', id + 1)::text")
    lit = lambda b: f"'\\x{b.hex()}'::bytea"
    enc = lambda x: f"(int8send(octet_length({x})::bigint) || {x})"
    who = s8(ADMIN.encode()) + s8(b"bench") + s8(b"edit") + b"\x01"
    tail = s8(b"ok") + b"\x01" + s8(RUN_ID.encode())
    return f"""
SELECT 1 FROM audit_chain_head WHERE id = 1 FOR UPDATE;
CREATE TEMP TABLE base AS
  SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) - 1 AS b,
         coalesce(decode(h.last_hash, 'hex'), {lit(bytes(32))}) AS prev,
         date_trunc('second', {db.now()}) AS at
  FROM audit_chain_head h WHERE h.id = 1;
ANALYZE base;
CREATE TEMP TABLE a (n BIGINT PRIMARY KEY, aid BIGINT, cid BIGINT, details TEXT, salt BYTEA, digest BYTEA, tail BYTEA);
INSERT INTO a (n, aid, cid, details, salt, digest, tail)
  WITH s AS MATERIALIZED (
    SELECT row_number() OVER (ORDER BY id) AS n, id AS cid, {details} AS details,
           uuid_send(gen_random_uuid()) AS salt FROM changed),
  d AS MATERIALIZED (
    SELECT s.*, sha256({lit(s8(b"custadm-audit-content-v1"))} || {enc('s.salt')} || '\\x00'::bytea
                       || {enc("convert_to(s.details, 'UTF8')")}) AS digest FROM s)
  SELECT d.n, base.b + d.n, d.cid, d.details, d.salt, d.digest,
         int8send(base.b + d.n) || int8send(extract(epoch FROM base.at)::bigint) || int4send(0)
         || {lit(who)} || int8send(d.cid) || {lit(tail)} || d.digest
  FROM d CROSS JOIN base ORDER BY d.n;
ANALYZE a;
CREATE TEMP TABLE ch AS
  WITH RECURSIVE c(n, h) AS (
    SELECT 0::bigint, (SELECT prev FROM base)
    UNION ALL
    SELECT a.n, sha256({lit(s8(b"custadm-audit-chain-v1"))} || c.h || a.tail) FROM c JOIN a ON a.n = c.n + 1)
  SELECT n, h FROM c WHERE n > 0;
INSERT INTO audit_log (id, occurred_at, operator, os_user, action, customer_id, outcome, reason, details, run_id,
                       content_salt, content_digest, chain_hash)
  SELECT a.aid, base.at, '{ADMIN}', 'bench', 'edit', a.cid, 'ok', NULL, a.details, '{RUN_ID}',
         encode(a.salt, 'hex'), encode(a.digest, 'hex'), encode(ch.h, 'hex')
  FROM a JOIN ch USING (n) CROSS JOIN base ORDER BY a.n;
SELECT setval(pg_get_serial_sequence('audit_log', 'id'), (SELECT max(aid) FROM a));
UPDATE audit_chain_head SET last_id = (SELECT max(aid) FROM a),
                            last_hash = (SELECT encode(h, 'hex') FROM ch ORDER BY n DESC LIMIT 1)
  WHERE id = 1;
"""


def edit_from_job(db, n, phones_file):
    """`edit --from` of a phone correction for every customer (issue 27.4): custadm
    checks and spools the file, then per batch of 1,000 locks and reads the rows
    again, validates each phone with libphonenumber, writes and chains one audit
    row each. The raw side bulk-loads the file into a temporary table, keeps the
    old values, runs one UPDATE … FROM and writes the same audit rows, chained
    as custadm chains them ([`edit_from_chain_sql`])."""
    if db.name == "sqlite":
        load = f"""CREATE TEMP TABLE load (id INTEGER PRIMARY KEY, phone TEXT);
.import --csv --skip 1 {phones_file} load"""
        distinct = "IS NOT"
        analyze = "-- "
    else:
        load = f"""CREATE TEMP TABLE load (id BIGINT PRIMARY KEY, phone TEXT);
\\copy load FROM '{phones_file}' WITH (FORMAT csv, HEADER true)"""
        distinct = "IS DISTINCT FROM"
        # Temporary tables are never analysed automatically: without
        # statistics PostgreSQL guessed their sizes far off, which chose
        # plans (and JIT compilation) the real sizes do not call for.
        analyze = "ANALYZE "
    return {
        "name": f"edit --from ({n} phone corrections)",
        "target": 1.5,
        "custadm": ["edit", "--from", phones_file, "--yes", "-q"],
        "raw": db.prelude() + f"""
{begin(db)}
SELECT id FROM operators WHERE username = '{ADMIN}';
{load}
{analyze}load;
CREATE TEMP TABLE changed AS SELECT c.id, c.phone AS old, l.phone AS new
  FROM customers c JOIN load l ON l.id = c.id WHERE c.deleted_at IS NULL AND c.phone {distinct} l.phone;
{analyze}changed;
UPDATE customers SET phone = changed.new, updated_at = {db.now()} FROM changed WHERE changed.id = customers.id;
{edit_from_chain_sql(db)}
COMMIT;
""",
        "reset": f"""
UPDATE customers SET phone = {phone_of(db)} WHERE id <= {n};
DELETE FROM audit_log WHERE action = 'edit';
""",
    }


def edit_from_cost(db, binary, env, work, n, runs, warmup):
    """The edit --from job, and its peak memory: dry runs of the first
    100,000 rows vs all --n rows."""
    phones = os.path.join(work, "phones.csv")
    write_phones_file(phones, n)
    small_n = min(100_000, n // 10)
    small = os.path.join(work, "phones-small.csv")
    write_phones_file(small, small_n)
    rows = []
    job = edit_from_job(db, n, phones)
    result = measure(db, job, binary, env, runs, warmup)
    rows.append((db.name, job["name"], job["target"], result))
    print(f"# {db.name} {job['name']}: {result}", file=sys.stderr)
    light = peak_rss_kib([binary, "edit", "--from", small, "--dry-run", "-q"], env)
    heavy = peak_rss_kib([binary, "edit", "--from", phones, "--dry-run", "-q"], env)
    rows.append((db.name, f"edit --from dry run peak RSS {small_n} vs {n} rows", None,
                 {"custadm": light / 1024, "raw": heavy / 1024, "ratio": heavy / light, "rss_mib": heavy / 1024}))
    return rows


def begin(db):
    return "BEGIN IMMEDIATE;" if db.name == "sqlite" else "BEGIN;"


def lock(db):
    return " FOR UPDATE" if db.name == "postgres" else ""


def jobs(db, n, ids_file, view_id, delete_id, big_id, big_entries, empty_id):
    t = "1" if db.name == "sqlite" else "TRUE"
    f = "0" if db.name == "sqlite" else "FALSE"
    load_ids = (f".import {ids_file} ids" if db.name == "sqlite" else f"\\copy ids FROM '{ids_file}'")
    return [
        {
            # The audit row of a view is a chain link (salt, two SHA-256, the head
            # row locked and moved); the raw side writes a plain row.
            "name": "view",
            "target": 1.6 if db.name == "sqlite" else 2.0,
            "custadm": ["view", str(view_id)],
            "raw": db.prelude() + f"""
SELECT id, role, is_active FROM operators WHERE username = '{ADMIN}';
SELECT id, full_name, email, phone, must_change_password, is_active, deleted_at, last_login_at, created_at, updated_at
  FROM customers WHERE id = {view_id};
SELECT status, document_type, document_number, country, date_of_birth, verified_at FROM kyc_records
  WHERE customer_id = {view_id} ORDER BY created_at DESC, id DESC LIMIT 1;
SELECT ba.customer_id, count(*), sum(ae.amount_usd_cents) FROM account_entries ae
  JOIN billing_accounts ba ON ba.id = ae.billing_account_id
  WHERE ba.customer_id = {view_id} AND ae.entry_type = 'invoice' AND ae.amount_usd_cents > 0 GROUP BY ba.customer_id;
{audit_insert(db, 'view', view_id, '{}')}
""",
        },
        {
            "name": "deactivate ids",
            "target": 2.0,
            "custadm": ["toggle", "--deactivate", "--ids-from", ids_file, "--yes"],
            "raw": db.prelude() + f"""
CREATE TEMP TABLE ids (id BIGINT PRIMARY KEY);
{load_ids}
{begin(db)}
SELECT id FROM operators WHERE username = '{ADMIN}';
CREATE TEMP TABLE changed AS SELECT c.id FROM customers c JOIN ids USING (id) WHERE c.is_active = {t} ORDER BY c.id;
UPDATE customers SET is_active = {f}, updated_at = {db.now()} WHERE id IN (SELECT id FROM changed);
{audit_insert(db, 'deactivate', 'id', '{"is_active":{"old":true,"new":false}}', 'FROM changed')}
COMMIT;
""",
            "reset": f"""
CREATE TEMP TABLE ids (id BIGINT PRIMARY KEY);
{load_ids}
UPDATE customers SET is_active = {t} WHERE id IN (SELECT id FROM ids);
DELETE FROM audit_log WHERE action = 'deactivate';
""",
        },
        filter_job(db, t, f),
        {
            "name": "list jsonl (all)",
            "target": 2.0,
            "custadm": ["list", "--status", "all", "-o", "jsonl"],
            "raw_argv": db.raw_list_argv(),
        },
        {
            "name": "list table (all)",
            "target": 2.0,
            "custadm": ["list", "--status", "all"],
            "raw_argv": db.raw_list_argv(),
        },
        {
            "name": "delete one",
            "target": 2.0,
            "custadm": ["delete", str(delete_id), "--yes"],
            "raw": db.prelude() + f"""
{begin(db)}
SELECT id FROM operators WHERE username = '{ADMIN}';
SELECT id, is_active, deleted_at FROM customers WHERE id = {delete_id}{lock(db)};
SELECT id FROM billing_accounts WHERE customer_id = {delete_id}{lock(db)};
SELECT count(*) FROM account_entries ae JOIN billing_accounts ba ON ba.id = ae.billing_account_id
  WHERE ba.customer_id = {delete_id} AND ae.entry_type = 'invoice' AND ae.amount_usd_cents > 0;
UPDATE customers SET is_active = {f}, deleted_at = {db.now()}, updated_at = {db.now()} WHERE id = {delete_id};
{audit_insert(db, 'delete', delete_id, '{"was_active":true}')}
COMMIT;
""",
            "reset": f"""
UPDATE customers SET is_active = {t}, deleted_at = NULL WHERE id = {delete_id};
DELETE FROM audit_log WHERE action = 'delete';
""",
        },
        export_job(db, "export (1M entries)" if big_entries >= 1_000_000 else f"export ({big_entries} entries)",
                   big_id),
        purge_job(db, "purge (1M entries)" if big_entries >= 1_000_000 else f"purge ({big_entries} entries)",
                  big_id, big_entries, 1.5),
        purge_job(db, "purge (no entries: argon2 + overhead)", empty_id, 0, None),
    ]


def export_job(db, name, cid):
    """`export ID` of the heavy customer vs the same reads as JSON from the CLI."""
    if db.name == "sqlite":
        ts = lambda c: f"strftime('%Y-%m-%dT%H:%M:%SZ', {c})"
        raw = db.prelude() + ".mode json\n" + f"""
SELECT id, role, is_active FROM operators WHERE username = '{ADMIN}';
SELECT id FROM customers WHERE id = {cid};
{audit_insert(db, 'export', cid, '{}')}
BEGIN;
SELECT id, full_name, email, phone, is_active, must_change_password, {ts('deleted_at')} AS deleted_at,
       {ts('last_login_at')} AS last_login_at, {ts('created_at')} AS created_at, {ts('updated_at')} AS updated_at
  FROM customers WHERE id = {cid};
SELECT id, status, document_type, document_number, country, date_of_birth, {ts('verified_at')} AS verified_at,
       {ts('created_at')} AS created_at FROM kyc_records WHERE customer_id = {cid} ORDER BY id;
SELECT id, {ts('created_at')} AS created_at FROM billing_accounts WHERE customer_id = {cid};
SELECT id, entry_type, amount_usd_cents, description, {ts('created_at')} AS created_at FROM account_entries
  WHERE billing_account_id = (SELECT id FROM billing_accounts WHERE customer_id = {cid}) ORDER BY id;
SELECT id, {ts('occurred_at')} AS occurred_at, operator, os_user, action, customer_id, outcome, reason, details, run_id
  FROM audit_log WHERE customer_id = {cid} ORDER BY id;
COMMIT;
"""
    else:
        ts = lambda c: f"to_char({c}, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        copy = lambda q: f"COPY (SELECT row_to_json(t) FROM ({q}) t) TO STDOUT;"
        raw = f"""
SELECT id, role, is_active FROM operators WHERE username = '{ADMIN}';
SELECT id FROM customers WHERE id = {cid};
{audit_insert(db, 'export', cid, '{}')}
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
{copy(f"SELECT id, full_name, email, phone, is_active, must_change_password, {ts('deleted_at')} AS deleted_at, {ts('last_login_at')} AS last_login_at, {ts('created_at')} AS created_at, {ts('updated_at')} AS updated_at FROM customers WHERE id = {cid}")}
{copy(f"SELECT id, status, document_type, document_number, country, date_of_birth, {ts('verified_at')} AS verified_at, {ts('created_at')} AS created_at FROM kyc_records WHERE customer_id = {cid} ORDER BY id")}
{copy(f"SELECT id, {ts('created_at')} AS created_at FROM billing_accounts WHERE customer_id = {cid}")}
{copy(f"SELECT id, entry_type, amount_usd_cents, description, {ts('created_at')} AS created_at FROM account_entries WHERE billing_account_id = (SELECT id FROM billing_accounts WHERE customer_id = {cid}) ORDER BY id")}
{copy(f"SELECT id, {ts('occurred_at')} AS occurred_at, operator, os_user, action, customer_id, outcome, reason, details, run_id FROM audit_log WHERE customer_id = {cid} ORDER BY id")}
COMMIT;
"""
    return {"name": name, "target": 2.0, "custadm": ["export", str(cid)], "raw": raw}


def purge_job(db, name, cid, entries, target):
    return {
        "name": name,
        "target": target,
        "custadm": ["purge", str(cid), "--password-stdin"],
        "stdin": PASSWORD + "\n",
        "raw": db.prelude() + f"""
SELECT id, full_name, email FROM customers WHERE id = {cid};
SELECT password_hash, failed_attempts, locked_until FROM operators WHERE username = '{ADMIN}';
{begin(db)}
SELECT count(*) FROM kyc_records WHERE customer_id = {cid};
SELECT count(*) FROM billing_accounts WHERE customer_id = {cid};
SELECT count(*) FROM account_entries ae JOIN billing_accounts ba ON ba.id = ae.billing_account_id WHERE ba.customer_id = {cid};
UPDATE audit_log SET details = '{{"redacted":true}}' WHERE customer_id = {cid};
DELETE FROM customers WHERE id = {cid};
{audit_insert(db, 'purge', cid, '{"erased":{}}')}
COMMIT;
""",
        "reset": db.restore_big_customer_sql(cid, entries)
                 + (db.big_entries_sql(cid, entries) if entries else "")
                 + "DELETE FROM audit_log WHERE action = 'purge';",
        "reset_if": f"SELECT count(*) FROM customers WHERE id = {cid}",
    }


def peak_rss_kib(argv, env, stdin_text=None):
    """custadm's own peak memory, from /usr/bin/time -f %M. (A child forked
    from this Python process would report Python's pages as its own RSS.)"""
    if not os.path.exists("/usr/bin/time"):
        return float("nan")
    with tempfile.TemporaryFile() as stdin, tempfile.NamedTemporaryFile(mode="r") as report:
        if stdin_text:
            stdin.write(stdin_text.encode())
            stdin.seek(0)
        subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%M"] + argv, env=env, stdin=stdin,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return float(report.read().strip().splitlines()[-1])


def timed(argv, env, stdin_text=None):
    """Runs argv; returns (seconds, max RSS in KiB as seen by wait4, exit code)."""
    with tempfile.TemporaryFile() as stdin:
        if stdin_text:
            stdin.write(stdin_text.encode())
            stdin.seek(0)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        if code != 0:
            raise SystemExit(f"{' '.join(argv[:6])}… exited {code}: {err.strip()[:500]}")
        return elapsed, usage.ru_maxrss, code


def run_raw(db, job, env):
    if "raw_argv" in job:
        return timed(job["raw_argv"], env)
    return timed(db.raw_argv(), env, job["raw"])


def reset(db, job):
    if "reset" not in job:
        return
    if "reset_if" in job and db.scalar(job["reset_if"]) not in ("0", ""):
        # Still there (only the first custadm/raw run of a purge needs it).
        db.run_sql("DELETE FROM audit_log WHERE action = 'purge';")
        return
    db.run_sql(job["reset"])


def measure(db, job, binary, env, runs, warmup):
    c_times, r_times, rss = [], [], []
    for i in range(warmup + runs):
        reset(db, job)
        t, m, _ = timed([binary] + job["custadm"], env, job.get("stdin"))
        reset(db, job)
        rt, _, _ = run_raw(db, job, env)
        if i >= warmup:
            c_times.append(t)
            r_times.append(rt)
            rss.append(m)
    reset(db, job)
    peak = peak_rss_kib([binary] + job["custadm"], env, job.get("stdin"))
    reset(db, job)
    c, r = statistics.median(c_times), statistics.median(r_times)
    return {"custadm": c, "raw": r, "ratio": c / r if r else float("inf"), "rss_mib": peak / 1024}


def version_times(binary, runs):
    """`custadm --version` wall times: hyperfine (no shell, corrected) when
    installed, else timed from here (which adds Python's spawn cost)."""
    if shutil.which("hyperfine"):
        import json
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(["hyperfine", "-N", "--warmup", "10", "--runs", str(runs), "--export-json", out.name,
                            f"{binary} --version"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return json.load(open(out.name))["results"][0]["times"]
    return [timed([binary, "--version"], os.environ)[0] for _ in range(runs)]


def anchor_cost(db, binary, env, work, ids_file, view_id, runs, warmup, wanted=()):
    """The cost of anchoring (issue 25, item 7): the same custadm command
    without and with a profile whose audit_anchor is a file (appended and
    fdatasynced) signed by an Ed25519 key, in rounds whose order alternates
    (plain first, then anchored first), so a noisy machine's drift falls on
    both sides. Jobs: `view ID` (10x the rounds: it is short) and a
    deactivation of 100,000 customers selected by a filter (`--created-after
    1130d`: n % 300 < 30 of 1,000,000, all made active again, untimed, before
    every run); `--jobs ids` adds the same 100,000 by `--ids-from`. Returns
    rows for the table: ratio of the medians, and the median of the per-round
    ratios beside it."""
    key = os.path.join(work, "audit.key")
    if not os.path.exists(key):
        subprocess.run([binary, "audit", "keygen", key], env=env, check=True, stdout=subprocess.DEVNULL)
        os.makedirs(os.path.join(work, "config", "custadm"), exist_ok=True)
        with open(os.path.join(work, "config", "custadm", "config.toml"), "w") as f:
            f.write(f'[profiles.anchored]\naudit_anchor = ["file:{work}/anchors.jsonl"]\naudit_signing_key = "{key}"\n')
    anchored = dict(env, CUSTADM_PROFILE="anchored")
    t = "1" if db.name == "sqlite" else "TRUE"
    load_ids = f".import {ids_file} ids" if db.name == "sqlite" else f"\\copy ids FROM '{ids_file}'"
    cutoff = db.days_ago(FILTER_DAYS)
    jobs_ = [
        {"name": "view", "argv": ["view", str(view_id)], "reset": None, "rounds": 10},
        {"name": "deactivate 100,000 by filter",
         "argv": ["toggle", "--deactivate", "--created-after", f"{FILTER_DAYS}d", "--yes"],
         "reset": f"UPDATE customers SET is_active = {t} WHERE created_at > {cutoff};", "rounds": 1},
        {"name": "deactivate 100,000 ids", "argv": ["toggle", "--deactivate", "--ids-from", ids_file, "--yes"],
         "reset": f"CREATE TEMP TABLE ids (id BIGINT PRIMARY KEY);\n{load_ids}\n"
                  f"UPDATE customers SET is_active = {t} WHERE id IN (SELECT id FROM ids);", "rounds": 1,
         "only_if_asked": True},
    ]
    out = []
    for job in jobs_:
        if wanted and not any(w in job["name"] for w in wanted):
            continue
        if job.get("only_if_asked") and not wanted:
            continue
        plain, with_anchor, ratios = [], [], []
        for i in range(warmup + runs * job["rounds"]):
            order = [(env, plain), (anchored, with_anchor)]
            if i % 2:
                order.reverse()
            pair = {}
            for e, times in order:
                if job["reset"]:
                    db.run_sql(db.prelude() + job["reset"])
                    if db.name == "postgres":
                        db.run_sql("CHECKPOINT;")
                elapsed, _, _ = timed([binary] + job["argv"], e)
                pair[id(times)] = elapsed
                if i >= warmup:
                    times.append(elapsed)
            if i >= warmup:
                ratios.append(pair[id(with_anchor)] / pair[id(plain)])
        p, a = statistics.median(plain), statistics.median(with_anchor)
        out.append((db.name, f"{job['name']}: anchored (file + Ed25519) vs not", 1.10,
                    {"custadm": a, "raw": p, "ratio": a / p, "rss_mib": float("nan"),
                     "paired": statistics.median(ratios), "n": len(plain)}))
        print(f"# {db.name} {job['name']}: plain {[round(x, 4) for x in plain]} anchored "
              f"{[round(x, 4) for x in with_anchor]} paired ratios {[round(x, 3) for x in ratios]}", file=sys.stderr)
    return out


def sha(*parts):
    import hashlib
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def s8(b):
    return len(b).to_bytes(8, "big") + b


def chain_lines(last_id, prev, rows, out):
    """Writes `rows` chained `view` rows after row `last_id` (hash `prev`) to
    `out` as tab-separated lines (id, occurred_at, operator, os_user, action,
    customer_id, outcome, details, content_salt, content_digest, chain_hash),
    each hashed by the encoding documented in src/db/audit/chain.rs; returns
    the last chain hash. Whole seconds, as custadm writes them, eight rows a
    second from 2026-01-01."""
    import datetime
    import hashlib
    sha256 = hashlib.sha256
    when = datetime.datetime(2026, 1, 1)
    epoch = int(when.replace(tzinfo=datetime.timezone.utc).timestamp())
    content = s8(b"custadm-audit-content-v1") + (16).to_bytes(8, "big")
    details = b"\x00" + s8(b"{}")
    chain = s8(b"custadm-audit-chain-v1")
    who = s8(b"bench") + s8(b"bench") + s8(b"view") + b"\x01"
    ok = s8(b"ok") + b"\x00"
    micros = (0).to_bytes(4, "big")
    buf = []
    second, text, time_bytes = None, "", b""
    for k in range(rows):
        rid = last_id + 1 + k
        if k // 8 != second:
            second = k // 8
            t = when + datetime.timedelta(seconds=second)
            text = t.strftime("%Y-%m-%d %H:%M:%S")
            time_bytes = (epoch + second).to_bytes(8, "big", signed=True) + micros
        rid8 = rid.to_bytes(8, "big", signed=True)
        salt = sha256(rid8).digest()[:16]
        digest = sha256(content + salt + details).digest()
        cust = 1 + k % 1000
        prev = sha256(chain + prev + rid8 + time_bytes + who + cust.to_bytes(8, "big", signed=True)
                      + ok + digest).digest()
        buf.append(f"{rid}\t{text}\tbench\tbench\tview\t{cust}\tok\t{{}}\t{salt.hex()}\t{digest.hex()}\t{prev.hex()}\n")
        if len(buf) == 10_000:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))
    return prev


def append_chain(db, binary, env, rows):
    """Appends `rows` chained `view` rows after the chain's head (hashed here,
    in Python: [`chain_lines`]) and moves the head: a trail of that size for
    `audit verify`. The lines stream into `\\copy … FROM pstdin` (PostgreSQL) or
    `.import` of a FIFO (SQLite) while they are hashed, so the database
    loads them on the other core; nothing is written to disk but the database."""
    head = db.scalar("SELECT last_id || ' ' || last_hash FROM audit_chain_head").split()
    last_id, prev = int(head[0]), bytes.fromhex(head[1])
    cols = "id, occurred_at, operator, os_user, action, customer_id, outcome, details, content_salt, content_digest, chain_hash"
    if db.name == "sqlite":
        fifo = os.path.join(tempfile.mkdtemp(prefix="custadm-chain-"), "chain.tsv")
        os.mkfifo(fifo)
        sql = (f"PRAGMA synchronous=OFF;\nCREATE TEMP TABLE t ({cols});\n.mode tabs\n.import {fifo} t\n"
               f"INSERT INTO audit_log ({cols}) SELECT {cols} FROM t;\n")
        loader = subprocess.Popen(db.raw_argv(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        loader.stdin.write(sql.encode())
        loader.stdin.close()
        with open(fifo, "w") as out:
            prev = chain_lines(last_id, prev, rows, out)
        os.remove(fifo)
        os.rmdir(os.path.dirname(fifo))
    else:
        loader = subprocess.Popen(db.raw_argv() + ["-c", f"\\copy audit_log ({cols}) FROM pstdin"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        prev = chain_lines(last_id, prev, rows, loader.stdin)
        loader.stdin.close()
    if loader.wait() != 0:
        raise SystemExit(f"loading the chained rows failed (exit {loader.returncode})")
    db.run_sql(f"UPDATE audit_chain_head SET last_id = {last_id + rows}, last_hash = '{prev.hex()}' WHERE id = 1;"
               + ("\nANALYZE audit_log;" if db.name == "sqlite" else "\nVACUUM ANALYZE audit_log;"))


def keep(db, name, server):
    """`--keep-db NAME`: use (and keep) that database (PostgreSQL: the
    database named as NAME's last path component)."""
    if db.name == "sqlite":
        db.path = db.url = os.path.abspath(name + ".sqlite3")
    else:
        db.db = os.path.basename(name)
        db.url = f"{server}/{db.db}"


def chained_rows(db):
    """The chained rows an existing database holds (0 when there is none)."""
    try:
        out = subprocess.run(db.raw_argv()[:1] + (["-X", "-q", "-t", "-A", "-d", db.url] if db.name == "postgres"
                                                  else [db.path]),
                             input=b"SELECT coalesce(last_id - chain_start_id + 1, 0) FROM audit_chain_head;",
                             capture_output=True).stdout.decode().strip()
        return int(out or 0)
    except ValueError:
        return 0


def verify_cost(db, binary, env, rows, runs):
    """`audit verify` of the whole trail (contract: 10,000,000 rows ≤ 60 s),
    and `--since` a digest taken before the last 1,000 rows."""
    out = []
    times = []
    for _ in range(runs):
        load = os.getloadavg()[0]
        times.append(timed([binary, "audit", "verify"], env)[0])
        print(f"# {db.name} audit verify: {times[-1]:.2f} s, {rows / times[-1]:,.0f} rows/s "
              f"(load average {load:.2f} before, {os.getloadavg()[0]:.2f} after)", file=sys.stderr)
    out.append((db.name, f"audit verify, {rows} rows (s; target ≤ 60 s)", None,
                {"custadm": statistics.median(times), "raw": float("nan"), "ratio": float("nan"),
                 "rss_mib": peak_rss_kib([binary, "audit", "verify"], env) / 1024}))
    # A digest of the row 1,000 rows before the head, as `audit digest` printed it then.
    row = db.scalar("SELECT id || ' ' || chain_hash FROM audit_log WHERE id = "
                    "(SELECT last_id - 1000 FROM audit_chain_head)").split()
    since = f'{{"id":{row[0]},"chain_hash":"{row[1]}","occurred_at":"2026-01-01T00:00:00Z"}}'
    times = [timed([binary, "audit", "verify", "--since", since], env)[0] for _ in range(runs)]
    out.append((db.name, f"audit verify --since (the last 1,000 of {rows} rows) (s)", None,
                {"custadm": statistics.median(times), "raw": float("nan"), "ratio": float("nan"),
                 "rss_mib": peak_rss_kib([binary, "audit", "verify", "--since", since], env) / 1024}))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="customers")
    ap.add_argument("--big-entries", type=int, default=1_000_000, help="account entries of the heavy customer")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--binary", default="target/release/custadm")
    ap.add_argument("--pg-server", default=os.environ.get("CUSTADM_BENCH_PG", "postgres://root@127.0.0.1:5432"))
    ap.add_argument("--smoke", action="store_true", help="2,000 customers, one run, no warm-up: checks the runner works")
    ap.add_argument("--jobs", default="", help="only the jobs whose names contain one of these comma-separated words")
    ap.add_argument("--anchor-cost", action="store_true",
                    help="only: view and a 100,000 deactivation with and without audit_anchor (issue 25)")
    ap.add_argument("--verify-rows", type=int, default=0,
                    help="only: append this many chained audit rows and time `audit verify`")
    ap.add_argument("--keep-db", default="",
                    help="--search-scale and --verify-rows: keep the databases (PostgreSQL database NAME, SQLite file NAME.sqlite3) "
                         "and, when they already hold customers (--verify-rows: that many chained rows), time the "
                         "searches (`audit verify`) on them without loading again")
    ap.add_argument("--edit-from", action="store_true",
                    help="only: edit --from of a phone correction for each of --n customers vs raw SQL, "
                         "and its peak memory at 100,000 vs --n rows (issue 27)")
    ap.add_argument("--search-scale", action="store_true",
                    help="search shapes, exact lookups, the 100,000 deactivation, list of all and the search "
                         "migration at --n customers (bench/search_scale.py; e.g. --n 10000000 --runs 5)")
    ap.add_argument("--deactivation-rounds", type=int, default=1,
                    help="--search-scale: rounds of the 100,000 filter deactivation, custadm and raw SQL "
                         "alternating which goes first (on a kept database: --jobs deactivation)")
    a = ap.parse_args()
    if a.smoke:
        a.n, a.big_entries, a.runs, a.warmup = 2000, 2000, 1, 0
        if not os.path.exists(a.binary):
            a.binary = "target/debug/custadm"
    binary = os.path.abspath(a.binary)
    for tool in ("sqlite3", "psql"):
        if not shutil.which(tool):
            raise SystemExit(f"bench needs {tool} on PATH")
    work = tempfile.mkdtemp(prefix="custadm-bench-")
    if a.search_scale or a.smoke:
        import search_scale
        dbs = {"sqlite": Sqlite(work), "postgres": Postgres(a.pg_server)}
        if a.keep_db:
            dbs["sqlite"].path = dbs["sqlite"].url = os.path.abspath(a.keep_db + ".sqlite3")
            dbs["postgres"].db = a.keep_db
            dbs["postgres"].url = f"{a.pg_server}/{a.keep_db}"
        try:
            search_scale.main(a, binary, dbs, work)
        finally:
            if not a.smoke:
                shutil.rmtree(work, ignore_errors=True)
        if a.search_scale:
            return
    rows = []
    try:
        for name in a.backends.split(","):
            db = Sqlite(work) if name == "sqlite" else Postgres(a.pg_server)
            env = dict(os.environ, CUSTADM_DATABASE_URL=db.url, CUSTADM_OPERATOR=ADMIN, HOME=work,
                       XDG_CONFIG_HOME=os.path.join(work, "config"))
            env.pop("CUSTADM_PROFILE", None)
            if a.verify_rows and a.keep_db:
                keep(db, a.keep_db, a.pg_server)
                env["CUSTADM_DATABASE_URL"] = db.url
                if chained_rows(db) >= a.verify_rows:
                    print(f"# {name}: timing the {a.keep_db} database as it is", file=sys.stderr)
                    rows += verify_cost(db, binary, env, chained_rows(db), a.runs)
                    continue
            db.drop()
            t0 = time.perf_counter()
            subprocess.run([binary, "init", "--admin", ADMIN, "--password-stdin"], input=(PASSWORD + "\n").encode(),
                           env=env, check=True, stdout=subprocess.DEVNULL)
            db.run_sql(db.generate_sql(a.n, a.big_entries))
            print(f"# {name}: generated {a.n} customers + one with {a.big_entries} entries in "
                  f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
            # 100,000 active customers (or half the data set when smaller).
            count = min(100_000, a.n // 2)
            ids_file = os.path.join(work, "ids.txt")
            with open(ids_file, "w") as f:
                picked = [i for i in range(1, a.n + 1) if i % 9 != 0][:count]
                f.write("\n".join(map(str, picked)) + "\n")
            view_id = (a.n // 2) // 5 * 5 + 1
            delete_id = next(i for i in range(a.n // 3, a.n) if i % 13 and i % 9)
            empty_id = a.n + 2
            db.run_sql(db.restore_big_customer_sql(empty_id, 0))
            if a.edit_from:
                rows += edit_from_cost(db, binary, env, work, a.n, a.runs, a.warmup)
                if name == "postgres":
                    db.drop()
                continue
            if a.anchor_cost or a.verify_rows:
                if a.anchor_cost:
                    rows += anchor_cost(db, binary, env, work, ids_file, view_id, a.runs, a.warmup,
                                        [w for w in a.jobs.split(",") if w])
                if a.verify_rows:
                    t1 = time.perf_counter()
                    append_chain(db, binary, env, a.verify_rows)
                    print(f"# {name}: appended {a.verify_rows} chained rows in {time.perf_counter() - t1:.1f} s",
                          file=sys.stderr)
                    rows += verify_cost(db, binary, env, a.verify_rows, a.runs)
                if name == "postgres" and not a.keep_db:
                    db.drop()
                continue
            wanted = [w for w in a.jobs.split(",") if w]
            for job in jobs(db, a.n, ids_file, view_id, delete_id, a.n + 1, a.big_entries, empty_id):
                if wanted and not any(w in job["name"] for w in wanted):
                    continue
                result = measure(db, job, binary, env, a.runs, a.warmup)
                rows.append((name, job["name"], job["target"], result))
                print(f"# {name} {job['name']}: {result}", file=sys.stderr)
            # Export memory flat in the number of entries: a light customer vs the heavy one.
            light = peak_rss_kib([binary, "export", str(view_id)], env)
            heavy = peak_rss_kib([binary, "export", str(a.n + 1)], env)
            rows.append((name, f"export peak RSS 3 vs {a.big_entries} entries", None,
                         {"custadm": light / 1024, "raw": heavy / 1024, "ratio": heavy / light, "rss_mib": heavy / 1024}))
            # Memory flat as the table grows: list 10 % vs all.
            if a.jobs and a.jobs not in "list peak RSS":
                if name == "postgres":
                    db.drop()
                continue
            small = peak_rss_kib([binary, "list", "--status", "all", "-o", "jsonl", "--limit", str(a.n // 10)], env)
            full = peak_rss_kib([binary, "list", "--status", "all", "-o", "jsonl"], env)
            rows.append((name, f"list jsonl peak RSS {a.n // 10} vs {a.n} rows", None,
                         {"custadm": small / 1024, "raw": full / 1024, "ratio": full / small, "rss_mib": full / 1024}))
            # The same for the default table output (plain text: stdout is not a terminal).
            small = peak_rss_kib([binary, "list", "--status", "all", "--limit", str(a.n // 10)], env)
            full = peak_rss_kib([binary, "list", "--status", "all"], env)
            rows.append((name, f"list table peak RSS {a.n // 10} vs {a.n} rows", None,
                         {"custadm": small / 1024, "raw": full / 1024, "ratio": full / small, "rss_mib": full / 1024}))
            if name == "postgres":
                db.drop()
        version = (version_times(binary, max(a.runs, 5) * 20)
                   if not (a.anchor_cost or a.verify_rows or a.edit_from) else [])
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"custadm vs raw SQL: {a.n} customers, medians of {a.runs} paired runs after {a.warmup} warm-up\n")
    print("| backend | job | custadm (s) | raw SQL (s) | ratio | target | custadm peak RSS (MiB) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for backend, job, target, r in rows:
        if "peak RSS" in job:
            print(f"| {backend} | {job} | {r['custadm']:.1f} MiB | {r['raw']:.1f} MiB | {r['ratio']:.2f} | flat | {r['rss_mib']:.1f} |")
            continue
        if "paired" in r:
            ok = " ✓" if r["ratio"] <= target and r["paired"] <= target else " ✗"
            print(f"| {backend} | {job} | {r['custadm']:.4f} | {r['raw']:.4f} | {r['ratio']:.3f}{ok} "
                  f"(paired median {r['paired']:.3f}, {r['n']} rounds) | ≤ {target} | - |")
            continue
        verdict = "" if target is None else (" ✓" if r["ratio"] <= target else " ✗")
        tgt = "-" if target is None else f"≤ {target}"
        print(f"| {backend} | {job} | {r['custadm']:.4f} | {r['raw']:.4f} | {r['ratio']:.2f}{verdict} | {tgt} | {r['rss_mib']:.1f} |")
    if not version:
        return
    med = statistics.median(version) * 1000
    print(f"\n`custadm --version`: median {med:.2f} ms over {len(version)} runs (target ≤ 5 ms){' ✓' if med <= 5 else ' ✗'}")


if __name__ == "__main__":
    main()
