//! `custadm list`: customers ordered by id, filtered, streamed row by row from
//! the database to stdout as a table, JSON, JSON lines, CSV or bare ids, so a
//! million rows need no more memory than ten.

use std::io::{BufWriter, Write};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::context::Ctx;
use crate::db::customer::status_label;
use crate::db::id_list::in_ids;
use crate::db::schema::{account_entries, billing_accounts, customers};
use crate::db::DbConn;
use crate::error::{Error, Result};
use crate::output::{self, csv_text_cell, rfc3339, Format};

/// Longest `--search` text: longer than any name or email can match.
const MAX_SEARCH_CHARS: usize = 300;

/// Which customers by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFilter {
    Active,
    Inactive,
    Deleted,
    All,
}

/// `list`'s filters, shared with the commands that take them instead of ids
/// (`toggle`, `delete`, `restore`, `reset-password --send-email`; contract:
/// the paragraph after the command table).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// active, inactive, deleted or all [default: active and inactive; for restore: deleted]
    #[arg(long, value_enum)]
    pub status: Option<StatusFilter>,
    /// Name or email contains TEXT (case-insensitive)
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)
    #[arg(long, value_name = "WHEN")]
    pub last_login_before: Option<String>,
    /// Created before WHEN
    #[arg(long, value_name = "WHEN")]
    pub created_before: Option<String>,
    /// Created after WHEN
    #[arg(long, value_name = "WHEN")]
    pub created_after: Option<String>,
    /// Only customers with unpaid invoices
    #[arg(long)]
    pub has_unpaid: bool,
}

impl FilterArgs {
    /// True when at least one filter is given.
    pub fn any(&self) -> bool {
        self.status.is_some()
            || self.search.is_some()
            || self.last_login_before.is_some()
            || self.created_before.is_some()
            || self.created_after.is_some()
            || self.has_unpaid
    }
}

/// Options of `custadm list`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm list --search ann\n  custadm list --status inactive --created-before 2025-01-01 -o csv > inactive.csv\n  custadm list --has-unpaid -o json | jq length\n  custadm list --last-login-before 365d -o ids | custadm toggle --deactivate --ids-from - --yes\n  custadm list --after 1000 --limit 1000 -o jsonl       # next page\n\nSoft-deleted customers are hidden unless --status deleted or all. A customer who never logged in\ncounts by created_at for --last-login-before. Exit codes: 0 listed (even if none), 2 bad filter."
)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// At most N customers
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: Option<i64>,
    /// Only ids greater than ID (paging: pass the last id of the previous page)
    #[arg(long, value_name = "ID", value_parser = clap::value_parser!(i64).range(0..))]
    pub after: Option<i64>,
}

/// One listed customer, as the contract's JSON has it.
#[derive(Debug, Queryable)]
struct Listed {
    id: i64,
    #[diesel(deserialize_as = crate::db::foreign::LossyText)]
    full_name: String,
    #[diesel(deserialize_as = crate::db::foreign::LossyText)]
    email: String,
    #[diesel(deserialize_as = crate::db::foreign::LossyOptText)]
    phone: Option<String>,
    is_active: bool,
    #[diesel(deserialize_as = crate::db::foreign::DbOptTime)]
    deleted_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = crate::db::foreign::DbTime)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::foreign::DbOptTime)]
    last_login_at: Option<NaiveDateTime>,
}

#[derive(Serialize)]
struct ListRow<'a> {
    id: i64,
    full_name: &'a str,
    email: &'a str,
    phone: Option<&'a str>,
    status: &'static str,
    created_at: String,
    last_login_at: Option<String>,
}

impl Listed {
    fn row(&self) -> ListRow<'_> {
        ListRow {
            id: self.id,
            full_name: &self.full_name,
            email: &self.email,
            phone: self.phone.as_deref(),
            status: status_label(self.is_active, self.deleted_at),
            created_at: rfc3339(self.created_at),
            last_login_at: self.last_login_at.map(rfc3339),
        }
    }
}

/// The parsed filters (times resolved against one `now`, search text as a
/// LIKE pattern), applied by [`filter_customers!`] on either backend.
#[derive(Debug, Clone)]
pub struct Filters {
    status: Option<StatusFilter>,
    search: Option<String>,
    last_login_before: Option<NaiveDateTime>,
    created_before: Option<NaiveDateTime>,
    created_after: Option<NaiveDateTime>,
    has_unpaid: bool,
}

impl Filters {
    /// Parses the flags; a bad value is exit 2 naming the flag. Without
    /// `--status`, `default_status` applies (`None`: not soft-deleted).
    pub fn parse(
        args: &FilterArgs,
        default_status: Option<StatusFilter>,
        now: NaiveDateTime,
    ) -> Result<Filters> {
        if let Some(text) = &args.search {
            if text.chars().count() > MAX_SEARCH_CHARS {
                return Err(Error::Usage(format!(
                    "--search: at most {MAX_SEARCH_CHARS} characters (names are at most 150, emails 254)"
                )));
            }
        }
        Ok(Filters {
            status: args.status.or(default_status),
            search: args.search.as_deref().map(like_pattern),
            last_login_before: parse_when(
                "--last-login-before",
                args.last_login_before.as_deref(),
                now,
            )?,
            created_before: parse_when("--created-before", args.created_before.as_deref(), now)?,
            created_after: parse_when("--created-after", args.created_after.as_deref(), now)?,
            has_unpaid: args.has_unpaid,
        })
    }
}

fn parse_when(
    flag: &str,
    value: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>> {
    value
        .map(|v| crate::validate::when(v, now))
        .transpose()
        .map_err(|e| Error::Usage(format!("{flag}: {e}")))
}

/// `%`, `_` and `\` in the search text match themselves. The text is
/// case-folded and NFC-normalised like stored emails (`validate::fold_case`,
/// contract "Validation"), so `Chloe\u{301}` finds "Chloé".
fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in crate::validate::fold_case(text).chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

use crate::db::{lower, unicode_lower};

/// Adds the filters' predicates to a boxed query over `customers` on one
/// backend (`$fold`: that backend's case folding for `--search`; `$db`,
/// `$backend`: the backend, for the instant comparisons of db::foreign).
/// The one definition of what a filter means, for `list` and for the
/// commands that select their targets by filter (see [`page_ids`],
/// [`still_matching`]).
macro_rules! filter_customers {
    ($q:expr, $f:expr, $fold:ident, $db:ty, $backend:expr) => {{
        use crate::db::foreign::{Cmp, InstantCmp};
        let at = |column: &'static str, cmp: Cmp, t: NaiveDateTime| {
            <$db as InstantCmp>::instant_cmp::<customers::table>($backend, column, cmp, t)
        };
        let f: &Filters = $f;
        let mut q = $q;
        q = match f.status {
            None => q.filter(customers::deleted_at.is_null()),
            Some(StatusFilter::Active) => q
                .filter(customers::deleted_at.is_null())
                .filter(customers::is_active.eq(true)),
            Some(StatusFilter::Inactive) => q
                .filter(customers::deleted_at.is_null())
                .filter(customers::is_active.eq(false)),
            Some(StatusFilter::Deleted) => q.filter(customers::deleted_at.is_not_null()),
            Some(StatusFilter::All) => q,
        };
        if let Some(pattern) = &f.search {
            q = q.filter(
                $fold(customers::full_name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or($fold(customers::email).like(pattern.clone()).escape('\\')),
            );
        }
        // Instants, not text (rows from other programs; see db::foreign).
        if let Some(t) = f.last_login_before {
            q = q.filter(
                at("customers.last_login_at", Cmp::Lt, t).or(customers::last_login_at
                    .is_null()
                    .and(at("customers.created_at", Cmp::Lt, t))),
            );
        }
        if let Some(t) = f.created_before {
            q = q.filter(at("customers.created_at", Cmp::Lt, t));
        }
        if let Some(t) = f.created_after {
            q = q.filter(at("customers.created_at", Cmp::Gt, t));
        }
        if f.has_unpaid {
            q = q.filter(diesel::dsl::exists(
                account_entries::table
                    .inner_join(billing_accounts::table)
                    .filter(billing_accounts::customer_id.eq(customers::id))
                    .filter(account_entries::entry_type.eq("invoice"))
                    .filter(account_entries::amount_usd_cents.gt(0)),
            ));
        }
        q
    }};
}

/// Builds the filtered, id-ordered query for one backend.
macro_rules! list_query {
    ($f:expr, $after:expr, $limit:expr, $fold:ident, $db:ty, $backend:expr) => {{
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
        let mut q = filter_customers!(q, $f, $fold, $db, $backend);
        if let Some(after) = $after {
            q = q.filter(customers::id.gt(after));
        }
        if let Some(limit) = $limit {
            q = q.limit(limit);
        }
        q
    }};
}

/// The next page of matching ids after `after`, at most `limit`, in id
/// order (keyset paging: each page is one indexed range scan, so a run over
/// a million matches holds one page at a time). Read without locks; the
/// batch that acts on a page checks it again with [`still_matching`].
pub fn page_ids(conn: &mut DbConn, f: &Filters, after: i64, limit: i64) -> Result<Vec<i64>> {
    Ok(page_states(conn, f, after, limit)?
        .into_iter()
        .map(|s| s.id)
        .collect())
}

/// [`page_ids`] with each customer's state (id, active flag, deletion
/// time): for SQLite's filter-selected batches, which select their page
/// inside the batch's write transaction and need not read the states again
/// (`bulk::Batch`).
pub fn page_states(
    conn: &mut DbConn,
    f: &Filters,
    after: i64,
    limit: i64,
) -> Result<Vec<crate::db::customer::CustomerState>> {
    macro_rules! page {
        ($fold:ident, $db:ty, $backend:expr, $c:expr) => {{
            let q = customers::table
                .select((customers::id, customers::is_active, customers::deleted_at))
                .into_boxed();
            filter_customers!(q, f, $fold, $db, $backend)
                .filter(customers::id.gt(after))
                .order(customers::id)
                .limit(limit)
                .load($c)?
        }};
    }
    Ok(match conn {
        DbConn::Sqlite(c) => page!(
            unicode_lower,
            diesel::sqlite::Sqlite,
            crate::db::Backend::Sqlite,
            c
        ),
        DbConn::Pg(c) => page!(lower, diesel::pg::Pg, crate::db::Backend::Postgres, c),
    })
}

/// Which of `ids` match the filters now. Called inside a batch's write
/// transaction after the batch's rows are locked (PostgreSQL `FOR UPDATE`,
/// SQLite `BEGIN IMMEDIATE`): at READ COMMITTED this statement sees every
/// change committed before the lock was granted, so a customer who logged
/// in meanwhile no longer matches `--last-login-before`.
pub fn still_matching(
    conn: &mut DbConn,
    f: &Filters,
    ids: &[i64],
) -> Result<std::collections::HashSet<i64>> {
    macro_rules! check {
        ($fold:ident, $db:ty, $backend:expr, $c:expr) => {{
            let q = customers::table.select(customers::id).into_boxed();
            filter_customers!(q, f, $fold, $db, $backend)
                .filter(in_ids(customers::id, ids))
                .load::<i64>($c)?
        }};
    }
    let rows = match conn {
        DbConn::Sqlite(c) => check!(
            unicode_lower,
            diesel::sqlite::Sqlite,
            crate::db::Backend::Sqlite,
            c
        ),
        DbConn::Pg(c) => check!(lower, diesel::pg::Pg, crate::db::Backend::Postgres, c),
    };
    Ok(rows.into_iter().collect())
}

/// Of the customers a run targets, the ones in a state its command would
/// change (for `--max-changes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changeable {
    /// Active ones (deactivate).
    Active,
    /// Inactive, not soft-deleted ones (activate).
    InactiveLive,
    /// Not soft-deleted ones (delete, reset-password).
    Live,
    /// Soft-deleted ones (restore).
    Deleted,
}

/// How many customers matching `f` (or, without filters, among `ids`) are
/// [`Changeable`] as `which` says: one COUNT query.
pub fn count_changeable(
    conn: &mut DbConn,
    f: Option<&Filters>,
    ids: Option<&[i64]>,
    which: Changeable,
) -> Result<i64> {
    macro_rules! count {
        ($fold:ident, $db:ty, $backend:expr, $c:expr) => {{
            let mut q = customers::table
                .select(diesel::dsl::count_star())
                .into_boxed();
            if let Some(f) = f {
                q = filter_customers!(q, f, $fold, $db, $backend);
            }
            if let Some(ids) = ids {
                q = q.filter(in_ids(customers::id, ids));
            }
            q = match which {
                Changeable::Active => q.filter(customers::is_active.eq(true)),
                Changeable::InactiveLive => q
                    .filter(customers::is_active.eq(false))
                    .filter(customers::deleted_at.is_null()),
                Changeable::Live => q.filter(customers::deleted_at.is_null()),
                Changeable::Deleted => q.filter(customers::deleted_at.is_not_null()),
            };
            q.get_result::<i64>($c)?
        }};
    }
    Ok(match conn {
        DbConn::Sqlite(c) => count!(
            unicode_lower,
            diesel::sqlite::Sqlite,
            crate::db::Backend::Sqlite,
            c
        ),
        DbConn::Pg(c) => count!(lower, diesel::pg::Pg, crate::db::Backend::Postgres, c),
    })
}

/// Runs `custadm list`.
pub fn run(ctx: &mut Ctx, args: ListArgs) -> Result<()> {
    let filters = Filters::parse(&args.filters, None, crate::db::now())?;
    let mut sink = Sink::new(ctx.out);
    match &mut ctx.conn {
        DbConn::Sqlite(c) => {
            for row in list_query!(
                &filters,
                args.after,
                args.limit,
                unicode_lower,
                diesel::sqlite::Sqlite,
                crate::db::Backend::Sqlite
            )
            .load_iter::<Listed, diesel::connection::DefaultLoadingMode>(c)?
            {
                sink.row(&row?)?;
            }
        }
        DbConn::Pg(c) => {
            for row in list_query!(
                &filters,
                args.after,
                args.limit,
                lower,
                diesel::pg::Pg,
                crate::db::Backend::Postgres
            )
            .load_iter::<Listed, diesel::pg::PgRowByRowLoadingMode>(c)?
            {
                sink.row(&row?)?;
            }
        }
    }
    sink.end()
}

/// Writes rows as they come in the chosen format.
struct Sink {
    out: output::Output,
    writer: BufWriter<std::io::StdoutLock<'static>>,
    count: usize,
    /// Table format: rows laid out a bounded window at a time.
    table: Option<output::StreamingTable<Vec<u8>>>,
}

const TABLE_HEADERS: [&str; 7] = [
    "ID",
    "NAME",
    "EMAIL",
    "PHONE",
    "STATUS",
    "CREATED",
    "LAST LOGIN",
];

/// Takes what the streaming table has laid out so far.
fn table_buffer(table: &mut output::StreamingTable<Vec<u8>>) -> Option<Vec<u8>> {
    let buf = table.writer_mut();
    (!buf.is_empty()).then(|| std::mem::take(buf))
}

impl Sink {
    fn new(out: output::Output) -> Self {
        Sink {
            out,
            writer: BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
            count: 0,
            table: (out.format == Format::Table).then(|| {
                output::StreamingTable::new(Vec::new(), &TABLE_HEADERS, out.stdout_is_tty)
            }),
        }
    }

    /// The opening (`[` or the CSV header), written with the first row or at
    /// the end, so a query that fails prints nothing on stdout.
    fn start(&mut self) -> Result<()> {
        match self.out.format {
            Format::Json => write!(self.writer, "[")?,
            Format::Csv => writeln!(
                self.writer,
                "id,full_name,email,phone,status,created_at,last_login_at"
            )?,
            _ => {}
        }
        Ok(())
    }

    fn row(&mut self, c: &Listed) -> Result<()> {
        if self.count == 0 {
            self.start()?;
        }
        match self.out.format {
            Format::Ids => writeln!(self.writer, "{}", c.id)?,
            Format::Json => {
                let sep = if self.count == 0 { "\n  " } else { ",\n  " };
                write!(self.writer, "{sep}{}", output::json_text(&c.row())?)?;
            }
            Format::Jsonl => writeln!(self.writer, "{}", output::json_text(&c.row())?)?,
            Format::Csv => {
                let r = c.row();
                writeln!(
                    self.writer,
                    "{},{},{},{},{},{},{}",
                    r.id,
                    csv_text_cell(&output::sanitize_multiline(r.full_name)),
                    csv_text_cell(&output::sanitize_multiline(r.email)),
                    output::csv_phone_cell(&output::sanitize(r.phone.unwrap_or(""))),
                    r.status,
                    r.created_at,
                    r.last_login_at.unwrap_or_default()
                )?;
            }
            Format::Table => {
                let id = c.id.to_string();
                let created = output::human_time(Some(c.created_at));
                let last_login = output::human_time(c.last_login_at);
                if let Some(table) = &mut self.table {
                    table.push(&[
                        &id,
                        &c.full_name,
                        &c.email,
                        c.phone.as_deref().unwrap_or("-"),
                        status_label(c.is_active, c.deleted_at),
                        &created,
                        &last_login,
                    ])?;
                    // Whole windows go out as they are laid out.
                    if let Some(buf) = table_buffer(table) {
                        self.writer.write_all(&buf)?;
                    }
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    fn end(mut self) -> Result<()> {
        if self.count == 0 {
            self.start()?;
        }
        match self.out.format {
            Format::Json => writeln!(self.writer, "{}]", if self.count == 0 { "" } else { "\n" })?,
            Format::Table => {
                if let Some(table) = self.table.take() {
                    if table.is_empty() {
                        self.out.note("No customers match.");
                    } else {
                        self.writer.write_all(&table.finish()?)?;
                    }
                }
            }
            _ => {}
        }
        self.writer.flush()?;
        Ok(())
    }
}
