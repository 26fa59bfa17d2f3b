"""Search and everyday commands at scale (issue 23), run by `bench/run.py --search-scale`.

For each backend: a custadm-initialised database whose search structures are
taken out again, N generated customers (bulk SQL, minutes at 10M) with
diverse names (200 first names x 2,000 surnames x 500 domains from syllable
combinatorics, 1 in 50 with an accented surname, 1 in 200 spelled in NFD,
20 with a rare surname, phones from a hash), then:

- the write cost before the search structures exist: a single-row UPDATE of
  a name by another program (sqlite3 / psql, 200 one-row transactions in one
  session) and a 100,000-customer deactivation in raw SQL;
- `custadm db migrate` building the search indexes (timed, its notes kept);
- the same writes again (the overhead the triggers / indexes add);
- each search shape: `list --search T --limit 50 -o jsonl` (median and worst
  of R runs) paired with raw SQL in the database's own shell in the same
  run: on SQLite the statements custadm sends, on PostgreSQL the plain
  query with the planner's own plan (custadm's statements depend on what
  the first ones return);
- `view ID`, `view EMAIL` against raw SELECTs; a filter deactivation of
  100,000 customers (`toggle --deactivate --last-login-before`) against a raw
  UPDATE plus its audit rows; `list` of every customer as jsonl (time, peak RSS).

Prints a Markdown table; nothing here asserts a time.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

F1 = ["Al", "Be", "Ca", "Da", "El", "Fa", "Ga", "Ha", "Is", "Jo", "Ka", "Le", "Ma", "Ni", "Ol", "Pa", "Ro", "Sa", "Ta", "Vi"]
F2 = ["ina", "bert", "mon", "rian", "ven", "dric", "sha", "lton", "gor", "nell"]
L1 = ["Ander", "Bran", "Carl", "Dorn", "Eck", "Fisch", "Gold", "Hart", "Iver", "Jung", "Klein", "Lind",
      "Mont", "Nord", "Ost", "Pratt", "Quinn", "Ross", "Stein", "Thal", "Ull", "Vogel", "Wald", "Xand",
      "York", "Zimm", "Abb", "Bell", "Crom", "Dal", "Ester", "Frost", "Grim", "Holm", "Ing", "Jar",
      "Kirk", "Lang", "Moor", "Neu"]
L2 = ["son", "sen", "berg", "mann", "ley", "ford", "ton", "wood", "well", "field", "stone", "bridge",
      "worth", "ham", "by", "dale", "hurst", "more", "wick", "gate", "acre", "brook", "cliff", "croft",
      "den", "fell", "garth", "holt", "ing", "lock", "marsh", "ness", "pool", "rigg", "shaw", "thorpe",
      "ville", "wald", "well s", "yard", "land", "hill", "burn", "combe", "ey", "hope", "over", "ridge",
      "stead", "wyn"]
D1 = ["acme", "globex", "initech", "umbrel", "hooli", "vandel", "stark", "wayne", "tyrell", "cyber",
      "soylent", "wonka", "gringot", "oscorp", "massive", "aperture", "black", "mesa", "nakat", "dunder",
      "sterling", "pied", "prest", "gekko", "ollivan"]
D2 = [".example", "-corp.example", "-mail.example", ".test", "-group.example", "-labs.example",
      "-net.example", "-web.example", "-shop.example", "-bank.example", ".invalid", "-eu.example",
      "-us.example", "-asia.example", "-uk.example", "-de.example", "-fr.example", "-pl.example",
      "-dk.example", "-es.example"]
ACCENTED = ["Müller", "García", "Søren", "Łódź", "Kowalská", "Dvořák"]
NFD = "Mu\u0308ller"
RARE = "Zwiebelkraut"

# (label, term): the shapes the contract names, plus a short term (scan).
TERMS = [
    ("rare (20 matches)", "zwiebelk"),
    ("common first name (50,000+)", "alina"),
    ("medium surname (~5,000)", "fischwood"),
    ("accented, folded (garcia)", "garcia"),
    ("miss", "qxzqv"),
    ("phone fragment", "4411"),
    ("phone fragment, formatted", "(415) 909"),
    ("short term, 2 characters (scan)", "zw"),
]


def names_sql(name, items):
    vals = ",".join(f"({i}, '{v}')" for i, v in enumerate(items))
    return f"CREATE TEMP TABLE {name}(i INTEGER PRIMARY KEY, v TEXT); INSERT INTO {name} VALUES {vals};\n"


def tables_sql():
    first = [a + b for a in F1 for b in F2]
    last = [a + b.replace(" ", "") for a in L1 for b in L2]
    dom = [a + b for a in D1 for b in D2]
    return names_sql("fn", first) + names_sql("ln", last) + names_sql("dn", dom) + names_sql("an", ACCENTED)


def generate_sql(backend, n, hashv):
    # h: a multiplicative hash of n; surname h % 2000, domain (h / 2000) % 500.
    if backend == "sqlite":
        return f"""
PRAGMA foreign_keys=OFF;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-1000000;
BEGIN;
-- The secondary indexes are built after the rows (sorted: minutes, not an hour of random inserts).
DROP INDEX customers_email_key;
DROP INDEX customers_last_login_at_instant_idx;
DROP INDEX customers_created_at_instant_idx;
{tables_sql()}
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n}),
h AS (SELECT n, (n * 2654435761) % 4294967296 AS h FROM seq)
INSERT INTO customers (id, full_name, email, phone, password_hash, must_change_password, is_active,
                       deleted_at, last_login_at, created_at, updated_at)
SELECT n,
       (SELECT v FROM fn WHERE i = n % 200) || ' ' ||
       CASE WHEN n % 500000 = 7 THEN '{RARE}'
            WHEN n % 200 = 3 THEN '{NFD}'
            WHEN n % 50 = 1 THEN (SELECT v FROM an WHERE i = (h / 7) % 6)
            ELSE (SELECT v FROM ln WHERE i = h % 2000) END,
       lower((SELECT v FROM fn WHERE i = n % 200)) || '.' || n || '@' || (SELECT v FROM dn WHERE i = (h / 2000) % 500),
       CASE WHEN n % 7 = 0 THEN NULL ELSE '+1' || (200 + n % 800) || substr('0000000' || ((n * 7919) % 10000000), -7) END,
       '{hashv}', 0,
       CASE WHEN n % 9 = 0 THEN 0 ELSE 1 END,
       CASE WHEN n % 97 = 0 THEN datetime('now', '-30 days') END,
       CASE WHEN n % 100 = 11 THEN '2001-01-01 00:00:00' ELSE datetime('now', '-' || (n % 300) || ' days') END,
       datetime('now', '-' || (400 + n % 300) || ' days'),
       datetime('now', '-1 days')
FROM h;
UPDATE sqlite_sequence SET seq = {n} WHERE name = 'customers';
CREATE UNIQUE INDEX customers_email_key ON customers (email COLLATE NOCASE);
CREATE INDEX customers_last_login_at_instant_idx ON customers (julianday(last_login_at));
CREATE INDEX customers_created_at_instant_idx ON customers (julianday(created_at));
COMMIT;
ANALYZE;
"""
    return f"""
SET synchronous_commit = off;
BEGIN;
{tables_sql()}
INSERT INTO customers (id, full_name, email, phone, password_hash, must_change_password, is_active,
                       deleted_at, last_login_at, created_at, updated_at)
SELECT n,
       f.v || ' ' || CASE WHEN n % 500000 = 7 THEN '{RARE}'
                          WHEN n % 200 = 3 THEN U&'Mu\\0308ller'
                          WHEN n % 50 = 1 THEN a.v
                          ELSE l.v END,
       lower(f.v) || '.' || n || '@' || d.v,
       CASE WHEN n % 7 = 0 THEN NULL ELSE '+1' || (200 + n % 800) || lpad(((n::bigint * 7919) % 10000000)::text, 7, '0') END,
       '{hashv}', false, n % 9 <> 0,
       CASE WHEN n % 97 = 0 THEN (now() AT TIME ZONE 'UTC') - interval '30 days' END,
       CASE WHEN n % 100 = 11 THEN TIMESTAMP '2001-01-01' ELSE date_trunc('second', now() AT TIME ZONE 'UTC') - make_interval(days => n % 300) END,
       date_trunc('second', now() AT TIME ZONE 'UTC') - make_interval(days => 400 + n % 300),
       date_trunc('second', now() AT TIME ZONE 'UTC') - interval '1 day'
FROM (SELECT n, (n::bigint * 2654435761) % 4294967296 AS h FROM generate_series(1, {n}) AS n) s
JOIN fn f ON f.i = n % 200
JOIN ln l ON l.i = h % 2000
JOIN dn d ON d.i = (h / 2000) % 500
JOIN an a ON a.i = (h / 7) % 6;
SELECT setval(pg_get_serial_sequence('customers', 'id'), {n});
COMMIT;
VACUUM ANALYZE customers;
"""


# Taking the search structures out again (so the migration is measured on a full table).
UNMIGRATE = {
    "sqlite": """
DROP TRIGGER customers_search_insert; DROP TRIGGER customers_search_update; DROP TRIGGER customers_search_delete;
DROP TABLE customers_search; DROP TABLE customers_search_fold;
DELETE FROM __diesel_schema_migrations WHERE version = '20261207000001';
""",
    "postgres": """
DROP INDEX customers_search_name_idx; DROP INDEX customers_search_email_idx; DROP INDEX customers_search_phone_idx;
DELETE FROM __diesel_schema_migrations WHERE version BETWEEN '20261207000001' AND '20261207000004';
-- and the migration that bounds the indexes' pending lists, which must run
-- again on the rebuilt indexes (ALTER INDEX … SET lives on the index)
DELETE FROM __diesel_schema_migrations WHERE version = '20261207000027';
""",
}


def fold_term(t):
    """The Rust fold for the bench's terms (ASCII and digits only)."""
    return t.lower()


def raw_search_sql(backend, term, limit=50):
    """Raw SQL for `list --search term --limit 50`: SQLite, the statements custadm sends (db::filter::for_each_listed)."""
    cols = "id, full_name, email, phone, is_active, deleted_at, created_at, last_login_at"
    t = fold_term(term)
    digits = "".join(c for c in term if c.isdigit())
    phone = all(c.isdigit() or c in "+ -()" for c in term) and len(digits) >= 3
    if backend == "sqlite":
        q = '{full_name email} : "' + t + '"' + (f' OR phone : "{digits}"' if phone else "")
        q = q.replace("'", "''")
        return (f"SELECT rowid FROM customers_search WHERE customers_search MATCH '{q}' AND rowid >= -9223372036854775808 ORDER BY rowid LIMIT 64;\n"
                f"SELECT {cols} FROM customers WHERE deleted_at IS NULL AND id IN (SELECT rowid FROM customers_search WHERE customers_search MATCH '{q}' ORDER BY rowid LIMIT 64) ORDER BY id LIMIT {limit + 1};\n")
    # PostgreSQL: custadm's statements depend on what the first ones return
    # (db::filter::pg_search), so the raw side is the one query a DBA would
    # type, with the planner choosing its own plan.
    pat = "%" + t + "%"
    pred = f"(custadm_fold(customers.full_name) LIKE E'{pat}' OR custadm_fold(customers.email) LIKE E'{pat}'"
    if phone:
        pred += f" OR custadm_digits(customers.phone) LIKE E'%{digits}%'"
    pred += ")"
    return f"SELECT {cols} FROM customers WHERE deleted_at IS NULL AND {pred} ORDER BY id LIMIT {limit + 1};\n"


def run(argv, env, stdin_text=None, capture=False):
    start = time.perf_counter()
    p = subprocess.run(argv, env=env, input=stdin_text.encode() if stdin_text else None,
                       stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:6])}… exited {p.returncode}: {p.stderr.decode(errors='replace')[:500]}")
    return elapsed, p


def times(fn, runs):
    ts = [fn() for _ in range(runs)]
    return statistics.median(ts), max(ts)


def write_cost(db, env, backend):
    """Seconds for 200 one-row name UPDATEs (each its own transaction, one session of the
    database's shell) and for a raw 100,000-customer deactivation (rolled back)."""
    one = "".join(f"UPDATE customers SET full_name = 'Name{i} ' || substr(full_name, 1, 40) WHERE id = {i * 49999 + 17};\n"
                  for i in range(200))
    t1, _ = times(lambda: run(db.raw_argv(), env, db.prelude() + one)[0], 3)
    bulk = "BEGIN;\nUPDATE customers SET is_active = " + ("0" if backend == "sqlite" else "false") + \
           " WHERE id IN (SELECT id FROM customers WHERE id % 100 = 13 LIMIT 100000);\nROLLBACK;\n"
    t2, _ = times(lambda: run(db.raw_argv(), env, db.prelude() + bulk)[0], 3)
    return t1, t2


def reusable(db):
    """True when `db` (--keep-db) already holds generated customers."""
    try:
        return int(db.scalar("SELECT count(*) FROM customers") or 0) > 1000
    except Exception:  # noqa: BLE001 (no such database or file yet)
        return False


def view_raw(db, name, where):
    """What `view` does, in raw SQL (as bench/run.py's view job): the
    operator, the customer, the latest KYC record, the unpaid invoices, and
    its audit row (a plain row: custadm's is a chain link)."""
    from run import ADMIN, audit_insert  # noqa: E402
    return f"""
SELECT id, role, is_active FROM operators WHERE username = '{ADMIN}';
SELECT id, full_name, email, phone, must_change_password, is_active, deleted_at, last_login_at, created_at, updated_at
  FROM customers WHERE {where};
SELECT status, document_type, document_number, country, date_of_birth, verified_at FROM kyc_records
  WHERE customer_id = (SELECT id FROM customers WHERE {where}) ORDER BY created_at DESC, id DESC LIMIT 1;
SELECT ba.customer_id, count(*), sum(ae.amount_usd_cents) FROM account_entries ae
  JOIN billing_accounts ba ON ba.id = ae.billing_account_id
  WHERE ba.customer_id = (SELECT id FROM customers WHERE {where}) AND ae.entry_type = 'invoice' AND ae.amount_usd_cents > 0
  GROUP BY ba.customer_id;
{audit_insert(db, 'view', f"(SELECT id FROM customers WHERE {where})", '{}')}
"""


def wanted(a, label):
    """--jobs (comma-separated words) narrows which rows are timed."""
    return not a.jobs or any(w.strip() and w.strip() in label for w in a.jobs.split(","))


def search_rows(a, binary, db, env, name, rows):
    """Times each search shape and `view` against raw SQL; appends to rows."""
    n = int(db.scalar("SELECT max(id) FROM customers") or 0)
    for label, term in TERMS:
        if not wanted(a, f"search {label}"):
            continue
        argv = [binary, "list", "--search", term, "--limit", "50", "-o", "jsonl"]
        # A scan is timed once (it reads the whole table).
        k = 1 if "scan" in label else a.runs + 1
        c = [run(argv, env)[0] for _ in range(k)][-a.runs:]
        r = [run(db.raw_argv(), env, db.prelude() + raw_search_sql(name, term))[0] for _ in range(k)][-a.runs:]
        matches = run([binary, "list", "--search", term, "-o", "ids"], env, capture=True)[1].stdout.count(b"\n") \
            if n <= 10_000_000 and "scan" not in label else None
        rows.append((name, f"search {label}: `{term}`" + (f" ({matches} matches)" if matches is not None else ""),
                     (statistics.median(c), max(c)), (statistics.median(r), max(r))))
        print(f"# {rows[-1]}", file=sys.stderr)
    view_id = n // 2 + 1
    email = db.scalar(f"SELECT email FROM customers WHERE id = {view_id}")
    for label, arg, raw in [
        ("view ID", str(view_id), view_raw(db, name, f"id = {view_id}")),
        ("view EMAIL", email, view_raw(db, name, f"lower(email) = lower('{email}')"
                                       if name == "postgres" else f"email = '{email}' COLLATE NOCASE")),
    ]:
        if not wanted(a, label):
            continue
        c = [run([binary, "view", arg], env)[0] for _ in range(a.runs + 1)][1:]
        r = [run(db.raw_argv(), env, db.prelude() + raw)[0] for _ in range(a.runs + 1)][1:]
        rows.append((name, label, (statistics.median(c), max(c)), (statistics.median(r), max(r))))
        print(f"# {rows[-1]}", file=sys.stderr)


def deactivation_rows(a, binary, db, env, name, rows):
    """A filter deactivation of the 100,000 customers who last logged in
    before 2002 (`toggle --deactivate --last-login-before 2002-01-01`)
    against a raw UPDATE plus its audit rows in one transaction, in
    `--deactivation-rounds` rounds (default 1). Both sides start from the
    same state: before each timed run the 100,000 are made active again
    (untimed). Rounds alternate which side goes first, so neither always
    meets the other's dead rows and warm cache; each round's ratio is
    printed and the row holds the medians."""
    t = "1" if name == "sqlite" else "true"
    f = "0" if name == "sqlite" else "false"
    now = "datetime('now')" if name == "sqlite" else "now()"
    reset = f"UPDATE customers SET is_active = {t} WHERE last_login_at < '2002-01-01' AND id % 9 <> 0;"
    raw = (db.prelude() + f"BEGIN;\nUPDATE customers SET is_active = {f}, updated_at = {now} "
           f"WHERE last_login_at < '2002-01-01' AND is_active = {t} AND deleted_at IS NULL;\n"
           "INSERT INTO audit_log (occurred_at, operator, os_user, action, customer_id, outcome, details, content_digest, chain_hash) "
           f"SELECT {now}, 'bench', 'bench', 'toggle', id, 'ok', '{{}}', 'x', 'x' FROM customers "
           "WHERE last_login_at < '2002-01-01' AND deleted_at IS NULL;\nCOMMIT;\n")
    argv = [binary, "toggle", "--deactivate", "--last-login-before", "2002-01-01", "--yes", "-q"]
    cs, rs = [], []
    for i in range(getattr(a, "deactivation_rounds", 1) or 1):
        order = ["custadm", "raw"] if i % 2 == 0 else ["raw", "custadm"]
        for side in order:
            db.run_sql(reset)
            if side == "custadm":
                cs.append(run(argv, env)[0])
            else:
                rs.append(run(db.raw_argv(), env, raw)[0])
        print(f"# {name}: deactivation round {i + 1} ({' first, '.join(order)} second): custadm {cs[-1]:.2f} s, "
              f"raw {rs[-1]:.2f} s, ratio {cs[-1] / rs[-1]:.2f} (load {os.getloadavg()[0]:.1f})", file=sys.stderr)
    db.run_sql(reset)
    c, r = statistics.median(cs), statistics.median(rs)
    rows.append((name, f"filter deactivation of 100,000 (`toggle --deactivate --last-login-before`), "
                       f"median of {len(cs)} interleaved round(s)", (c, max(cs)), (r, max(rs))))


def main(a, binary, db_classes, work):
    from run import ADMIN, PASSWORD, HASH, peak_rss_kib  # noqa: E402
    rows, notes = [], []
    load = os.getloadavg()
    for name in a.backends.split(","):
        db = db_classes[name]
        env = dict(os.environ, CUSTADM_DATABASE_URL=db.url, CUSTADM_OPERATOR=ADMIN, HOME=work,
                   XDG_CONFIG_HOME=os.path.join(work, "config"))
        env.pop("CUSTADM_PROFILE", None)
        if a.keep_db and reusable(db):
            a.n = int(db.scalar("SELECT count(*) FROM customers"))
            print(f"# {name}: timing the {a.n} customers already in {db.url}", file=sys.stderr)
            search_rows(a, binary, db, env, name, rows)
            if wanted(a, "filter deactivation"):
                deactivation_rows(a, binary, db, env, name, rows)
            continue
        db.drop()
        subprocess.run([binary, "init", "--admin", ADMIN, "--password-stdin"], input=(PASSWORD + "\n").encode(),
                       env=env, check=True, stdout=subprocess.DEVNULL)
        db.run_sql(UNMIGRATE[name])
        t0 = time.perf_counter()
        db.run_sql(generate_sql(name, a.n, HASH))
        gen = time.perf_counter() - t0
        print(f"# {name}: generated {a.n} customers in {gen:.1f} s (load {os.getloadavg()[0]:.1f})", file=sys.stderr)
        before = write_cost(db, env, name)
        print(f"# {name}: writes before the search structures {before}", file=sys.stderr)
        load_m = os.getloadavg()[0]
        mig, p = run([binary, "db", "migrate"], env, capture=True)
        notes.append(f"{name}: `custadm db migrate` over {a.n} customers: {mig:.1f} s (load {load_m:.1f}); it said: "
                     + " / ".join(l for l in p.stderr.decode().splitlines() if l.strip()))
        print(f"# {notes[-1]}", file=sys.stderr)
        after = write_cost(db, env, name)
        print(f"# {name}: writes after {after}", file=sys.stderr)
        rows.append((name, "200 one-row name UPDATEs by another program (s)", before[0], after[0]))
        rows.append((name, "raw deactivation of 100,000 (s)", before[1], after[1]))
        search_rows(a, binary, db, env, name, rows)
        deactivation_rows(a, binary, db, env, name, rows)
        # list of everything as jsonl.
        t_l, _ = run([binary, "list", "--status", "all", "-o", "jsonl"], env)
        rss = peak_rss_kib([binary, "list", "--status", "all", "-o", "jsonl"], env) / 1024
        t_lr, _ = run(db.raw_list_argv(), env)
        rows.append((name, f"list of all {a.n} as jsonl (custadm peak RSS {rss:.1f} MiB)", (t_l, t_l), (t_lr, t_lr)))
        if not a.keep_db:
            db.drop()
    print(f"\nSearch at scale: {a.n} customers, medians of {a.runs} runs after 1 warm-up; "
          f"load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, at end {os.getloadavg()[0]:.1f}\n")
    print("| backend | what | custadm median (s) | custadm worst (s) | raw SQL median (s) | raw worst (s) |")
    print("|---|---|---:|---:|---:|---:|")
    for backend, what, c, r in rows:
        if isinstance(c, tuple):
            print(f"| {backend} | {what} | {c[0]:.4f} | {c[1]:.4f} | {r[0]:.4f} | {r[1]:.4f} |")
    print("\n| backend | write | before search structures (s) | after (s) | overhead |")
    print("|---|---|---:|---:|---:|")
    for backend, what, b, a_ in rows:
        if not isinstance(b, tuple):
            print(f"| {backend} | {what} | {b:.3f} | {a_:.3f} | {100 * (a_ - b) / b:+.0f} % |")
    print()
    for n in notes:
        print(f"- {n}")
