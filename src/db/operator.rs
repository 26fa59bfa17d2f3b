//! The `operators` table: the people allowed to run custadm, their role and
//! their password state (failed attempts, lock).

use chrono::NaiveDateTime;
use diesel::prelude::*;

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
    #[diesel(deserialize_as = crate::db::foreign::LossyText)]
    pub username: String,
    #[diesel(deserialize_as = crate::db::foreign::LossyText)]
    pub role: String,
    #[diesel(deserialize_as = crate::db::foreign::LossyText)]
    pub password_hash: String,
    pub is_active: bool,
    pub failed_attempts: i32,
    #[diesel(deserialize_as = crate::db::foreign::DbOptTime)]
    pub locked_until: Option<NaiveDateTime>,
    #[diesel(deserialize_as = crate::db::foreign::DbTime)]
    pub created_at: NaiveDateTime,
    /// The OS login this operator is bound to: only that login may act as
    /// them (contract: "Operators and roles"). `None`: unbound.
    #[diesel(deserialize_as = crate::db::foreign::LossyOptText)]
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

    /// The end of the lock, when the operator is locked at `now`.
    pub fn locked_at(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        self.locked_until.filter(|until| *until > now)
    }

    /// Records a wrong password; locks the operator at the fifth in a row.
    /// Returns the lock's end when this attempt locked them.
    pub fn record_failed_attempt(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
    ) -> Result<Option<NaiveDateTime>> {
        let attempts = self.failed_attempts.saturating_add(1);
        let lock = (attempts >= MAX_FAILED_ATTEMPTS)
            .then(|| now + chrono::Duration::minutes(LOCK_MINUTES));
        diesel::update(operators::table.find(self.id))
            .set((
                operators::failed_attempts.eq(if lock.is_some() { 0 } else { attempts }),
                operators::locked_until.eq(lock.or(self.locked_until)),
            ))
            .execute(conn)?;
        Ok(lock)
    }

    /// Records a right password: clears the count, and stores `rehash` when the
    /// old hash was below the policy.
    pub fn record_success(&self, conn: &mut DbConn, rehash: Option<&str>) -> Result<()> {
        diesel::update(operators::table.find(self.id))
            .set((
                operators::failed_attempts.eq(0),
                operators::password_hash.eq(rehash.unwrap_or(&self.password_hash)),
            ))
            .execute(conn)?;
        Ok(())
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
