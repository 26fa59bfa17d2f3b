//! The database seen directly, not through custadm: rows seeded as the web
//! application or another program would write them, and what is stored read back
//! (snapshots that prove a refusal wrote nothing).

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use super::*;

/// The first text value of `sql` (column `v`).
pub fn text(env: &Env, sql: &str) -> Option<String> {
    env.texts(sql).into_iter().next().flatten()
}

/// Every column of a customer row in one string: equal snapshots mean
/// nothing about the customer was written.
pub fn snapshot(env: &Env, id: i64) -> Option<String> {
    text(
        env,
        &format!(
            "SELECT full_name || '|' || email || '|' || COALESCE(phone, '-') || '|' || password_hash \
             || '|' || CAST(must_change_password AS TEXT) || '|' || CAST(is_active AS TEXT) \
             || '|' || COALESCE(CAST(deleted_at AS TEXT), '-') || '|' || CAST(updated_at AS TEXT) AS v \
             FROM customers WHERE id = {id}"
        ),
    )
}

pub fn full_name(env: &Env, id: i64) -> String {
    text(
        env,
        &format!("SELECT full_name AS v FROM customers WHERE id = {id}"),
    )
    .expect("customer exists")
}

pub fn is_active(env: &Env, id: i64) -> bool {
    env.count(
        "customers",
        &format!("id = {id} AND is_active = {}", env.bool_sql(true)),
    ) == 1
}

pub fn is_deleted(env: &Env, id: i64) -> bool {
    env.count(
        "customers",
        &format!("id = {id} AND deleted_at IS NOT NULL"),
    ) == 1
}

pub fn exists(env: &Env, id: i64) -> bool {
    env.count("customers", &format!("id = {id}")) == 1
}

pub fn billing_account(env: &Env, id: i64) -> i64 {
    env.scalar(&format!(
        "SELECT id AS v FROM billing_accounts WHERE customer_id = {id}"
    ))
    .expect("billing account")
}

/// Adds an account entry of any type.
pub fn add_entry(env: &Env, id: i64, entry_type: &str, cents: i64) {
    env.exec(&format!(
        "INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at) \
         SELECT id, '{entry_type}', {cents}, 'test entry', '2025-02-01 00:00:00' FROM billing_accounts WHERE customer_id = {id}"
    ));
}

/// Adds a KYC record.
pub fn add_kyc(
    env: &Env,
    id: i64,
    status: &str,
    number: &str,
    created_at: &str,
    verified_at: Option<&str>,
) {
    env.exec(&format!(
        "INSERT INTO kyc_records (customer_id, status, document_type, document_number, country, date_of_birth, verified_at, created_at) \
         VALUES ({id}, '{status}', 'passport', '{number}', 'DE', '1980-05-17', {}, '{created_at}')",
        verified_at.map(|v| format!("'{v}'")).unwrap_or_else(|| "NULL".into())
    ));
}

/// Ids of the customers matching `cond` (all when empty), ordered.
pub fn ids_where(env: &Env, cond: &str) -> Vec<i64> {
    let w = if cond.is_empty() {
        String::new()
    } else {
        format!("WHERE {cond}")
    };
    env.texts(&format!(
        "SELECT CAST(id AS TEXT) AS v FROM customers {w} ORDER BY id"
    ))
    .into_iter()
    .map(|v| v.unwrap().parse().unwrap())
    .collect()
}

pub fn inactive_ids(env: &Env) -> Vec<i64> {
    ids_where(env, &format!("is_active = {}", env.bool_sql(false)))
}

pub fn active_ids(env: &Env) -> Vec<i64> {
    ids_where(env, &format!("is_active = {}", env.bool_sql(true)))
}

/// A snapshot of every customer's mutable state and the audit trail size.
pub fn snapshot_all(env: &Env) -> (Vec<Option<String>>, i64) {
    let rows = env.texts(
        "SELECT CAST(id AS TEXT) || '|' || CAST(is_active AS TEXT) || '|' || COALESCE(CAST(deleted_at AS TEXT), '-') \
         || '|' || CAST(updated_at AS TEXT) AS v FROM customers ORDER BY id",
    );
    // The `run` row that closes a run with nothing to do is left out.
    (rows, env.count("audit_log", "action <> 'run'"))
}

/// Runs `sql` through the backend's own command-line client (`sqlite3` or
/// `psql`), as a program other than custadm would.
pub fn foreign_sql(env: &Env, sql: &str) {
    let mut cmd = match env.backend {
        Backend::Sqlite => {
            let mut c = Command::new("sqlite3");
            c.arg("-bail").arg(&env.url);
            c
        }
        Backend::Postgres => {
            let mut c = Command::new("psql");
            c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &env.url]);
            c
        }
    };
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sqlite3 / psql installed");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(sql.as_bytes())
        .expect("write SQL");
    let out = child.wait_with_output().expect("client ran");
    assert!(
        out.status.success(),
        "{sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Parses `$argon2id$v=19$m=…,t=…,p=…$salt$hash` into (m, t, p).
pub fn argon2id_params(phc: &str) -> (u32, u32, u32) {
    let parts: Vec<&str> = phc.split('$').collect();
    assert_eq!(parts.len(), 6, "not a PHC string: {phc}");
    assert_eq!(parts[1], "argon2id", "not Argon2id: {phc}");
    assert_eq!(parts[2], "v=19", "not Argon2 version 19: {phc}");
    let mut m = None;
    let mut t = None;
    let mut p = None;
    for kv in parts[3].split(',') {
        let (k, v) = kv.split_once('=').expect("k=v");
        let v: u32 = v.parse().expect("numeric parameter");
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            other => panic!("unexpected parameter {other} in {phc}"),
        }
    }
    (m.expect("m"), t.expect("t"), p.expect("p"))
}

/// One connection to the test database kept open across many queries (a
/// new PostgreSQL connection per query is what makes a matrix slow).
pub enum Probe {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(QueryableByName)]
pub struct TextRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub v: Option<String>,
}

impl Probe {
    pub fn new(env: &Env) -> Probe {
        match env.backend {
            Backend::Sqlite => {
                use diesel::connection::SimpleConnection;
                let mut c = SqliteConnection::establish(&env.url).expect("open sqlite");
                c.batch_execute("PRAGMA busy_timeout = 10000").unwrap();
                Probe::Sqlite(c)
            }
            Backend::Postgres => Probe::Pg(PgConnection::establish(&env.url).expect("connect")),
        }
    }

    pub fn texts(&mut self, sql: &str) -> Vec<Option<String>> {
        let rows: Vec<TextRow> = match self {
            Probe::Pg(c) => diesel::sql_query(sql).load(c),
            Probe::Sqlite(c) => diesel::sql_query(sql).load(c),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.into_iter().map(|r| r.v).collect()
    }

    pub fn count(&mut self, table: &str, cond: &str) -> i64 {
        let w = if cond.is_empty() {
            String::new()
        } else {
            format!(" WHERE {cond}")
        };
        self.texts(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) AS v FROM {table}{w}"
        ))[0]
            .as_deref()
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// Everything a command could change: every customer and operator row, and
/// the audit trail (each row's id, outcome, action and details).
pub fn full_state(env: &Env) -> Vec<Option<String>> {
    state_with(&mut Probe::new(env))
}

pub fn state_with(p: &mut Probe) -> Vec<Option<String>> {
    let mut v = p.texts(
        "SELECT CAST(id AS TEXT) || '|' || full_name || '|' || email || '|' || COALESCE(phone, '-') \
         || '|' || CAST(is_active AS TEXT) || '|' || CAST(must_change_password AS TEXT) \
         || '|' || COALESCE(CAST(deleted_at AS TEXT), '-') || '|' || CAST(updated_at AS TEXT) \
         || '|' || password_hash AS v FROM customers ORDER BY id",
    );
    v.extend(p.texts(
        "SELECT username || '|' || role || '|' || CAST(is_active AS TEXT) || '|' || CAST(failed_attempts AS TEXT) \
         || '|' || COALESCE(CAST(locked_until AS TEXT), '-') || '|' || password_hash AS v FROM operators ORDER BY id",
    ));
    // A run's closing `run` row is its record, not a change (a refused or
    // stopped run writes one too).
    v.extend(p.texts(
        "SELECT CAST(id AS TEXT) || '|' || outcome || '|' || action || '|' || details AS v FROM audit_log WHERE action <> 'run' ORDER BY id",
    ));
    v
}

/// Everything stored about every operator, to prove a refusal changed nothing.
pub fn operators_snapshot(env: &Env) -> Vec<Option<String>> {
    env.texts(
        "SELECT username || '|' || role || '|' || CAST(is_active AS TEXT) || '|' || CAST(failed_attempts AS TEXT) \
         || '|' || COALESCE(CAST(locked_until AS TEXT), '-') || '|' || password_hash AS v FROM operators ORDER BY id",
    )
}

#[derive(QueryableByName)]
pub struct V {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub v: Option<i64>,
}

/// A customer `name` / `email` who last logged in `days` days ago.
pub fn customer(env: &Env, name: &str, email: &str, days: i64) -> i64 {
    let id = env.insert_customer(name, email);
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}' WHERE id = {id}",
        days_ago(days)
    ));
    id
}

/// Ids whose column `cond` holds, ordered.
pub fn id_set_where(env: &Env, cond: &str) -> BTreeSet<i64> {
    env.texts(&format!(
        "SELECT CAST(id AS TEXT) AS v FROM customers WHERE {cond} ORDER BY id"
    ))
    .into_iter()
    .map(|v| v.expect("id").parse().expect("id"))
    .collect()
}
