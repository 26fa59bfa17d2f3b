//! `list --search` (issue 23): results equal a reference scan computed here
//! over generated customers (accents, case, NFD, `%`/`_`/`\`, phones,
//! soft-deleted, rows written by plain SQL after the index exists, by
//! SQLite 3.40's `/usr/bin/sqlite3` too), on SQLite, PostgreSQL and through
//! PgBouncer; the Rust fold and each database's SQL fold character by
//! character; the migration over existing data, run twice (and on
//! PostgreSQL after an interrupted concurrent build); the generic-plan
//! guard; a role that may not create pg_trgm; bad input.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::support::*;
use custadm::db::search::{fold, SearchTerm};

const FIRST: [&str; 12] = [
    "García",
    "GARCIA",
    "Müller",
    "Mu\u{308}ller",
    "Søren",
    "Łódź",
    "Chloé",
    "Zoë",
    "Ana",
    "O'Brien",
    "Dvořák",
    "İlkay",
];
const LAST: [&str; 10] = [
    "Kowalski",
    "50% Off",
    "a_b",
    "back\\slash",
    "Smith",
    "NGUYEN",
    "Ñandú",
    "Straße",
    "Œuvre",
    "quo\"te",
];
const DOMAINS: [&str; 4] = [
    "example.com",
    "ÉCOLE.example",
    "ex_ample.org",
    "mail.example",
];

/// Search texts: the contract's examples, wildcards and escapes, NFD,
/// phone fragments, 1 and 2 characters (scans), misses.
const TERMS: [&str; 30] = [
    "garcia",
    "MULLER",
    "soren",
    "lodz",
    "muller",
    "Mu\u{308}LLER",
    "ÉCOLE",
    "ecole",
    "%",
    "50%",
    "_",
    "a_b",
    "\\",
    "k\\s",
    "e",
    "ü",
    "ab",
    "zz",
    "son",
    "4411",
    "+1 (202)",
    "202-555",
    "0958",
    "o'b",
    "quo\"",
    "ilkay",
    "strasse",
    "xyzzy-none",
    "@ex",
    "œuvre",
];

/// One generated customer (deterministic from `k`).
fn customer(k: usize) -> (String, String, Option<String>) {
    let first = FIRST[k % FIRST.len()];
    let last = LAST[(k / FIRST.len()) % LAST.len()];
    let domain = DOMAINS[(k / 7) % DOMAINS.len()];
    let name = format!("{first} {last}");
    let email = format!(
        "{}.{k}@{domain}",
        fold(first).to_lowercase().replace(' ', "")
    );
    let phone = match k % 5 {
        0 => None,
        1 => Some(format!("+1202555{:04}", k % 10_000)),
        2 => Some(format!("+44207946{:04}", (k * 37) % 10_000)),
        3 => Some(format!("+4915{:08}", k * 4411)),
        _ => Some(format!("+336{:08}", k * 7919 % 100_000_000)),
    };
    (name, email, phone)
}

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Inserts customers `range` by plain SQL (not custadm).
fn insert_plain(env: &Env, range: std::ops::Range<usize>) {
    let mut values = Vec::new();
    for k in range {
        let (name, email, phone) = customer(k);
        values.push(format!(
            "({}, {}, {}, 'x', {}, '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
            sql_text(&name),
            sql_text(&email),
            phone.as_deref().map_or("NULL".to_string(), sql_text),
            env.bool_sql(k % 11 != 0)
        ));
    }
    for chunk in values.chunks(400) {
        env.exec(&format!(
            "INSERT INTO customers (full_name, email, phone, password_hash, is_active, created_at, updated_at) VALUES {}",
            chunk.join(", ")
        ));
    }
}

#[derive(QueryableByName, Debug)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Nullable<Text>)]
    phone: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    deleted: Option<String>,
}

fn all_rows(env: &Env) -> Vec<Row> {
    let sql = "SELECT id, full_name, email, phone, CAST(deleted_at AS TEXT) AS deleted FROM customers ORDER BY id";
    match env.backend {
        Backend::Sqlite => {
            let mut c = SqliteConnection::establish(&env.url).expect("open sqlite");
            diesel::sql_query(sql).load(&mut c).expect("rows")
        }
        Backend::Postgres => {
            let mut c = PgConnection::establish(&env.url).expect("open postgres");
            diesel::sql_query(sql).load(&mut c).expect("rows")
        }
    }
}

/// The reference: the contract's rule applied to every row, here in Rust.
fn reference(rows: &[Row], text: &str, with_deleted: bool) -> Vec<i64> {
    let term = SearchTerm::new(text);
    let has = |s: &str| fold(s).to_lowercase().contains(&term.folded);
    rows.iter()
        .filter(|r| with_deleted || r.deleted.is_none())
        .filter(|r| {
            has(&r.full_name)
                || has(&r.email)
                || term.digits.as_ref().is_some_and(|d| {
                    r.phone.as_deref().is_some_and(|p| {
                        p.chars()
                            .filter(char::is_ascii_digit)
                            .collect::<String>()
                            .contains(d.as_str())
                    })
                })
        })
        .map(|r| r.id)
        .collect()
}

fn listed(env: &Env, args: &[&str]) -> (Vec<i64>, String) {
    let mut all = vec!["list", "-o", "ids"];
    all.extend_from_slice(args);
    let run = env.run(&all);
    run.code(0);
    let ids = run
        .stdout
        .lines()
        .map(|l| l.trim().parse::<i64>().expect("an id a line"))
        .collect();
    (ids, run.stderr.clone())
}

/// Every term, with and without soft-deleted customers, and cut by --limit.
fn assert_matches_reference(env: &Env) {
    let rows = all_rows(env);
    for text in TERMS {
        for (status, with_deleted) in [(None, false), (Some("all"), true)] {
            let want = reference(&rows, text, with_deleted);
            let mut args = vec!["--search", text];
            if let Some(s) = status {
                args.extend(["--status", s]);
            }
            let (got, _) = listed(env, &args);
            assert_eq!(
                got, want,
                "--search {text:?} --status {status:?} ({:?})",
                env.backend
            );
        }
        let want = reference(&rows, text, false);
        let (got, stderr) = listed(env, &["--search", text, "--limit", "3"]);
        assert_eq!(
            got,
            want.iter().take(3).copied().collect::<Vec<_>>(),
            "{text:?} --limit 3"
        );
        if want.len() > 3 {
            assert!(
                stderr.contains(&format!(
                    "more customers match: continue with --after {}",
                    want[2]
                )),
                "{text:?}: {stderr}"
            );
            let after = want[2].to_string();
            let (rest, _) = listed(env, &["--search", text, "--after", &after]);
            assert_eq!(rest, want[3..].to_vec(), "{text:?} --after");
        } else {
            assert!(
                !stderr.contains("more customers match"),
                "{text:?}: {stderr}"
            );
        }
    }
}

/// Writes by plain SQL after the index exists: insert, update of name,
/// email and phone, delete; custadm's soft delete and purge.
fn write_around(env: &Env) {
    insert_plain(env, 2000..2100);
    env.exec("UPDATE customers SET full_name = 'Renée Łukasz' WHERE id % 13 = 0");
    env.exec("UPDATE customers SET email = 'moved.' || id || '@ÉCOLE.example' WHERE id % 17 = 0");
    env.exec("UPDATE customers SET phone = '+12025554411' WHERE id % 19 = 0");
    env.exec("UPDATE customers SET is_active = is_active WHERE id % 3 = 0");
    env.exec("DELETE FROM customers WHERE id % 23 = 0");
    env.run(&["delete", "5", "6", "7", "--yes"]).code(0);
    env.cmd()
        .args(&["purge", "8", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .code(0);
}

fn full_check(env: &Env) {
    env.init_db(0);
    insert_plain(env, 0..2000);
    assert_matches_reference(env);
    write_around(env);
    assert_matches_reference(env);
}

#[test]
fn search_equals_reference_scan_sqlite() {
    let env = Env::sqlite();
    full_check(&env);
    // A program linked with Debian 12's SQLite 3.40 writes the table: its
    // triggers run there (no custadm function, no newer SQLite needed).
    let old = std::path::Path::new("/usr/bin/sqlite3");
    if !old.exists() {
        record_skip(
            "search: writes by /usr/bin/sqlite3",
            "no /usr/bin/sqlite3 on this machine",
        );
        return;
    }
    let sql = "INSERT INTO customers (full_name, email, phone, password_hash) VALUES ('Jürgen Łoś', 'jurgen@old.example', '+4915112344411', 'x');\n\
               UPDATE customers SET full_name = 'Søren Kierkegaard' WHERE id = 10;\n\
               UPDATE customers SET email = 'Zoë.older@example.com' WHERE id = 11;\n\
               DELETE FROM customers WHERE id = 12;\n\
               SELECT sqlite_version();";
    let out = std::process::Command::new(old)
        .arg(&env.url)
        .arg(sql)
        .output()
        .expect("run /usr/bin/sqlite3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_matches_reference(&env);
    let (ids, _) = listed(&env, &["--search", "jurgen los"]);
    assert_eq!(ids.len(), 1, "the row /usr/bin/sqlite3 inserted");
    let (ids, _) = listed(&env, &["--search", "kierkegaard"]);
    assert_eq!(ids, vec![10]);
}

#[test]
fn search_equals_reference_scan_postgres() {
    let Some(env) = Env::postgres() else { return };
    full_check(&env);
}

#[test]
fn search_equals_reference_scan_through_pgbouncer() {
    let Some(env) = Env::pgbouncer() else { return };
    full_check(&env);
}

/// Every character of ASCII, Latin-1 and Latin Extended-A and every
/// combining mark, through each database's SQL fold and through Rust's.
#[test]
fn sql_folds_equal_the_rust_fold_char_by_char() {
    let chars: Vec<char> = ('\u{20}'..='\u{17F}')
        .chain(custadm::db::search::MARKS)
        .filter(|c| !c.is_control())
        .collect();
    let values = chars
        .iter()
        .map(|c| format!("({})", sql_text(&c.to_string())))
        .collect::<Vec<_>>()
        .join(", ");
    let check = |env: &Env, sql: String, want: &dyn Fn(char) -> String| {
        let got = env.texts(&sql);
        assert_eq!(got.len(), chars.len());
        for (c, v) in chars.iter().zip(got) {
            let v = v.expect("a value");
            let (x, folded) = v.split_once('\u{1F}').expect("separator");
            assert_eq!(x, c.to_string());
            assert_eq!(
                folded,
                want(*c),
                "{c:?} (U+{:04X}) on {:?}",
                *c as u32,
                env.backend
            );
        }
    };
    let env = Env::sqlite();
    env.init_db(0);
    check(
        &env,
        format!(
            "WITH t(x) AS (VALUES {values}) SELECT x || char(31) || {} AS v FROM t",
            custadm::db::search::sqlite_fold_sql("x")
        ),
        &|c| fold(&c.to_string()),
    );
    if let Some(env) = Env::postgres() {
        env.init_db(0);
        check(
            &env,
            format!("SELECT x || chr(31) || custadm_fold(x) AS v FROM (VALUES {values}) AS t(x)"),
            &|c| fold(&c.to_string()).to_lowercase(),
        );
    }
}

/// Takes the search structures out again, as before the migration.
fn unmigrate(env: &Env) {
    match env.backend {
        Backend::Sqlite => env.exec(
            "DROP TRIGGER customers_search_insert; DROP TRIGGER customers_search_update; DROP TRIGGER customers_search_delete; \
             DROP TABLE customers_search; DROP TABLE customers_search_fold; \
             DELETE FROM __diesel_schema_migrations WHERE version = '20261207000001'",
        ),
        Backend::Postgres => env.exec(
            "DROP INDEX customers_search_name_idx; DROP INDEX customers_search_email_idx; DROP INDEX customers_search_phone_idx; \
             DROP FUNCTION custadm_fold(text); DROP FUNCTION custadm_digits(text); \
             DELETE FROM __diesel_schema_migrations WHERE version BETWEEN '20261207000001' AND '20261207000004'",
        ),
    }
}

fn migration_over_existing_data(env: &Env) {
    env.init_db(0);
    unmigrate(env);
    insert_plain(env, 0..1500);
    env.run(&["list", "--search", "garcia"]).code(6);
    if env.backend == Backend::Postgres {
        // An interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index
        // under the migration's name (here: a unique build that fails).
        let mut c = PgConnection::establish(&env.url).expect("open postgres");
        let r = diesel::sql_query(
            "CREATE UNIQUE INDEX CONCURRENTLY customers_search_name_idx ON customers (is_active)",
        )
        .execute(&mut c);
        assert!(r.is_err(), "the unique build fails");
        assert_eq!(
            env.scalar("SELECT count(*) AS v FROM pg_index WHERE NOT indisvalid AND indexrelid = 'customers_search_name_idx'::regclass"),
            Some(1)
        );
    }
    let run = env.run(&["db", "migrate"]);
    run.code(0);
    assert!(run.stdout.contains("Applied"), "{}", run.stdout);
    if env.backend == Backend::Postgres {
        assert!(run.stderr.contains("INVALID"), "{}", run.stderr);
        assert_eq!(
            env.scalar("SELECT count(*) AS v FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam \
                        WHERE i.indisvalid AND a.amname = 'gin' AND c.relname LIKE 'customers_search_%'"),
            Some(3)
        );
    }
    let again = env.run(&["db", "migrate"]);
    again.code(0);
    assert!(
        again.stdout.contains("No pending migrations"),
        "{}",
        again.stdout
    );
    assert_matches_reference(env);
    write_around(env);
    assert_matches_reference(env);
}

#[test]
fn migration_over_existing_customers_sqlite() {
    migration_over_existing_data(&Env::sqlite());
}

#[test]
fn migration_over_existing_customers_postgres() {
    let Some(env) = Env::postgres() else { return };
    migration_over_existing_data(&env);
}

/// Customers 1..=`n` on PostgreSQL by one `generate_series` INSERT, each
/// named by the SQL expression `name` of `n` (emails `gN@example.com`).
fn generated_customers(env: &Env, n: i64, name: &str) {
    env.exec(&format!(
        "INSERT INTO customers (full_name, email, password_hash, created_at, updated_at) \
         SELECT {name}, 'g' || n || '@example.com', 'x', '2025-01-01 00:00:00', '2025-01-01 00:00:00' \
         FROM generate_series(1, {n}) AS n"
    ));
}

/// Under `plan_cache_mode = force_generic_plan` (as a driver's statement
/// cache would make it) a search still answers from the trigram indexes:
/// the index scan counters grow and customers is never read sequentially.
#[test]
fn search_never_runs_as_a_generic_plan_scan() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    // Fillers first, so that the searched customers lie beyond the ids the
    // search walks along the primary key before it asks the indexes.
    generated_customers(&env, 17_000, "'Filler ' || n");
    insert_plain(&env, 0..3000);
    env.exec("ANALYZE customers");
    let db = env
        .url
        .rsplit('/')
        .next()
        .expect("database name")
        .to_string();
    env.exec(&format!(
        "ALTER DATABASE {db} SET plan_cache_mode = force_generic_plan"
    ));
    let stats = |what: &str| {
        env.scalar(&format!(
            "SELECT coalesce(sum({what}), 0)::bigint AS v FROM pg_stat_user_indexes WHERE indexrelname LIKE 'customers_search_%'"
        ))
        .unwrap_or(0)
    };
    let seq = || {
        env.scalar("SELECT seq_scan AS v FROM pg_stat_user_tables WHERE relname = 'customers'")
            .unwrap_or(0)
    };
    let (idx0, seq0) = (stats("idx_scan"), seq());
    let rows = all_rows(&env);
    for text in ["kowalski", "garcia", "4411", "xyzzy-none"] {
        let (got, _) = listed(&env, &["--search", text, "--limit", "50"]);
        let want: Vec<i64> = reference(&rows, text, false).into_iter().take(50).collect();
        assert_eq!(got, want, "{text}");
    }
    // Statistics reach the shared counters shortly after each backend ends.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stats("idx_scan") == idx0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(stats("idx_scan") > idx0, "the trigram indexes were used");
    assert_eq!(seq(), seq0, "no sequential scan of customers");
}

/// Every search reads the whole GIN pending list of each index it asks, so
/// the lists stay short whoever writes (migration 2026-12-07-000027: at
/// most 256 kB, about 32 pages; PostgreSQL's default of 4 MB let them reach
/// 500 pages and doubled a search's time at 10M). Another program writes
/// 20,000 customers (about 10 MB of index entries); each list then holds at
/// most 40 pages, and the search still finds that program's rows.
#[test]
fn search_index_pending_lists_stay_short_whoever_writes() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    generated_customers(&env, 20_000, "'Writer Quillfeather' || n");
    env.exec("CREATE EXTENSION IF NOT EXISTS pgstattuple");
    for index in [
        "customers_search_name_idx",
        "customers_search_email_idx",
        "customers_search_phone_idx",
    ] {
        let pages = env
            .scalar(&format!(
                "SELECT pending_pages::bigint AS v FROM pgstatginindex('{index}')"
            ))
            .expect("pgstatginindex");
        assert!(pages <= 40, "{index}: {pages} pending pages");
    }
    let (got, _) = listed(&env, &["--search", "quillfeather19999", "--limit", "50"]);
    assert_eq!(got, vec![19_999]);
}

/// A role that may not create pg_trgm gets exit 6 naming the fix.
#[test]
fn pg_trgm_not_allowed_is_exit_6_naming_the_fix() {
    let Some(env) = Env::postgres() else { return };
    let role = format!("custadm_noext_{:08x}", rand::random::<u32>());
    let db = env
        .url
        .rsplit('/')
        .next()
        .expect("database name")
        .to_string();
    env.exec(&format!(
        "CREATE ROLE {role} LOGIN; GRANT CONNECT ON DATABASE {db} TO {role}; GRANT CREATE ON SCHEMA public TO {role}"
    ));
    let url = env.url.replacen("://root@", &format!("://{role}@"), 1);
    let run = env
        .cmd()
        .env("CUSTADM_DATABASE_URL", &url)
        .args(&["init", "--admin", "admin", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    run.code(6);
    assert!(
        run.stderr.contains("CREATE EXTENSION pg_trgm"),
        "{}",
        run.stderr
    );
    drop(env);
    if let Some(server) = postgres_server_url() {
        if let Ok(mut c) = PgConnection::establish(&server) {
            let _ = diesel::sql_query(format!("DROP ROLE IF EXISTS {role}")).execute(&mut c);
        }
    }
}

#[test]
fn search_text_must_be_1_to_500_characters() {
    let env = Env::sqlite();
    env.init_db(3);
    env.run(&["list", "--search", ""])
        .code(2)
        .error_line("--search");
    let long = "a".repeat(501);
    env.run(&["list", "--search", &long])
        .code(2)
        .error_line("500");
    env.run(&["toggle", "--deactivate", "--search", &long, "--yes"])
        .code(2);
    env.run(&["list", "--search", &"a".repeat(500)]).code(0);
    env.run(&["list", "--search", "a"]).code(0);
}

/// A common term (more matches than PostgreSQL's candidate cap) with
/// another filter that keeps only a few, late ones: still the first ones in
/// id order, and `--limit` still says when it cut.
fn common_term_with_a_narrow_filter(env: &Env) {
    env.init_db(0);
    bulk_customers(env, 2600);
    env.exec("UPDATE customers SET deleted_at = '2026-01-01 00:00:00' WHERE id IN (2590, 2591, 2592, 2593, 2594, 2595, 2596)");
    let (ids, stderr) = listed(
        env,
        &[
            "--search", "customer", "--status", "deleted", "--limit", "5",
        ],
    );
    assert_eq!(ids, vec![2590, 2591, 2592, 2593, 2594], "{stderr}");
    assert!(stderr.contains("continue with --after 2594"), "{stderr}");
    let (ids, stderr) = listed(env, &["--search", "ustom", "--limit", "4"]);
    assert_eq!(ids, vec![1, 2, 3, 4]);
    assert!(stderr.contains("continue with --after 4"), "{stderr}");
    let (ids, _) = listed(env, &["--search", "customer 259", "--status", "all"]);
    assert_eq!(
        ids,
        (2590..=2599)
            .chain([259])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
}

#[test]
fn common_term_with_a_narrow_filter_sqlite() {
    common_term_with_a_narrow_filter(&Env::sqlite());
}

#[test]
fn common_term_with_a_narrow_filter_postgres() {
    let Some(env) = Env::postgres() else { return };
    common_term_with_a_narrow_filter(&env);
}

/// PostgreSQL's adaptive shapes (db::filter::pg_search) with rows out of
/// physical order: a rare term beyond the primary-key walk whose smallest
/// matches were updated (so their rows now lie last in the heap) still
/// lists them first; a common term found by the walk, by the walk going
/// further, and by the GIN indexes after the walk.
#[test]
fn search_shapes_find_the_first_ids_whatever_the_physical_order() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    generated_customers(
        &env,
        40_000,
        "'Alpha ' || n \
         || CASE WHEN n % 2000 = 0 AND n > 20000 THEN ' Quokka' ELSE '' END \
         || CASE WHEN n % 100 = 0 THEN ' Emu' ELSE '' END",
    );
    // Updated rows move to the end of the heap (no room left on their page).
    env.exec("UPDATE customers SET full_name = full_name || ' ' WHERE id IN (22000, 24000, 26000)");
    env.exec("ANALYZE customers");
    let quokkas: Vec<i64> = (22000..=40000).step_by(2000).collect();
    for limit in [1usize, 3, 5, 9] {
        let (ids, stderr) = listed(&env, &["--search", "quokka", "--limit", &limit.to_string()]);
        assert_eq!(
            ids,
            quokkas[..limit].to_vec(),
            "quokka --limit {limit}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("continue with --after {}", quokkas[limit - 1])),
            "{stderr}"
        );
    }
    let (ids, _) = listed(
        &env,
        &["--search", "quokka", "--after", "23000", "--limit", "2"],
    );
    assert_eq!(ids, vec![24000, 26000]);
    let (ids, _) = listed(&env, &["--search", "quokka"]);
    assert_eq!(ids, quokkas);
    let emus = |from: i64, n: usize| {
        (1..)
            .map(|k| k * 100)
            .filter(|&id| id > from)
            .take(n)
            .collect::<Vec<i64>>()
    };
    // 50: the walk; 100: the walk going further; 250: then the indexes.
    for limit in [1usize, 50, 100, 250] {
        let (ids, stderr) = listed(&env, &["--search", "emu", "--limit", &limit.to_string()]);
        assert_eq!(ids, emus(0, limit), "emu --limit {limit}: {stderr}");
    }
    let (ids, _) = listed(&env, &["--search", "emu", "--after", "39000"]);
    assert_eq!(ids, emus(39000, 10));
}

/// `db migrate` is not cut by `io_timeout`: building the search indexes
/// over a table that already holds customers is silence by design (10M:
/// minutes), so even a tiny `io_timeout` lets it finish.
#[test]
fn migration_is_never_cut_by_io_timeout() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    unmigrate(&env);
    bulk_customers(&env, 300_000);
    let run = env
        .cmd()
        .args(&["db", "migrate"])
        .env("CUSTADM_IO_TIMEOUT", "0.05")
        .run();
    run.code(0);
    assert_eq!(
        env.scalar(
            "SELECT count(*) AS v FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                    WHERE i.indisvalid AND c.relname LIKE 'customers_search_%'"
        ),
        Some(3),
        "{}",
        run.stderr
    );
}
