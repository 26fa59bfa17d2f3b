//! `custadm list`: customers ordered by id, filtered, streamed row by row from
//! the database to stdout as a table, JSON, JSON lines, CSV or bare ids, so a
//! million rows need no more memory than ten.

use std::io::{BufWriter, Write};

use serde::Serialize;

use crate::bulk::FilterArgs;
use crate::context::Ctx;
use crate::db::customer::status_label;
use crate::db::filter::{self, ListedCustomer};
use crate::db::lenient::StoredTime;
use crate::error::Result;
use crate::output::{self, csv_guard_phone, csv_guard_text, Format};

/// Options of `custadm list`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm list --search ann\n  custadm list --status inactive --created-before 2025-01-01 -o csv > \\\n      inactive.csv\n  custadm list --has-unpaid -o json | jq length\n  custadm list --last-login-before 365d -o ids | custadm toggle --deactivate \\\n      --ids-from - --yes\n  custadm list --after 1000 --limit 1000 -o jsonl       # next page\n\nSoft-deleted customers are hidden unless --status deleted or all. A customer\nwho never logged in counts by created_at for --last-login-before.\n\nExit codes: 0 listed (even if none), 2 bad filter, 4 unknown operator or not\nallowed, 6 database unreachable or schema mismatch, 9 output could not be\nwritten."
)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// At most N customers
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = crate::bulk::parse_limit)]
    pub limit: Option<i64>,
    /// Output format: table, json, jsonl (one object a line), csv, or ids (one a line, for
    /// --ids-from -)
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = output::FormatParser::all(), default_value = "table", help_heading = crate::cli::GLOBAL)]
    pub output: Format,
    /// Only ids greater than ID (paging: pass the last id of the previous page;
    /// ids other programs made zero or negative page like any other)
    #[arg(long, value_name = "ID", allow_negative_numbers = true)]
    pub after: Option<i64>,
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

/// A listed customer as the contract's JSON has it.
fn list_row(c: &ListedCustomer) -> ListRow<'_> {
    ListRow {
        id: c.id,
        full_name: &c.full_name,
        email: &c.email,
        phone: c.phone.as_deref(),
        status: status_label(c.is_active, c.deleted_at.as_ref()),
        created_at: c.created_at.rfc3339(),
        last_login_at: c.last_login_at.as_ref().map(StoredTime::rfc3339),
    }
}

/// Runs `custadm list`.
pub fn run(ctx: &mut Ctx, args: ListArgs) -> Result<()> {
    let filters = args.filters.parse(None, crate::db::now())?;
    let mut sink = Sink::new(ctx.out);
    // One more than asked, to know whether --limit cut the list.
    let (mut shown, mut last, mut more) = (0, None, false);
    let mut stdout_failed = false;
    let streamed = filter::for_each_listed(
        &mut ctx.conn,
        &filters,
        args.after,
        args.limit.map(|l| l.saturating_add(1)),
        &mut |row| {
            if Some(shown) == args.limit {
                more = true;
                return Ok(());
            }
            shown += 1;
            last = Some(row.id);
            sink.row(row).inspect_err(|_| stdout_failed = true)
        },
    );
    if let Err(e) = streamed {
        // The database failed in the middle of the stream (a lost
        // connection, io_timeout): what was written stays, closed so that
        // stdout is still one JSON document (contract "Output"), and a
        // warning beside the error says it is not the whole list. A failed
        // write to stdout itself is left as it is.
        if !stdout_failed && sink.count > 0 {
            sink.cut_short();
            ctx.out.warn(&format!(
                "the list on stdout is incomplete: it holds the {} customer(s) read before the error below",
                sink.count
            ));
        }
        return Err(e);
    }
    sink.end()?;
    if let (true, Some(last)) = (more, last) {
        ctx.out.note(&format!(
            "more customers match: continue with --after {last}"
        ));
    }
    Ok(())
}

/// Writes rows as they come in the chosen format.
struct Sink {
    out: output::Output,
    writer: BufWriter<crate::stdout::Marked<std::io::StdoutLock<'static>>>,
    count: usize,
    /// Table format: rows laid out a bounded window at a time.
    table: Option<output::StreamingTable<Vec<u8>>>,
    /// CSV format: the csv crate's writer, buffered on its own (`writer`
    /// then stays empty; both hold the same re-entrant stdout lock).
    csv: Option<output::CsvRows<crate::stdout::Marked<std::io::StdoutLock<'static>>>>,
}

/// The table's columns, giving way in one order at every width (a column
/// left out at 60 columns stays out at 40): CREATED first, then LAST LOGIN
/// (contract, "Output"), PHONE, then the name is cut below 16 columns (to
/// 10), then left out, then STATUS. Phones, ids, statuses and timestamps
/// are never cut, only left out (review of issue 26: `+336123…` at 40
/// columns). Names are cut with `…` down to 16 columns before anything
/// goes. The email names the customer (the row's key, with the id): it
/// is cut only beyond 28 columns (the contract's "cutting long names and
/// emails" at 80 columns), and below that only when nothing else is left to
/// leave out (a terminal of about 40 columns or less).
const TABLE_COLUMNS: [output::Column; 7] = [
    output::Column::keep("ID"),
    output::Column::cut("NAME", 16).squeezed(4, 10).dropped(5),
    output::Column::cut("EMAIL", 28),
    output::Column::keep("PHONE").dropped(3),
    output::Column::keep("STATUS").dropped(6),
    output::Column::keep("CREATED").dropped(1),
    output::Column::keep("LAST LOGIN").dropped(2),
];

/// The header of `-o csv` (contract, "Output": the JSON keys of `list`).
const CSV_HEADER: [&str; 7] = [
    "id",
    "full_name",
    "email",
    "phone",
    "status",
    "created_at",
    "last_login_at",
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
            writer: BufWriter::with_capacity(64 * 1024, crate::stdout::stdout().lock()),
            count: 0,
            table: (out.format == Format::Table).then(|| {
                output::StreamingTable::new(Vec::new(), &TABLE_COLUMNS, out.stdout_is_tty)
            }),
            csv: (out.format == Format::Csv)
                .then(|| output::CsvRows::new(crate::stdout::stdout().lock())),
        }
    }

    /// The opening (`[` or the CSV header), written with the first row or at
    /// the end, so a query that fails prints nothing on stdout.
    fn start(&mut self) -> Result<()> {
        match self.out.format {
            Format::Json => write!(self.writer, "[")?,
            Format::Csv => {
                if let Some(csv) = &mut self.csv {
                    csv.write(CSV_HEADER)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn row(&mut self, c: &ListedCustomer) -> Result<()> {
        if self.count == 0 {
            self.start()?;
        }
        match self.out.format {
            Format::Ids => writeln!(self.writer, "{}", c.id)?,
            Format::Json => {
                let sep = if self.count == 0 { "\n  " } else { ",\n  " };
                write!(self.writer, "{sep}{}", output::json_text(&list_row(c))?)?;
            }
            Format::Jsonl => writeln!(self.writer, "{}", output::json_text(&list_row(c))?)?,
            Format::Csv => {
                let r = list_row(c);
                let id = r.id.to_string();
                // Tabs and (but for a terminal) CRs as they are, so the
                // formula guard sees them.
                let keep_cr = !self.out.stdout_is_tty;
                let name = crate::text::sanitize_csv(r.full_name, keep_cr);
                let email = crate::text::sanitize_csv(r.email, keep_cr);
                let phone = crate::text::sanitize_csv(r.phone.unwrap_or(""), keep_cr);
                // A value stored as no timestamp is untrusted text, shown
                // as stored like the free-text cells: the same sanitising
                // (tabs and CRs kept for the formula guard), never a formula.
                let created = crate::text::sanitize_csv(&r.created_at, keep_cr);
                let last_login =
                    crate::text::sanitize_csv(r.last_login_at.as_deref().unwrap_or(""), keep_cr);
                if let Some(csv) = &mut self.csv {
                    csv.write([
                        id.as_str(),
                        &csv_guard_text(&name),
                        &csv_guard_text(&email),
                        &csv_guard_phone(&phone),
                        r.status,
                        &csv_guard_text(&created),
                        &csv_guard_text(&last_login),
                    ])?;
                }
            }
            Format::Table => {
                let id = c.id.to_string();
                let created = c.created_at.human();
                let last_login = output::human_stored(c.last_login_at.as_ref());
                if let Some(table) = &mut self.table {
                    table.push(&[
                        &id,
                        &c.full_name,
                        &c.email,
                        c.phone.as_deref().unwrap_or("-"),
                        status_label(c.is_active, c.deleted_at.as_ref()),
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

    /// Ends a stream the database broke off: a JSON array is closed, a
    /// table's last rows laid out, and what is buffered goes out (the other
    /// formats are whole lines already). Errors are ignored: the database's error is the one told.
    fn cut_short(&mut self) {
        if self.out.format == Format::Json {
            let _ = writeln!(self.writer, "\n]");
        }
        if let Some(table) = self.table.take().filter(|t| !t.is_empty()) {
            if let Ok((rest, _)) = table.finish() {
                let _ = self.writer.write_all(&rest);
            }
        }
        if let Some(csv) = &mut self.csv {
            let _ = csv.flush();
        }
        let _ = self.writer.flush();
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
                        let (rest, elided) = table.finish()?;
                        self.writer.write_all(&rest)?;
                        self.writer.flush()?;
                        if let Some(note) = elided.note() {
                            self.out.note(&note);
                        }
                    }
                }
            }
            Format::Csv => {
                if let Some(csv) = &mut self.csv {
                    csv.flush()?;
                }
            }
            _ => {}
        }
        self.writer.flush()?;
        Ok(())
    }
}
