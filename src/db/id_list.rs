//! `column IN (ids)` as one bound value, whatever the number of ids.
//!
//! Diesel's `eq_any` writes one placeholder per id on SQLite
//! (`IN (?, ?, …)`), so every batch of a different size is a new SQL text
//! and Diesel does not cache it: a 1,000-id batch re-parses and re-plans a
//! 1,000-placeholder statement for each of its queries (about 2 million
//! instructions each, 4 % of a large run). [`in_ids`] binds the whole list
//! once:
//!
//! - SQLite: `column IN (SELECT value FROM json_each(?))`, the ids as a JSON
//!   array of integers. SQLite reads JSON integers as exact 64-bit
//!   integers, builds the list once per statement and seeks the primary key
//!   (or the column's index) once per id, in ascending order.
//! - PostgreSQL: `column = ANY(?)`, the ids as one `bigint[]` (what Diesel's
//!   `eq_any` already does there).
//!
//! The SQL text no longer depends on the number of ids, so the statement is
//! prepared once per connection and reused by every batch.

use std::fmt::Write as _;

use diesel::expression::{AppearsOnTable, Expression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;
use diesel::QueryResult;

use super::MultiBackend;

/// `column IN (ids)` (see the module doc). `column` is any 64-bit integer
/// column, nullable or not (a NULL never matches).
pub fn in_ids<C>(column: C, ids: &[i64]) -> InIds<'_, C> {
    let mut json = String::with_capacity(ids.len() * 8 + 2);
    json.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(json, "{id}");
    }
    json.push(']');
    InIds { column, ids, json }
}

/// The expression [`in_ids`] builds.
#[derive(Debug, Clone)]
pub struct InIds<'a, C> {
    column: C,
    ids: &'a [i64],
    /// `ids` as a JSON array (SQLite's bound value).
    json: String,
}

impl<C> Expression for InIds<'_, C> {
    type SqlType = Bool;
}

impl<C, GB> ValidGrouping<GB> for InIds<'_, C>
where
    C: ValidGrouping<GB>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C, QS> AppearsOnTable<QS> for InIds<'_, C> where C: AppearsOnTable<QS> {}

/// The statement cache's key part for [`InIds`]: its SQL depends on the
/// column only.
pub struct InIdsQueryId<C>(std::marker::PhantomData<C>);

impl<C: QueryId> QueryId for InIds<'_, C> {
    type QueryId = InIdsQueryId<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for InIds<'_, C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, str>(self.json.as_str())?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for InIds<'_, C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, [i64]>(self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

/// Through [`super::DbConn`]: the variant's own SQL.
impl<C> QueryFragment<MultiBackend> for InIds<'_, C>
where
    C: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}
