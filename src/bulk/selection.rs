//! Where a run's customers come from (contract: the paragraph after the
//! command table): customers the user named (ids or emails), customers a
//! command chose itself (undo: the customers of a run), or `list`'s filters.
//! The engine resolves the named ones to ids before anything changes.

use std::collections::HashSet;

use crate::db::customer::Customer;
use crate::db::filter::{self, Changeable, Filters};
use crate::db::DbConn;
use crate::error::Result;
use crate::validate::CustomerRef;

/// Where a run's customers come from, as a command hands it to the engine
/// ([`super::execute`]); built from the arguments by
/// [`super::TargetArgs::selection`].
#[derive(Debug, Clone)]
pub(crate) enum Selection {
    /// Customers the user named, in order: ids, and emails matched
    /// case-insensitively (duplicates allowed: the first is kept).
    Named(Vec<CustomerRef>),
    /// Customer ids a command chose itself (undo: the customers of a run),
    /// used as they are.
    Ids(Vec<i64>),
    /// Customers matching `list`'s filters, read page by page.
    Filter(Filters),
    /// The rows of a change file (`edit --from`), read back a batch at a
    /// time; the batch function resolves and locks each batch's customers.
    File(super::changes::ChangeFile),
}

impl Selection {
    /// The filters, when the customers are selected by filter.
    pub(crate) fn filters(&self) -> Option<&Filters> {
        match self {
            Selection::Filter(f) => Some(f),
            _ => None,
        }
    }

    /// Filters narrowed to the customers the command would change
    /// (contract: "A filter selects only the customers the command would
    /// change"), so a quiet night lists nothing.
    pub(crate) fn changeable(self, which: Option<Changeable>) -> Selection {
        match self {
            Selection::Filter(mut f) => {
                f.changeable = which;
                Selection::Filter(f)
            }
            other => other,
        }
    }

    /// How the run's customers were chosen, for its `run` audit row: how
    /// many were named, or the filters as given.
    pub(crate) fn describe(&self) -> serde_json::Value {
        match self {
            Selection::Named(refs) => serde_json::json!({"ids": refs.len()}),
            Selection::Ids(ids) => serde_json::json!({"ids": ids.len()}),
            Selection::Filter(f) => f.describe(),
            Selection::File(file) => file.describe(),
        }
    }

    /// The selection ready to run: named customers resolved to ids (emails
    /// one query per `batch` names).
    pub(super) fn resolve(self, conn: &mut DbConn, batch: usize) -> Result<Targets> {
        Ok(match self {
            Selection::Named(refs) => {
                let (ids, unknown) = resolve_named(conn, refs, batch)?;
                Targets::Named { ids, unknown }
            }
            Selection::Ids(ids) => Targets::Named {
                ids,
                unknown: Vec::new(),
            },
            Selection::Filter(f) => Targets::Filter(f),
            Selection::File(file) => Targets::File(file),
        })
    }
}

/// A resolved [`Selection`]: what the engine runs over.
pub(super) enum Targets {
    /// Named customers, resolved to ids (duplicates dropped, first kept),
    /// and the emails that name no customer.
    Named { ids: Vec<i64>, unknown: Vec<String> },
    /// Customers matching `list`'s filters, read page by page.
    Filter(Filters),
    /// The rows of a change file.
    File(super::changes::ChangeFile),
}

impl Targets {
    /// How many customers were named (ids and unknown emails); `None` for
    /// filters, whose count is known only by counting.
    pub(super) fn named(&self) -> Option<usize> {
        match self {
            Targets::Named { ids, unknown } => Some(ids.len() + unknown.len()),
            Targets::Filter(_) => None,
            Targets::File(file) => Some(usize::try_from(file.rows).unwrap_or(usize::MAX)),
        }
    }

    /// At most how many customers a run that decides per customer (undo,
    /// `edit --from`) may change: every named customer, or every row of a
    /// change file that asks for a change with valid values.
    pub(super) fn may_change(&self) -> usize {
        match self {
            Targets::File(file) => usize::try_from(file.changing).unwrap_or(usize::MAX),
            other => other.named().unwrap_or(0),
        }
    }

    /// How many of the targets are in a state the command would change
    /// (`which`): named ids counted `batch` at a time (bind limits), filters
    /// in one COUNT. Read without locks.
    pub(super) fn count_changeable(
        &self,
        conn: &mut DbConn,
        which: Changeable,
        batch: usize,
    ) -> Result<i64> {
        match self {
            Targets::Named { ids, .. } => {
                let mut n = 0;
                for chunk in ids.chunks(batch) {
                    n += filter::count_changeable(conn, None, Some(chunk), which)?;
                }
                Ok(n)
            }
            Targets::Filter(f) => filter::count_changeable(conn, Some(f), None, which),
            Targets::File(file) => Ok(i64::try_from(file.changing).unwrap_or(i64::MAX)),
        }
    }
}

/// Resolves the named customers: emails one query per `batch` names.
fn resolve_named(
    conn: &mut DbConn,
    refs: Vec<CustomerRef>,
    batch: usize,
) -> Result<(Vec<i64>, Vec<String>)> {
    let mut ids = Vec::with_capacity(refs.len());
    let mut unknown = Vec::new();
    for chunk in refs.chunks(batch) {
        let emails: Vec<String> = chunk
            .iter()
            .filter_map(|r| match r {
                CustomerRef::Email(e) => Some(e.clone()),
                CustomerRef::Id(_) => None,
            })
            .collect();
        let found = Customer::ids_by_email(conn, &emails)?;
        for r in chunk {
            match r {
                CustomerRef::Id(id) => ids.push(*id),
                CustomerRef::Email(e) => match found.get(e) {
                    Some(id) => ids.push(*id),
                    None if !unknown.contains(e) => unknown.push(e.clone()),
                    None => {}
                },
            }
        }
    }
    let mut seen = HashSet::with_capacity(ids.len());
    ids.retain(|id| seen.insert(*id));
    Ok((ids, unknown))
}
