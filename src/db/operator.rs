//! The `operators` table: the people allowed to run custadm, their role and
//! their password state (failed attempts, lock).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::lenient::{Cmp, InstantCmp, StoredTime};
use super::schema::operators;
use super::DbConn;
use crate::error::Result;

/// How many wrong passwords in a row lock an operator.
pub const MAX_FAILED_ATTEMPTS: i32 = 5;
/// How long such a lock lasts.
pub const LOCK_MINUTES: i64 = 15;

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including purge and operator management.
    Admin,
    /// Everything on customers except purge.
    Support,
}

impl Role {
    /// The value stored in `operators.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Support => "support",
        }
    }
}

/// A row of `operators`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = operators)]
pub struct Operator {
    pub id: i64,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub username: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub role: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub password_hash: String,
    pub is_active: bool,
    pub failed_attempts: i32,
    pub locked_until: Option<StoredTime>,
    pub created_at: StoredTime,
    /// The OS login this operator is bound to: only that login may act as
    /// them (contract: "Operators and roles"). `None`: unbound.
    #[diesel(deserialize_as = crate::db::lenient::LossyOptText)]
    pub os_user: Option<String>,
}

/// A new row of `operators`.
#[derive(Insertable)]
#[diesel(table_name = operators)]
pub struct NewOperator<'a> {
    pub username: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub is_active: bool,
    pub failed_attempts: i32,
    pub created_at: NaiveDateTime,
    pub os_user: Option<&'a str>,
}

impl Operator {
    /// The operator with this username, if any.
    pub fn find(conn: &mut DbConn, username: &str) -> Result<Option<Operator>> {
        Ok(operators::table
            .filter(operators::username.eq(username))
            .select(Operator::as_select())
            .first(conn)
            .optional()?)
    }

    /// Every operator, by username.
    pub fn list(conn: &mut DbConn) -> Result<Vec<Operator>> {
        Ok(operators::table
            .order(operators::username)
            .select(Operator::as_select())
            .load(conn)?)
    }

    /// How many operators exist (zero means `init` still has to register one).
    pub fn count(conn: &mut DbConn) -> Result<i64> {
        Ok(operators::table.count().get_result(conn)?)
    }

    /// Inserts a new operator.
    pub fn insert(conn: &mut DbConn, new: &NewOperator<'_>) -> Result<()> {
        diesel::insert_into(operators::table)
            .values(new)
            .execute(conn)?;
        Ok(())
    }

    /// True for the `admin` role.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin.as_str()
    }

    /// The end of the lock, when the operator is locked at `now`. A
    /// `locked_until` custadm cannot read (another program's text; see
    /// [`StoredTime`](StoredTime)) is no lock.
    pub fn locked_at(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        self.locked_until
            .as_ref()
            .and_then(StoredTime::instant)
            .filter(|until| *until > now)
    }

    /// Records a wrong password, counted in the database so that attempts
    /// made at the same moment all count (contract: "Operators and roles"):
    /// the UPDATE takes the operator's row lock, so concurrent attempts are
    /// applied one after another, each seeing the others' counts. Must run
    /// inside `write_transaction`. An expired lock starts a new series; the
    /// fifth wrong password in a row (and each further one) sets
    /// `locked_until` to `now` + 15 minutes in the same transaction.
    /// Returns the count after this attempt and the lock's end when locked.
    pub fn record_failed_attempt(
        conn: &mut DbConn,
        id: i64,
        now: NaiveDateTime,
    ) -> Result<(i32, Option<NaiveDateTime>)> {
        let what = || "the operator's row".to_string();
        // An expired lock is over: the next wrong password is the first of a
        // new series. Expired means an instant custadm reads, at or before
        // now (db::lenient::InstantCmp, as `locked_at` reads it): a value
        // another program stored that names none (`garbage`, a number 0,
        // PostgreSQL's `-infinity`) is no lock, so the series carries on and
        // the value stays as stored until a new lock replaces it.
        let expired = <super::MultiBackend as InstantCmp>::instant_cmp::<operators::table>(
            conn.backend(),
            "operators.locked_until",
            Cmp::Le,
            now,
        );
        diesel::update(operators::table.find(id).filter(expired))
            .set((
                operators::failed_attempts.eq(0),
                operators::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)
            .map_err(super::locking(what))?;
        let attempts: i32 = diesel::update(operators::table.find(id))
            .set(operators::failed_attempts.eq(operators::failed_attempts + 1))
            .returning(operators::failed_attempts)
            .get_result(conn)
            .map_err(super::locking(what))?;
        if attempts < MAX_FAILED_ATTEMPTS {
            return Ok((attempts, None));
        }
        let until = now + chrono::Duration::minutes(LOCK_MINUTES);
        diesel::update(operators::table.find(id))
            .set(operators::locked_until.eq(until))
            .execute(conn)?;
        Ok((attempts, Some(until)))
    }

    /// Records a right password: clears the count, and stores `rehash` when
    /// the old hash was below the policy, unless the operator got locked
    /// since the lock was checked (a concurrent fifth wrong password): then
    /// nothing is written and the lock's end is returned.
    pub fn record_success(
        &self,
        conn: &mut DbConn,
        rehash: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Option<NaiveDateTime>> {
        let not_locked = operators::locked_until
            .is_null()
            .or(operators::locked_until.le(now));
        if Self::clear_count(conn, self.id, rehash, Box::new(not_locked))? == 1 {
            return Ok(None);
        }
        // The row is locked (PostgreSQL) or the database is (SQLite) until
        // commit: what is read here stays so.
        let until = operators::table
            .find(self.id)
            .select(operators::locked_until)
            .first::<Option<StoredTime>>(conn)
            .optional()?
            .flatten();
        match until.as_ref().and_then(StoredTime::instant) {
            Some(until) if until > now => Ok(Some(until)),
            // No lock custadm can read (another program's text, or a time in
            // a form the SQL comparison above took for a later one): not
            // locked, as [`Operator::locked_at`] says; `locked_until` is
            // left as stored.
            _ => {
                Self::clear_count(
                    conn,
                    self.id,
                    rehash,
                    Box::new(operators::id.eq(self.id).nullable()),
                )?;
                Ok(None)
            }
        }
    }

    /// Sets operator `id`'s failed attempts to 0 (and its hash to `rehash`)
    /// where `condition` holds; returns the rows written (0 or 1).
    fn clear_count(
        conn: &mut DbConn,
        id: i64,
        rehash: Option<&str>,
        condition: Box<
            dyn diesel::BoxableExpression<
                operators::table,
                super::MultiBackend,
                SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
            >,
        >,
    ) -> Result<usize> {
        let target = operators::table.find(id).filter(condition);
        Ok(match rehash {
            Some(hash) => diesel::update(target)
                .set((
                    operators::failed_attempts.eq(0),
                    operators::password_hash.eq(hash),
                ))
                .execute(conn)?,
            None => diesel::update(target)
                .set(operators::failed_attempts.eq(0))
                .execute(conn)?,
        })
    }

    /// Locks, in ascending id order, the rows that decide "at least one
    /// active admin remains" (contract: "Operators and roles"): `target`
    /// and every active admin, and returns them as they are now. Every
    /// command that demotes or deactivates an operator calls this first in
    /// its transaction, so two of them queue: the second sees the first's
    /// committed change (PostgreSQL re-checks `FOR UPDATE` rows after the
    /// wait) and refuses if it would remove the last one. SQLite's write
    /// lock already serialises them. Lock order: operators rows by id, and
    /// no customer rows in the same transaction.
    pub fn lock_admins_and(conn: &mut DbConn, target: i64) -> Result<Vec<Operator>> {
        let query = operators::table
            .filter(
                operators::id.eq(target).or(operators::role
                    .eq(Role::Admin.as_str())
                    .and(operators::is_active.eq(true))),
            )
            .order(operators::id);
        Ok(match conn {
            DbConn::Pg(c) => query
                .select(Operator::as_select())
                .for_update()
                .load(c)
                .map_err(super::locking(|| "an admin operator's row".to_string()))?,
            DbConn::Sqlite(c) => query.select(Operator::as_select()).load(c)?,
        })
    }

    /// Sets one column-group of the operator (role, active flag, password, lock).
    pub fn update_role(conn: &mut DbConn, id: i64, role: Role) -> Result<()> {
        diesel::update(operators::table.find(id))
            .set(operators::role.eq(role.as_str()))
            .execute(conn)?;
        Ok(())
    }

    /// Activates or deactivates an operator.
    pub fn update_active(conn: &mut DbConn, id: i64, active: bool) -> Result<()> {
        diesel::update(operators::table.find(id))
            .set(operators::is_active.eq(active))
            .execute(conn)?;
        Ok(())
    }

    /// Stores a new password hash and clears any lock.
    pub fn update_password(conn: &mut DbConn, id: i64, hash: &str) -> Result<()> {
        diesel::update(operators::table.find(id))
            .set((
                operators::password_hash.eq(hash),
                operators::failed_attempts.eq(0),
                operators::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Clears the failed-attempt count and the lock.
    pub fn unlock(conn: &mut DbConn, id: i64) -> Result<()> {
        diesel::update(operators::table.find(id))
            .set((
                operators::failed_attempts.eq(0),
                operators::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Binds the operator to an OS login, or unbinds them (`None`).
    pub fn update_os_user(conn: &mut DbConn, id: i64, os_user: Option<&str>) -> Result<()> {
        diesel::update(operators::table.find(id))
            .set(operators::os_user.eq(os_user))
            .execute(conn)?;
        Ok(())
    }

    /// Whether `login` (the attributed OS login, see
    /// [`crate::terminal::attributed_login`]) may act as this operator: an
    /// unbound operator can be acted as from any login, a bound one only from
    /// its own.
    pub fn may_be_acted_as_by(&self, login: &str) -> bool {
        self.os_user.as_deref().is_none_or(|bound| bound == login)
    }
}
