//! What `list`'s filters mean in SQL, written once: for `list`'s stream and
//! for the bulk runs that select their customers by filter instead of ids
//! (their pages, the check again under each batch's lock, the
//! `--max-changes` count). Contract: the paragraph after the command table
//! (what a filter selects), "Output" (times compare as instants).
//!
//! Each public function is a one-line dispatch per backend to the same
//! queries, built for each backend by `backend_queries!` (modules `sqlite`
//! and `pg` below). The backends differ in four places only: the `--search`
//! predicate (db::search: SQLite's FTS5 trigram table, PostgreSQL's pg_trgm
//! indexes), instant comparison (`db::lenient::InstantCmp`), how `list`
//! streams (PostgreSQL row by row, `PgRowByRowLoadingMode`), and how `list
//! --search` finds its first matches fast (`for_each_listed`). A third
//! backend is one more `backend_queries!` line and one more arm in each
//! dispatch.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::customer::{unpaid_invoice_entries, CustomerState};
use super::id_list::in_ids;
use super::schema::{billing_accounts, customers};
use super::search::{self, SearchTerm};
use super::{Backend, DbConn};
use crate::error::Result;

/// Which customers by state (`--status`; `None` in [`Filters::status`]: the
/// ones not soft-deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Not soft-deleted, active.
    Active,
    /// Not soft-deleted, inactive.
    Inactive,
    /// Soft-deleted.
    Deleted,
    /// Every customer.
    All,
}

/// The parsed filters: times already resolved against one `now`, the search
/// text parsed ([`SearchTerm`]). Built from the flags by
/// `bulk::FilterArgs::parse` (which owns the exit-2 messages); every field
/// set narrows the selection (AND).
#[derive(Debug, Clone)]
pub(crate) struct Filters {
    /// `None`: not soft-deleted (active or inactive).
    pub(crate) status: Option<Status>,
    /// Name or email (folded) contains, or the phone's digits do.
    pub(crate) search: Option<SearchTerm>,
    /// Last login (or, never logged in, creation) strictly before.
    pub(crate) last_login_before: Option<NaiveDateTime>,
    /// Created strictly before.
    pub(crate) created_before: Option<NaiveDateTime>,
    /// Created strictly after.
    pub(crate) created_after: Option<NaiveDateTime>,
    /// Only customers with unpaid invoices ([`unpaid_invoice_entries`]).
    pub(crate) has_unpaid: bool,
    /// Only those the command would change (a bulk run's filters; `None`
    /// for `list`).
    pub(crate) changeable: Option<Changeable>,
    /// The flags as given, for a run's record.
    pub(crate) given: Vec<(&'static str, String)>,
}

impl Filters {
    /// The filters as given (`{"--last-login-before": "90d", …}`).
    pub(crate) fn describe(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.given
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
                .collect(),
        )
    }
}

/// Of the customers a run targets, the ones in a state its command would
/// change (for `--max-changes` and the confirmation question; contract: "A
/// filter selects only the customers the command would change").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Changeable {
    /// Active ones (deactivate).
    Active,
    /// Inactive, not soft-deleted ones (activate).
    InactiveLive,
    /// Not soft-deleted ones (delete, reset-password).
    Live,
    /// Soft-deleted ones (restore).
    Deleted,
}

/// One listed customer, as `list` shows it (text another program wrote
/// that is not UTF-8 is read lossily, times through db::lenient).
#[derive(Debug, Queryable)]
pub(crate) struct ListedCustomer {
    pub(crate) id: i64,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub(crate) full_name: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub(crate) email: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyOptText)]
    pub(crate) phone: Option<String>,
    pub(crate) is_active: bool,
    pub(crate) deleted_at: Option<crate::db::lenient::StoredTime>,
    pub(crate) created_at: crate::db::lenient::StoredTime,
    pub(crate) last_login_at: Option<crate::db::lenient::StoredTime>,
}

/// Which part of the matches a listing query reads (see the macro's
/// `for_each_listed`).
#[derive(Debug, Clone, Copy, Default)]
struct Window<'a> {
    after: Option<i64>,
    upto: Option<i64>,
    among: Option<&'a [i64]>,
    limit: Option<i64>,
}

/// Streams the customers matching `f` in id order, only ids greater than
/// `after` and at most `limit` of them, handing each to `each` as it is read
/// (PostgreSQL row by row, SQLite step by step), so a million rows need no
/// more memory than ten. Read without locks. Stops at the first error of
/// the query or of `each`.
///
/// A `--search` term of 3 characters or more takes a shape that adapts to
/// how many customers it finds (contract "Performance": rare, common, miss
/// and phone fragment each answer `--limit 50` in milliseconds at 10M):
/// - SQLite: the FTS5 index hands out matching ids in id order a chunk at
///   a time (64, then 4× more up to 8,192); each chunk's customers are read
///   by id with the other filters. A common term stops after its first
///   chunk; a rare one or a miss is one chunk.
/// - PostgreSQL ([`pg_search`]): the primary key is walked a little
///   (further for a common term), then candidate ids come from the GIN
///   indexes in growing chunks; the planner's own choice never runs.
pub(crate) fn for_each_listed(
    conn: &mut DbConn,
    f: &Filters,
    after: Option<i64>,
    limit: Option<i64>,
    each: &mut dyn FnMut(&ListedCustomer) -> Result<()>,
) -> Result<()> {
    let all = Window {
        after,
        limit,
        ..Window::default()
    };
    let Some(term) = f.search.as_ref().filter(|t| t.indexed()) else {
        match conn {
            DbConn::Sqlite(c) => sqlite::for_each_listed(c, f, all, each)?,
            DbConn::Pg(c) => pg::for_each_listed(c, f, all, each)?,
        };
        return Ok(());
    };
    // The other filters, applied to the customers the index found.
    let rest = Filters {
        search: None,
        ..f.clone()
    };
    match conn {
        DbConn::Sqlite(c) => {
            let mut from = match after {
                Some(a) => match a.checked_add(1) {
                    Some(from) => from,
                    None => return Ok(()),
                },
                None => i64::MIN,
            };
            let mut left = limit;
            let mut chunk = 64;
            loop {
                let ids = super::search::sqlite_ids(c, term, from, chunk)?;
                let Some(&last) = ids.last() else {
                    return Ok(());
                };
                let window = Window {
                    among: Some(&ids),
                    limit: left,
                    ..Window::default()
                };
                let n = sqlite::for_each_listed(c, &rest, window, each)?;
                if let Some(l) = left.as_mut() {
                    *l -= n;
                    if *l <= 0 {
                        return Ok(());
                    }
                }
                if (ids.len() as i64) < chunk {
                    return Ok(());
                }
                from = match last.checked_add(1) {
                    Some(from) => from,
                    None => return Ok(()),
                };
                chunk = (chunk * 4).min(8_192);
            }
        }
        DbConn::Pg(c) => c.transaction::<_, crate::error::Error, _>(|c| {
            pg_search(c, f, &rest, term, after, limit, each)
        }),
    }
}

/// The ids PostgreSQL's search walks along the primary key first
/// ([`pg_search`]), and the most it walks in all.
const PG_WALK_PROBE: i64 = 1_000;
const PG_WALK_ROWS: i64 = 16_000;

/// The largest chunk of candidate ids PostgreSQL's search reads from its
/// indexes at a time ([`pg_search`]).
const PG_MAX_CHUNK: i64 = 8_192;

/// PostgreSQL's adaptive search (see [`for_each_listed`]), in one
/// transaction whose `SET LOCAL`s pick each step's plan, so the planner's
/// own choice (which can take seconds either way) never runs:
/// 1. With a limit, the primary key is walked for [`PG_WALK_PROBE`] ids,
///    each row checked (no trigram index is read: the posting lists of a
///    common term are what make it slow there). When the matches found
///    say the limit is met within [`PG_WALK_ROWS`] ids, the walk goes on
///    that far (a common term: 50,000 matches at 10M).
/// 2. Otherwise, and for what the walk did not find, chunks: a bitmap scan
///    of the GIN indexes hands out `limit + 1` candidate ids (then 4× more
///    per chunk); fewer than asked means every match is known, and their
///    customers are read by id. A full chunk bounds the answer by its
///    largest id (the rows of a table that only grows lie in id order, so
///    the bound is tight), and one bitmap scan of that id range (index AND
///    primary key) reads the matches up to it in id order.
///
/// Without a limit the matches stream in id order from one bitmap scan.
fn pg_search(
    c: &mut diesel::pg::PgConnection,
    f: &Filters,
    rest: &Filters,
    term: &SearchTerm,
    mut after: Option<i64>,
    limit: Option<i64>,
    each: &mut dyn FnMut(&ListedCustomer) -> Result<()>,
) -> Result<()> {
    diesel::sql_query("SET LOCAL enable_seqscan = off").execute(c)?;
    let Some(mut left) = limit else {
        diesel::sql_query("SET LOCAL enable_indexscan = off").execute(c)?;
        let all = Window {
            after,
            ..Window::default()
        };
        pg::for_each_listed(c, f, all, each)?;
        return Ok(());
    };
    if left <= 0 {
        return Ok(());
    }
    diesel::sql_query("SET LOCAL enable_bitmapscan = off").execute(c)?;
    let (mut walked, mut matched, mut step) = (0, 0, PG_WALK_PROBE);
    loop {
        let end = search::pg_id_after(c, after, step)?;
        let walk = Window {
            after,
            upto: end,
            limit: Some(left),
            ..Window::default()
        };
        let n = pg::for_each_listed(c, f, walk, each)?;
        left -= n;
        let Some(end) = end.filter(|_| left > 0) else {
            return Ok(());
        };
        after = Some(end);
        (walked, matched) = (walked + step, matched + n);
        // At the rate seen so far, the rest lies within the walk's budget?
        let needed = match left.checked_mul(walked) {
            Some(x) if matched > 0 => x / matched,
            _ => i64::MAX,
        };
        if walked >= PG_WALK_ROWS || needed > PG_WALK_ROWS - walked {
            break;
        }
        step = PG_WALK_ROWS - walked;
    }
    diesel::sql_query("SET LOCAL enable_bitmapscan = on").execute(c)?;
    diesel::sql_query("SET LOCAL enable_indexscan = off").execute(c)?;
    let mut chunk = (left + 1).min(PG_MAX_CHUNK);
    loop {
        let mut found = search::pg_candidates(c, term, after, chunk)?;
        if (found.len() as i64) < chunk {
            // Every match after `after` is known.
            found.sort_unstable();
            for ids in found.chunks(1_000) {
                let window = Window {
                    among: Some(ids),
                    limit: Some(left),
                    ..Window::default()
                };
                left -= pg::for_each_listed(c, rest, window, each)?;
                if left <= 0 {
                    break;
                }
            }
            return Ok(());
        }
        let Some(&upto) = found.iter().max() else {
            return Ok(());
        };
        let range = Window {
            after,
            upto: Some(upto),
            limit: Some(left),
            ..Window::default()
        };
        left -= pg::for_each_listed(c, f, range, each)?;
        if left <= 0 {
            return Ok(());
        }
        after = Some(upto);
        chunk = (chunk * 4).min(PG_MAX_CHUNK);
    }
}

/// The next page of matching ids after `after`, at most `limit`, in id
/// order (keyset paging: each page is one indexed range scan, so a run over
/// a million matches holds one page at a time). Read without locks; the
/// batch that acts on a page checks it again with [`still_matching`].
pub(crate) fn page_ids(conn: &mut DbConn, f: &Filters, after: i64, limit: i64) -> Result<Vec<i64>> {
    Ok(page_states(conn, f, after, limit)?
        .into_iter()
        .map(|s| s.id)
        .collect())
}

/// [`page_ids`] with each customer's state (id, active flag, deletion
/// time): for SQLite's filter-selected batches, which select their page
/// inside the batch's write transaction and need not read the states again
/// (`bulk::Batch`).
pub(crate) fn page_states(
    conn: &mut DbConn,
    f: &Filters,
    after: i64,
    limit: i64,
) -> Result<Vec<CustomerState>> {
    match conn {
        DbConn::Sqlite(c) => sqlite::page_states(c, f, after, limit),
        DbConn::Pg(c) => pg::page_states(c, f, after, limit),
    }
}

/// Every id greater than `after` matching `f`, in id order, handed to
/// `each` as one query streams them (PostgreSQL row by row, SQLite step by
/// step): the planner reads the filter's own indexes once, where
/// [`page_ids`] walks the primary key page by page. Read without locks;
/// for a run that spools its selection first (`bulk::matches`). Returns
/// how many.
pub(crate) fn for_each_matching_id(
    conn: &mut DbConn,
    f: &Filters,
    after: i64,
    each: &mut dyn FnMut(i64) -> Result<()>,
) -> Result<u64> {
    match conn {
        DbConn::Sqlite(c) => sqlite::for_each_matching_id(c, f, after, each),
        DbConn::Pg(c) => pg::for_each_matching_id(c, f, after, each),
    }
}

/// True when the database's write transaction holds its write lock from its
/// first statement (SQLite `BEGIN IMMEDIATE`: one writer at a time), so a
/// filter page selected inside a batch's transaction ([`page_states`]) is
/// already checked under that batch's lock. PostgreSQL locks rows, not the
/// database: there a page is read first and checked again after its rows
/// are locked ([`still_matching`]).
pub(crate) fn pages_selected_under_lock(conn: &DbConn) -> bool {
    conn.backend() == Backend::Sqlite
}

/// Which of `ids` match the filters now. Called inside a batch's write
/// transaction after the batch's rows are locked (PostgreSQL `FOR UPDATE`,
/// SQLite `BEGIN IMMEDIATE`): at READ COMMITTED this statement sees every
/// change committed before the lock was granted, so a customer who logged
/// in meanwhile no longer matches `--last-login-before`.
pub(crate) fn still_matching(conn: &mut DbConn, f: &Filters, ids: &[i64]) -> Result<HashSet<i64>> {
    let rows = match conn {
        DbConn::Sqlite(c) => sqlite::still_matching(c, f, ids),
        DbConn::Pg(c) => pg::still_matching(c, f, ids),
    }?;
    Ok(rows.into_iter().collect())
}

/// How many customers matching `f` (or, without filters, among `ids`; with
/// neither, all) are [`Changeable`] as `which` says: one COUNT query, read
/// without locks. `ids` is at most one batch (bind limits).
pub(crate) fn count_changeable(
    conn: &mut DbConn,
    f: Option<&Filters>,
    ids: Option<&[i64]>,
    which: Changeable,
) -> Result<i64> {
    match conn {
        DbConn::Sqlite(c) => sqlite::count_changeable(c, f, ids, which),
        DbConn::Pg(c) => pg::count_changeable(c, f, ids, which),
    }
}

/// The queries above for one backend: `$conn` its connection, `$db` its
/// Diesel backend, `$backend` the same as [`Backend`] (for the instant
/// comparisons of db::lenient), `$search` its `--search` predicate
/// (db::search),
/// `$loading` the loading mode that streams `list`.
macro_rules! backend_queries {
    ($module:ident, $conn:ty, $db:ty, $backend:expr, $search:path, $loading:ty) => {
        mod $module {
            use super::*;
            use crate::db::lenient::{Cmp, InstantCmp};

            /// `q` narrowed to the customers matching `f`: the one
            /// definition of what a filter means.
            fn matching<'a, ST>(
                mut q: customers::BoxedQuery<'a, $db, ST>,
                f: &Filters,
            ) -> customers::BoxedQuery<'a, $db, ST> {
                let at = |column: &'static str, cmp: Cmp, t: NaiveDateTime| {
                    <$db as InstantCmp>::instant_cmp::<customers::table>($backend, column, cmp, t)
                };
                q = match f.status {
                    None => q.filter(customers::deleted_at.is_null()),
                    Some(Status::Active) => q
                        .filter(customers::deleted_at.is_null())
                        .filter(customers::is_active.eq(true)),
                    Some(Status::Inactive) => q
                        .filter(customers::deleted_at.is_null())
                        .filter(customers::is_active.eq(false)),
                    Some(Status::Deleted) => q.filter(customers::deleted_at.is_not_null()),
                    Some(Status::All) => q,
                };
                if let Some(term) = &f.search {
                    q = $search(q, term);
                }
                // Instants, not text (rows from other programs; see db::lenient).
                if let Some(t) = f.last_login_before {
                    q = q.filter(at("customers.last_login_at", Cmp::Lt, t).or(
                        customers::last_login_at.is_null().and(at(
                            "customers.created_at",
                            Cmp::Lt,
                            t,
                        )),
                    ));
                }
                if let Some(t) = f.created_before {
                    q = q.filter(at("customers.created_at", Cmp::Lt, t));
                }
                if let Some(t) = f.created_after {
                    q = q.filter(at("customers.created_at", Cmp::Gt, t));
                }
                if f.has_unpaid {
                    q = q.filter(diesel::dsl::exists(
                        unpaid_invoice_entries()
                            .filter(billing_accounts::customer_id.eq(customers::id)),
                    ));
                }
                if let Some(which) = f.changeable {
                    q = changeable(q, which);
                }
                q
            }

            /// `q` narrowed to the customers in a state `which` says.
            fn changeable<'a, ST>(
                q: customers::BoxedQuery<'a, $db, ST>,
                which: Changeable,
            ) -> customers::BoxedQuery<'a, $db, ST> {
                match which {
                    Changeable::Active => q.filter(customers::is_active.eq(true)),
                    Changeable::InactiveLive => q
                        .filter(customers::is_active.eq(false))
                        .filter(customers::deleted_at.is_null()),
                    Changeable::Live => q.filter(customers::deleted_at.is_null()),
                    Changeable::Deleted => q.filter(customers::deleted_at.is_not_null()),
                }
            }

            /// Hands on the customers matching `f` in id order: ids
            /// greater than `after`, at most `upto`, among `among` when
            /// given, at most `limit` of them. Returns how many.
            pub(super) fn for_each_listed(
                c: &mut $conn,
                f: &Filters,
                window: Window<'_>,
                each: &mut dyn FnMut(&ListedCustomer) -> Result<()>,
            ) -> Result<i64> {
                let q = customers::table
                    .select((
                        customers::id,
                        customers::full_name,
                        customers::email,
                        customers::phone,
                        customers::is_active,
                        customers::deleted_at,
                        customers::created_at,
                        customers::last_login_at,
                    ))
                    .order(customers::id)
                    .into_boxed();
                let mut q = matching(q, f);
                if let Some(after) = window.after {
                    q = q.filter(customers::id.gt(after));
                }
                if let Some(upto) = window.upto {
                    q = q.filter(customers::id.le(upto));
                }
                if let Some(ids) = window.among {
                    q = q.filter(in_ids(customers::id, ids));
                }
                if let Some(limit) = window.limit {
                    q = q.limit(limit);
                }
                let mut n = 0;
                // Each wait for the next row counts for io_timeout.
                let watch = crate::db::watchdog::StreamWatch::of(c);
                let mut rows = q.load_iter::<ListedCustomer, $loading>(c)?;
                while let Some(row) = watch.wait(|| rows.next()) {
                    each(&row?)?;
                    n += 1;
                }
                Ok(n)
            }

            pub(super) fn page_states(
                c: &mut $conn,
                f: &Filters,
                after: i64,
                limit: i64,
            ) -> Result<Vec<CustomerState>> {
                let q = customers::table
                    .select((customers::id, customers::is_active, customers::deleted_at))
                    .into_boxed();
                Ok(matching(q, f)
                    .filter(customers::id.gt(after))
                    .order(customers::id)
                    .limit(limit)
                    .load(c)?)
            }

            pub(super) fn for_each_matching_id(
                c: &mut $conn,
                f: &Filters,
                after: i64,
                each: &mut dyn FnMut(i64) -> Result<()>,
            ) -> Result<u64> {
                let q = customers::table
                    .select(customers::id)
                    .order(customers::id)
                    .into_boxed();
                let q = matching(q, f).filter(customers::id.gt(after));
                let mut n = 0;
                // Each wait for the next row counts for io_timeout.
                let watch = crate::db::watchdog::StreamWatch::of(c);
                let mut rows = q.load_iter::<i64, $loading>(c)?;
                while let Some(id) = watch.wait(|| rows.next()) {
                    each(id?)?;
                    n += 1;
                }
                Ok(n)
            }

            pub(super) fn still_matching(
                c: &mut $conn,
                f: &Filters,
                ids: &[i64],
            ) -> Result<Vec<i64>> {
                let q = customers::table.select(customers::id).into_boxed();
                Ok(matching(q, f)
                    .filter(in_ids(customers::id, ids))
                    .load::<i64>(c)?)
            }

            pub(super) fn count_changeable(
                c: &mut $conn,
                f: Option<&Filters>,
                ids: Option<&[i64]>,
                which: Changeable,
            ) -> Result<i64> {
                let mut q = customers::table
                    .select(diesel::dsl::count_star())
                    .into_boxed();
                if let Some(f) = f {
                    q = matching(q, f);
                }
                if let Some(ids) = ids {
                    q = q.filter(in_ids(customers::id, ids));
                }
                Ok(changeable(q, which).get_result::<i64>(c)?)
            }
        }
    };
}

backend_queries!(
    sqlite,
    diesel::sqlite::SqliteConnection,
    diesel::sqlite::Sqlite,
    Backend::Sqlite,
    crate::db::search::sqlite_filter,
    diesel::connection::DefaultLoadingMode
);
backend_queries!(
    pg,
    diesel::pg::PgConnection,
    diesel::pg::Pg,
    Backend::Postgres,
    crate::db::search::pg_filter,
    diesel::pg::PgRowByRowLoadingMode
);
