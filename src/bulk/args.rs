//! The argument groups of the bulk commands (clap): which customers
//! ([`TargetArgs`]: ids, emails, `--ids-from FILE|-`, or `list`'s
//! [`FilterArgs`]) and how the run goes (`--dry-run`, `--yes`,
//! `--batch-size`, `--max-changes`). Turned here into what the engine takes
//! — a [`Selection`] and [`RunOptions`] — so the engine never sees clap.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use chrono::NaiveDateTime;

use super::{RunOptions, Selection};
use crate::config::{parse_max_changes, MaxChanges};
use crate::db::filter::{self, Filters};
use crate::error::{Error, Result};
use crate::validate::CustomerRef;

/// Ids per transaction unless `--batch-size` says otherwise.
pub const DEFAULT_BATCH_SIZE: u32 = 1_000;

/// The customers a command acts on, and how.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// Customers: ids (positive integers) or email addresses (matched case-insensitively)
    #[arg(value_name = "ID", value_parser = parse_customer_ref)]
    pub ids: Vec<CustomerRef>,

    /// Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped
    #[arg(long, value_name = "FILE")]
    pub ids_from: Option<PathBuf>,

    /// Report what would change (`would_change`) and write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Go ahead without asking (required when there is no terminal to ask on)
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Ids per transaction
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH_SIZE, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,

    /// Refuse the run (exit 5, nothing changed) when it would change more than N customers,
    /// or more than P% of the customers not soft-deleted [default: the profile's max_changes]
    #[arg(long, value_name = "N|P%", value_parser = parse_max_changes)]
    pub max_changes: Option<MaxChanges>,

    /// Select the customers by `list`'s filters instead of ids (each batch checks them again
    /// under its lock: a customer who no longer matches is `unchanged`)
    #[command(flatten, next_help_heading = "Filters (instead of ids)")]
    pub filters: FilterArgs,
}

/// `--limit N` of `list`, `audit` and `runs`: a positive number (clap takes
/// `-5` as a value here, so the message says what is wrong with it, not
/// "unexpected argument").
pub fn parse_limit(text: &str) -> std::result::Result<i64, String> {
    match text.trim().parse::<i64>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("the limit must be a positive number (1 or more)".into()),
        Err(_) => Err("the limit must be a positive number (1 or more), in digits".into()),
    }
}

/// Longest `--search` text (contract: 1–500 characters).
const MAX_SEARCH_CHARS: usize = crate::db::search::MAX_CHARS;

/// `--status`: which customers by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFilter {
    /// Not soft-deleted, active (`enabled` is accepted for it).
    #[value(alias = "enabled")]
    Active,
    /// Not soft-deleted, inactive (`disabled` is accepted for it).
    #[value(alias = "disabled")]
    Inactive,
    Deleted,
    All,
}

/// `--status`'s parser: the four states and their aliases (`enabled`,
/// `disabled`), as clap's own; for anything else clap's error, its "similar
/// value" tip chosen among the aliases too, named by the value they stand
/// for (`enbled` → `active`; clap alone compared names only and offered
/// `deleted`).
#[derive(Debug, Clone, Copy)]
pub struct StatusParser;

impl clap::builder::TypedValueParser for StatusParser {
    type Value = StatusFilter;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<StatusFilter, clap::Error> {
        use clap::error::{ContextKind, ContextValue};
        use clap::ValueEnum;
        let values: Vec<clap::builder::PossibleValue> = StatusFilter::value_variants()
            .iter()
            .filter_map(ValueEnum::to_possible_value)
            .collect();
        let given = value.to_string_lossy();
        if let Some(status) = StatusFilter::value_variants().iter().find(|s| {
            s.to_possible_value()
                .is_some_and(|p| p.matches(&given, false))
        }) {
            return Ok(*status);
        }
        let mut error = match clap::builder::PossibleValuesParser::new(values.clone())
            .parse_ref(cmd, arg, value)
        {
            Err(e) => e,
            // Matched by the parser but not above: cannot be; refuse anyway.
            Ok(_) => clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd),
        };
        // The nearest name or alias (clap's measure and threshold: Jaro
        // similarity above 0.7), as the value it stands for.
        let nearest = values
            .iter()
            .flat_map(|p| p.get_name_and_aliases().map(move |n| (n, p.get_name())))
            .map(|(n, name)| (strsim::jaro(&given, n), name))
            .filter(|(score, _)| *score > 0.7)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, name)) = nearest {
            error.insert(
                ContextKind::SuggestedValue,
                ContextValue::String(name.to_string()),
            );
        }
        Err(error)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        use clap::ValueEnum;
        Some(Box::new(
            StatusFilter::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

impl From<StatusFilter> for filter::Status {
    fn from(s: StatusFilter) -> Self {
        match s {
            StatusFilter::Active => filter::Status::Active,
            StatusFilter::Inactive => filter::Status::Inactive,
            StatusFilter::Deleted => filter::Status::Deleted,
            StatusFilter::All => filter::Status::All,
        }
    }
}

/// `list`'s filters, shared with the commands that take them instead of ids
/// (`toggle`, `delete`, `restore`, `reset-password --send-email`; contract:
/// the paragraph after the command table).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// active, inactive, deleted or all [default: active and inactive; for restore: deleted]
    #[arg(long, value_parser = StatusParser)]
    pub status: Option<StatusFilter>,
    /// Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone's digits. 3+ characters: from an index; 1-2: a scan
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

    /// The filters parsed against `now` (ages such as `90d` count back from
    /// it), the search text as a LIKE pattern; a bad value is exit 2 naming
    /// the flag. Without `--status`, `default_status` applies (`None`: not
    /// soft-deleted).
    pub(crate) fn parse(
        &self,
        default_status: Option<StatusFilter>,
        now: NaiveDateTime,
    ) -> Result<Filters> {
        if let Some(text) = &self.search {
            if text.is_empty() {
                return Err(Error::Usage(
                    "--search: give the text to look for (1 to 500 characters); without --search every customer is listed".into(),
                ));
            }
            if text.chars().count() > MAX_SEARCH_CHARS {
                return Err(Error::Usage(format!(
                    "--search: at most {MAX_SEARCH_CHARS} characters (names are at most 150, emails 254)"
                )));
            }
        }
        Ok(Filters {
            status: self.status.or(default_status).map(Into::into),
            search: self
                .search
                .as_deref()
                .map(crate::db::search::SearchTerm::new),
            last_login_before: parse_when(
                "--last-login-before",
                self.last_login_before.as_deref(),
                now,
            )?,
            created_before: parse_when("--created-before", self.created_before.as_deref(), now)?,
            created_after: parse_when("--created-after", self.created_after.as_deref(), now)?,
            has_unpaid: self.has_unpaid,
            changeable: None,
            given: self.given(),
        })
    }
}

impl FilterArgs {
    /// The filters given, flag → value (for a run's record).
    fn given(&self) -> Vec<(&'static str, String)> {
        let mut given = Vec::new();
        if let Some(s) = self.status {
            use clap::ValueEnum;
            if let Some(v) = s.to_possible_value() {
                given.push(("--status", v.get_name().to_string()));
            }
        }
        if let Some(s) = &self.search {
            given.push(("--search", s.clone()));
        }
        for (flag, v) in [
            ("--last-login-before", &self.last_login_before),
            ("--created-before", &self.created_before),
            ("--created-after", &self.created_after),
        ] {
            if let Some(v) = v {
                given.push((flag, v.clone()));
            }
        }
        if self.has_unpaid {
            given.push(("--has-unpaid", "true".into()));
        }
        given
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

/// clap's parser for a customer named by id or email.
pub fn parse_customer_ref(s: &str) -> std::result::Result<CustomerRef, String> {
    crate::validate::customer_ref(s)
}

impl TargetArgs {
    /// Where the run's customers come from: `list`'s filters parsed against
    /// one `now` (without `--status`, `default_status` applies; restore:
    /// deleted), or the customers named in the arguments and `--ids-from`
    /// ([`TargetArgs::collect_refs`]). Exit 2 when both customers and
    /// filters are given, for a bad filter value, a malformed ids file, or
    /// when nothing at all is given.
    pub(crate) fn selection(&self, default_status: Option<StatusFilter>) -> Result<Selection> {
        if !self.filters.any() {
            return Ok(Selection::Named(self.collect_refs()?));
        }
        if !self.ids.is_empty() || self.ids_from.is_some() {
            return Err(Error::Usage(
                "give customers (IDs, emails or --ids-from) or filters, not both".into(),
            ));
        }
        Ok(Selection::Filter(
            self.filters.parse(default_status, crate::db::now())?,
        ))
    }

    /// How the engine runs: `--dry-run`, `--yes`, `--batch-size`, `--max-changes`.
    pub(crate) fn options(&self) -> RunOptions {
        RunOptions {
            dry_run: self.dry_run,
            yes: self.yes,
            batch_size: self.batch_size,
            max_changes: self.max_changes,
        }
    }

    /// Every customer named in the arguments and `--ids-from`, in order. A
    /// malformed line stops everything with exit 2 before any change, naming
    /// the line. An `--ids-from` without any id is an empty selection (a
    /// quiet night), not an error; no ids, no `--ids-from` and no filter is.
    fn collect_refs(&self) -> Result<Vec<CustomerRef>> {
        let mut refs = self.ids.clone();
        if let Some(path) = &self.ids_from {
            let (reader, name): (Box<dyn Read>, String) = if path.as_os_str() == "-" {
                (Box::new(std::io::stdin()), "standard input".into())
            } else {
                let file = std::fs::File::open(path).map_err(|e| {
                    Error::Usage(format!("cannot read ids from {}: {e}", path.display()))
                })?;
                (Box::new(file), path.display().to_string())
            };
            refs.extend(read_ids(reader, &name)?);
        } else if refs.is_empty() {
            return Err(Error::Usage(
                "no customers given: pass IDs or emails as arguments, --ids-from FILE (- for standard input), or list's filters (--status, --search, --last-login-before, --created-before, --created-after, --has-unpaid)".into(),
            ));
        }
        Ok(refs)
    }
}

/// Longest line of an ids file (an id with a comment fits easily).
const MAX_ID_LINE_BYTES: u64 = 4_096;

/// Reads one customer (id or email) a line; blank lines and `#` comments
/// are skipped.
pub fn read_ids(reader: impl Read, source: &str) -> Result<Vec<CustomerRef>> {
    let mut ids = Vec::new();
    let mut reader = BufReader::new(reader);
    let mut raw = Vec::new();
    let mut number = 0usize;
    loop {
        raw.clear();
        // A line longer than any id is an error, and reading stops there:
        // `/dev/zero` or a 10 GB line cannot exhaust memory.
        let n = (&mut reader)
            .take(MAX_ID_LINE_BYTES + 1)
            .read_until(b'\n', &mut raw)
            .map_err(|e| Error::Usage(format!("cannot read ids from {source}: {e}")))?;
        if n == 0 {
            break;
        }
        if raw.len() as u64 > MAX_ID_LINE_BYTES && !raw.ends_with(b"\n") {
            return Err(Error::Usage(format!(
                "{source} line {}: longer than {MAX_ID_LINE_BYTES} bytes, not an id; nothing was changed",
                number + 1
            )));
        }
        number += 1;
        // A byte-order mark (files saved by some editors) is not part of the id.
        let bytes = if number == 1 {
            raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&raw)
        } else {
            &raw[..]
        };
        let line = std::str::from_utf8(bytes).map_err(|_| {
            Error::Usage(format!(
                "{source} line {number}: not valid UTF-8; nothing was changed"
            ))
        })?;
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        // A list may name customers whose ids other programs made zero or
        // negative (`list -o ids` prints them): any integer is an id here.
        let id = match content.parse::<i64>() {
            Ok(id) => Ok(CustomerRef::Id(id)),
            Err(_) => crate::validate::customer_ref(content),
        }
        .map_err(|e| Error::Usage(format!("{source} line {number}: {e}; nothing was changed")))?;
        ids.push(id);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_opens_a_file_only() {
        let ids = read_ids(&b"\xEF\xBB\xBF5\n# c\n\n7\n"[..], "f").map_err(|e| e.to_string());
        assert_eq!(ids, Ok(vec![CustomerRef::Id(5), CustomerRef::Id(7)]));
        assert!(read_ids(&b"5\n\xEF\xBB\xBF7\n"[..], "f").is_err());
    }
}
