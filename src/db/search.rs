//! What `list --search TEXT` compares, written once for Rust and for both
//! databases (contract: `list` row, "Performance"; engineering notes,
//! "Search and scale" and "Connections").
//!
//! One table ([`FOLDS`]) says which letter stands for which: every Latin-1
//! and Latin Extended-A letter with a diacritic or a stroke becomes its
//! lower-case base letter (`Ł` → `l`, `ø` → `o`), the other upper-case
//! letters of those blocks their lower-case form (`Æ` → `æ`), and the
//! combining marks U+0300–U+036F are dropped, so NFC and NFD spell the same.
//! Everything else is left as it is; case is folded afterwards by each
//! side's own lower-casing (Rust `to_lowercase`, PostgreSQL `lower()`,
//! FTS5's `case_sensitive 0`), which agree on the letters the contract
//! names.
//!
//! The same table, three spellings, generated from [`FOLDS`] here and
//! checked against each other character by character by the tests
//! (`tests/integration/search.rs`) and against the migrations' text (below):
//! - Rust: [`fold`] for the search text.
//! - PostgreSQL: `custadm_fold(text)`, an IMMUTABLE SQL function
//!   `lower(translate(x, FROM, TO))` ([`pg_translate`]) that the `pg_trgm`
//!   GIN expression indexes are built over.
//! - SQLite: a lookup table `customers_search_fold(ch, base)`
//!   ([`sqlite_fold_rows`]) read by plain SQL ([`sqlite_fold_sql`]: ASCII
//!   text as it is, other text one character at a time through a recursive
//!   CTE), which feeds the contentless FTS5 `trigram` table
//!   `customers_search` from triggers. Plain SQL because other programs,
//!   linked with SQLite 3.37+, write the table and run the triggers: no
//!   function only custadm registers, no `remove_diacritics` (3.45+), and no
//!   deep `replace()` nesting (SQLite 3.40's parser stops at 30 levels).

use std::fmt::Write as _;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use super::schema::customers;
use crate::error::Result;

/// Characters that fold to a base letter or to their lower-case form
/// (Latin-1 Supplement U+00C0–U+00FF and Latin Extended-A U+0100–U+017F).
/// Letters without a diacritic or stroke (`æ`, `ð`, `þ`, `ß`, `ĸ`, `ŋ`,
/// `œ`, `ĳ`) stay themselves, their capitals become them.
pub const FOLDS: &[(&str, char)] = &[
    ("ÀÁÂÃÄÅàáâãäåĀāĂăĄą", 'a'),
    ("ÇçĆćĈĉĊċČč", 'c'),
    ("ĎďĐđ", 'd'),
    ("ÈÉÊËèéêëĒēĔĕĖėĘęĚě", 'e'),
    ("ĜĝĞğĠġĢģ", 'g'),
    ("ĤĥĦħ", 'h'),
    ("ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", 'i'),
    ("Ĵĵ", 'j'),
    ("Ķķ", 'k'),
    ("ĹĺĻļĽľĿŀŁł", 'l'),
    ("ÑñŃńŅņŇňŉ", 'n'),
    ("ÒÓÔÕÖØòóôõöøŌōŎŏŐő", 'o'),
    ("ŔŕŖŗŘř", 'r'),
    ("ŚśŜŝŞşŠšſ", 's'),
    ("ŢţŤťŦŧ", 't'),
    ("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", 'u'),
    ("Ŵŵ", 'w'),
    ("ÝýÿŶŷŸ", 'y'),
    ("ŹźŻżŽž", 'z'),
    ("Æ", 'æ'),
    ("Ð", 'ð'),
    ("Þ", 'þ'),
    ("Ĳ", 'ĳ'),
    ("Ŋ", 'ŋ'),
    ("Œ", 'œ'),
];

/// Combining marks dropped by the fold (NFD's accents).
pub const MARKS: std::ops::RangeInclusive<char> = '\u{0300}'..='\u{036F}';

/// Characters a phone fragment may hold besides digits; the stored phone's
/// digits are the phone without them (E.164 holds only `+` and digits).
pub const PHONE_NOISE: &str = "+ -()";

/// Longest `--search` text (contract: 1–500 characters).
pub const MAX_CHARS: usize = 500;

/// The shortest folded text answered from the trigram indexes; shorter
/// texts scan (a trigram index knows nothing of one or two characters).
pub const MIN_INDEXED_CHARS: usize = 3;

/// `c` through [`FOLDS`] and [`MARKS`]: `None` when it is dropped.
pub fn fold_char(c: char) -> Option<char> {
    if MARKS.contains(&c) {
        return None;
    }
    Some(
        FOLDS
            .iter()
            .find(|(from, _)| from.contains(c))
            .map_or(c, |(_, base)| *base),
    )
}

/// `s` through the table, case untouched: exactly what SQLite's
/// [`sqlite_fold_sql`] stores for the same text.
pub fn fold(s: &str) -> String {
    s.chars().filter_map(fold_char).collect()
}

/// A parsed `--search` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    /// The text folded and lower-cased: what a name or email must contain
    /// (after the same fold).
    pub folded: String,
    /// The digits, when the text is a phone fragment (only digits, spaces,
    /// `+ - ( )`, at least 3 digits): what the stored phone's digits must
    /// contain.
    pub digits: Option<String>,
}

impl SearchTerm {
    /// `text` as a search (1–[`MAX_CHARS`] characters: the caller checks).
    pub fn new(text: &str) -> SearchTerm {
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || PHONE_NOISE.contains(c));
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        SearchTerm {
            folded: fold(text).to_lowercase(),
            digits: (phone_like && digits.len() >= 3).then_some(digits),
        }
    }

    /// True when the term is answered from the trigram indexes: its folded
    /// text has at least [`MIN_INDEXED_CHARS`] characters (a phone
    /// fragment's digits always do).
    pub fn indexed(&self) -> bool {
        self.folded.chars().count() >= MIN_INDEXED_CHARS
    }

    /// The FTS5 query for `customers_search` (SQLite): the folded text as
    /// one quoted phrase of trigrams in the name or email columns, or the
    /// digits in the phone column. A phrase is literal: `%`, `_`, `\` and
    /// FTS5's operators mean themselves; `"` is doubled.
    pub fn fts_query(&self) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let mut q = format!("{{full_name email}} : {}", quote(&self.folded));
        if let Some(d) = &self.digits {
            let _ = write!(q, " OR phone : {}", quote(d));
        }
        q
    }

    /// The LIKE pattern (`\` escapes) of the folded text: `%text%`.
    pub fn like_pattern(&self) -> String {
        let mut p = String::from("%");
        for c in self.folded.chars() {
            if matches!(c, '%' | '_' | '\\') {
                p.push('\\');
            }
            p.push(c);
        }
        p.push('%');
        p
    }

    /// The PostgreSQL predicate with the text written into the SQL as a
    /// literal, not bound: a statement without parameters has no generic
    /// plan, so `plan_cache_mode` or a pooler's statement cache can never
    /// turn it into a scan. Served by the GIN indexes
    /// `customers_search_name_idx`, `…_email_idx`, `…_phone_idx`.
    pub fn pg_predicate(&self) -> String {
        let mut sql = format!(
            "(custadm_fold(customers.full_name) LIKE {p} OR custadm_fold(customers.email) LIKE {p}",
            p = pg_literal(&self.like_pattern())
        );
        if let Some(d) = &self.digits {
            let _ = write!(
                sql,
                " OR custadm_digits(customers.phone) LIKE {}",
                pg_literal(&format!("%{d}%"))
            );
        }
        sql.push(')');
        sql
    }

    /// The SQLite predicate for a text too short for the index: a scan.
    /// ASCII text is compared through SQLite's own `lower()` (cheap); other
    /// text through `search_fold()`, which custadm registers on its own
    /// connections (the index's fold, then Unicode lower-casing, in one
    /// call: the plain-SQL fold the triggers use rebuilds the text one
    /// character at a time). Only this
    /// query uses it, never the schema. `instr`, so nothing is a wildcard. Returns the SQL
    /// around the folded text, which is bound at each gap (4 binds).
    pub fn sqlite_scan_sql() -> [String; 5] {
        let column = |c: &str| {
            (
                format!("(instr(lower({c}), "),
                format!(") > 0 OR ({c} GLOB '*[^ -~]*' AND instr(search_fold({c}), "),
            )
        };
        let (n1, n2) = column("customers.full_name");
        let (e1, e2) = column("customers.email");
        [
            format!("({n1}"),
            n2,
            format!(") > 0)) OR {e1}"),
            e2,
            ") > 0)))".to_string(),
        ]
    }
}

/// The FTS5 query for the customers whose folded email contains all of
/// `email` (folded): narrows SQLite's exact lookups of a non-ASCII email,
/// which NOCASE's index cannot answer, to a few rows instead of a scan.
pub fn fts_email_query(email: &str) -> String {
    format!("email : \"{}\"", fold(email).replace('"', "\"\""))
}

/// `s` as a PostgreSQL escape string literal (`E'…'`), read the same
/// whatever `standard_conforming_strings` says.
pub fn pg_literal(s: &str) -> String {
    let mut out = String::from("E'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// PostgreSQL `translate()` arguments for [`FOLDS`] and [`MARKS`]: FROM
/// lists every folded character then every mark, TO the base letters only,
/// so the marks (no counterpart) are deleted.
pub fn pg_translate() -> (String, String) {
    let (mut from, mut to) = (String::new(), String::new());
    for (chars, base) in FOLDS {
        for c in chars.chars() {
            from.push(c);
            to.push(*base);
        }
    }
    from.extend(MARKS);
    (from, to)
}

/// The body of the PostgreSQL migration that defines `custadm_fold`. ASCII
/// text (as many bytes as characters) skips `translate()`, whose cost grows
/// with the length of its FROM list (about 50 µs a name with the whole
/// table, which made index builds and rechecks slow). Not STRICT: a STRICT
/// SQL function whose body is not strict itself (a CASE) is never inlined,
/// so every row went through the SQL-function executor — a walk of 4,000
/// customers took 94 ms instead of 10 ms at 10M (bench/RESULTS.md). NULL
/// still gives NULL; index expressions are inlined the same way, so the
/// GIN indexes still match.
pub fn pg_fold_function() -> String {
    let (from, to) = pg_translate();
    format!(
        "CREATE OR REPLACE FUNCTION custadm_fold(text) RETURNS text\n    LANGUAGE sql IMMUTABLE PARALLEL SAFE\n    AS $fold$ SELECT CASE WHEN octet_length($1) = char_length($1) THEN lower($1)\n    ELSE lower(translate($1, {}, {})) END $fold$;\n",
        pg_literal(&from),
        pg_literal(&to)
    )
}

/// The rows of SQLite's `customers_search_fold` table, one INSERT.
pub fn sqlite_fold_rows() -> String {
    let mut rows = Vec::new();
    for (chars, base) in FOLDS {
        for c in chars.chars() {
            rows.push(format!("('{c}', '{base}')"));
        }
    }
    for c in MARKS {
        rows.push(format!("(char({}), '')", c as u32));
    }
    format!(
        "INSERT INTO customers_search_fold (ch, base) VALUES\n    {};\n",
        rows.join(",\n    ")
    )
}

/// SQLite's fold of the text expression `x` in plain SQL (3.37+): text
/// with only printable ASCII is itself; other text is rebuilt one
/// character at a time from `customers_search_fold`. Case is left to FTS5.
pub fn sqlite_fold_sql(x: &str) -> String {
    format!(
        "(CASE WHEN {x} GLOB '*[^ -~]*' THEN (WITH RECURSIVE f(i, o) AS (SELECT 1, '' UNION ALL SELECT i + 1, o || coalesce((SELECT base FROM customers_search_fold WHERE ch = substr({x}, i, 1)), substr({x}, i, 1)) FROM f WHERE i <= length({x})) SELECT o FROM f WHERE i > length({x})) ELSE {x} END)"
    )
}

/// SQLite's digits of a phone expression `x`: without [`PHONE_NOISE`].
pub fn sqlite_digits_sql(x: &str) -> String {
    let mut sql = x.to_string();
    for c in PHONE_NOISE.chars() {
        sql = format!("replace({sql}, '{c}', '')");
    }
    sql
}

/// The SQLite trigger statements that keep `customers_search` in step:
/// the row's folded values in, and on update or delete the old folded
/// values out first (a contentless FTS5 table forgets a row only through
/// its `'delete'` command with exactly the values it indexed).
pub fn sqlite_triggers() -> String {
    let values = |row: &str| {
        format!(
            "{row}.id, {}, {}, {}",
            sqlite_fold_sql(&format!("{row}.full_name")),
            sqlite_fold_sql(&format!("{row}.email")),
            sqlite_digits_sql(&format!("{row}.phone"))
        )
    };
    let insert = format!(
        "INSERT INTO customers_search (rowid, full_name, email, phone) VALUES ({});",
        values("new")
    );
    let delete = format!(
        "INSERT INTO customers_search (customers_search, rowid, full_name, email, phone) VALUES ('delete', {});",
        values("old")
    );
    format!(
        "CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN\n    {insert}\nEND;\n\
         CREATE TRIGGER customers_search_update AFTER UPDATE OF id, full_name, email, phone ON customers BEGIN\n    {delete}\n    {insert}\nEND;\n\
         CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN\n    {delete}\nEND;\n"
    )
}

/// The SQLite statement that fills `customers_search` from the customers
/// already there (the migration), with the triggers' own expressions.
pub fn sqlite_populate() -> String {
    format!(
        "INSERT INTO customers_search (rowid, full_name, email, phone)\n    SELECT id, {}, {}, {} FROM customers;\n",
        sqlite_fold_sql("full_name"),
        sqlite_fold_sql("email"),
        sqlite_digits_sql("phone")
    )
}

/// The generated part of the SQLite migration.
pub fn sqlite_generated() -> String {
    format!(
        "{}{}{}",
        sqlite_fold_rows(),
        sqlite_triggers(),
        sqlite_populate()
    )
}

/// `q` narrowed to the customers `term` finds, on SQLite: from the FTS5
/// table when the term is long enough ([`SearchTerm::indexed`]), else a
/// scan with the same fold.
pub fn sqlite_filter<'a, ST>(
    q: customers::BoxedQuery<'a, diesel::sqlite::Sqlite, ST>,
    term: &SearchTerm,
) -> customers::BoxedQuery<'a, diesel::sqlite::Sqlite, ST> {
    if term.indexed() {
        q.filter(
            sql::<Bool>(
                "customers.id IN (SELECT rowid FROM customers_search WHERE customers_search MATCH ",
            )
            .bind::<Text, _>(term.fts_query())
            .sql(")"),
        )
    } else {
        let [a, b, c, d, e] = SearchTerm::sqlite_scan_sql();
        let t = || term.folded.clone();
        q.filter(
            sql::<Bool>(&a)
                .bind::<Text, _>(t())
                .sql(&b)
                .bind::<Text, _>(t())
                .sql(&c)
                .bind::<Text, _>(t())
                .sql(&d)
                .bind::<Text, _>(t())
                .sql(&e),
        )
    }
}

/// `q` narrowed to the customers `term` finds, on PostgreSQL
/// ([`SearchTerm::pg_predicate`]: pg_trgm's GIN indexes for 3 characters
/// or more, a scan below).
pub fn pg_filter<'a, ST>(
    q: customers::BoxedQuery<'a, diesel::pg::Pg, ST>,
    term: &SearchTerm,
) -> customers::BoxedQuery<'a, diesel::pg::Pg, ST> {
    q.filter(sql::<Bool>(&term.pg_predicate()))
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// SQLite: the ids of at most `n` customers `term` finds with id ≥ `from`,
/// in id order, straight from the FTS5 index (which walks its matches in
/// rowid order and stops after `n`, so a common term costs what a rare one
/// does).
pub fn sqlite_ids(
    c: &mut diesel::sqlite::SqliteConnection,
    term: &SearchTerm,
    from: i64,
    n: i64,
) -> Result<Vec<i64>> {
    Ok(diesel::sql_query(
        "SELECT rowid AS id FROM customers_search WHERE customers_search MATCH ? AND rowid >= ? ORDER BY rowid LIMIT ?",
    )
    .bind::<Text, _>(term.fts_query())
    .bind::<BigInt, _>(from)
    .bind::<BigInt, _>(n)
    .load::<IdRow>(c)?
    .into_iter()
    .map(|r| r.id)
    .collect())
}

/// PostgreSQL: the ids of at most `n` customers `term` finds with id >
/// `after`, from the GIN indexes (a bitmap scan that stops after `n` rows:
/// the caller forbids the other plans), in the table's physical order —
/// which is id order for rows appended and never moved, so their largest
/// id is a tight bound on the `n` smallest. One statement without
/// parameters ([`SearchTerm::pg_predicate`]).
pub fn pg_candidates(
    c: &mut diesel::pg::PgConnection,
    term: &SearchTerm,
    after: Option<i64>,
    n: i64,
) -> Result<Vec<i64>> {
    let mut q = format!(
        "SELECT customers.id FROM customers WHERE {}",
        term.pg_predicate()
    );
    if let Some(after) = after {
        // `+ 0`: a bound the primary key cannot serve, so a bitmap of the
        // id range (the whole table when `after` is small) never replaces
        // the trigram indexes' bitmap.
        let _ = write!(q, " AND customers.id + 0 > {after}");
    }
    let _ = write!(q, " LIMIT {n}");
    Ok(diesel::sql_query(q)
        .load::<IdRow>(c)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// PostgreSQL: the id `n` places after `after` in id order (`None` when
/// fewer follow): the end of a bounded walk of the primary key, read from
/// the index alone.
pub fn pg_id_after(
    c: &mut diesel::pg::PgConnection,
    after: Option<i64>,
    n: i64,
) -> Result<Option<i64>> {
    let mut q = customers::table.select(customers::id).into_boxed();
    if let Some(after) = after {
        q = q.filter(customers::id.gt(after));
    }
    Ok(q.order(customers::id)
        .offset(n.saturating_sub(1).max(0))
        .limit(1)
        .get_result::<i64>(c)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_examples_fold() {
        assert_eq!(fold("García").to_lowercase(), "garcia");
        assert_eq!(fold("Müller").to_lowercase(), "muller");
        assert_eq!(fold("Søren").to_lowercase(), "soren");
        assert_eq!(fold("Łódź").to_lowercase(), "lodz");
        assert_eq!(fold("Cafe\u{301}"), fold("Café"));
        assert_eq!(SearchTerm::new("MULLER").folded, "muller");
    }

    #[test]
    fn every_table_character_is_in_the_two_blocks_once() {
        let mut seen = std::collections::HashSet::new();
        for (chars, _) in FOLDS {
            for c in chars.chars() {
                assert!(('\u{C0}'..='\u{17F}').contains(&c), "{c:?}");
                assert!(seen.insert(c), "{c:?} twice");
            }
        }
        // Every upper-case letter of the two blocks folds to lower case.
        for c in '\u{C0}'..='\u{17F}' {
            if let Some(f) = fold_char(c) {
                let lower: String = f.to_lowercase().collect();
                assert_eq!(lower, f.to_string(), "{c:?} folds to {f:?}");
            }
        }
    }

    #[test]
    fn phone_fragments() {
        assert_eq!(
            SearchTerm::new("+1 (202) 555").digits.as_deref(),
            Some("1202555")
        );
        assert_eq!(SearchTerm::new("44").digits, None);
        assert_eq!(SearchTerm::new("4411x").digits, None);
        assert!(SearchTerm::new("441").indexed());
        assert!(!SearchTerm::new("ab").indexed());
        assert!(!SearchTerm::new("ab\u{301}").indexed());
    }

    #[test]
    fn quoting() {
        let t = SearchTerm::new("a\"b%_\\'");
        assert_eq!(t.fts_query(), "{full_name email} : \"a\"\"b%_\\'\"");
        assert_eq!(t.like_pattern(), "%a\"b\\%\\_\\\\'%");
        assert_eq!(pg_literal("it's \\"), "E'it''s \\\\'");
    }

    /// The migrations hold exactly what this module generates, between the
    /// lines `-- generated by src/db/search.rs` and `-- end generated`
    /// (rewrite them with `CUSTADM_WRITE_SEARCH_SQL=1 cargo test --lib search`).
    #[test]
    fn migrations_hold_the_generated_sql() {
        const BEGIN: &str = "-- generated by src/db/search.rs\n";
        const END: &str = "-- end generated\n";
        let root = env!("CARGO_MANIFEST_DIR");
        let checks = [
            (
                format!("{root}/migrations/postgres/2026-12-07-000001_search_fold/up.sql"),
                pg_fold_function(),
            ),
            (
                format!("{root}/migrations/postgres/2026-12-07-000026_search_fold_inline/up.sql"),
                pg_fold_function(),
            ),
            (
                format!("{root}/migrations/sqlite/2026-12-07-000001_search_index/up.sql"),
                sqlite_generated(),
            ),
        ];
        for (path, want) in checks {
            let text = std::fs::read_to_string(&path).expect("read migration");
            let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
                panic!("{path}: no generated block");
            };
            let have = &text[b + BEGIN.len()..e];
            if have != want && std::env::var_os("CUSTADM_WRITE_SEARCH_SQL").is_some() {
                let new = format!("{}{BEGIN}{want}{}", &text[..b], &text[e..]);
                std::fs::write(&path, new).expect("write migration");
                continue;
            }
            assert_eq!(have, want, "{path} is stale: regenerate it (see the doc)");
        }
    }
}
