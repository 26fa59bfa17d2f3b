//! What a command runs with once the dispatcher has opened the database once:
//! the connection, the acting operator (checked to exist and be active), the
//! audit stamp (operator, OS user, reason) and the output settings.

pub mod confirm;

use std::path::PathBuf;

use crate::config::Settings;
use crate::db::audit::{self, Actor};
use crate::db::operator::{Operator, Role};
use crate::db::{DatabaseTarget, DbConn};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::password::PasswordSource;

/// Everything a customer or operator command needs.
pub struct Ctx {
    /// The open connection, schema already checked.
    pub conn: DbConn,
    /// The database, for messages (password masked).
    pub database: String,
    /// Stamped on every audit row.
    pub actor: Actor,
    /// The acting operator's row.
    pub operator: Operator,
    /// How to print.
    pub out: Output,
    /// Set when the selected profile is marked `production = true`.
    pub production: Option<Production>,
    /// The effective settings (SMTP for `reset-password --send-email`).
    pub settings: Settings,
    /// What the run of a changing command has done so far: its `run` audit
    /// row and the metrics file are made from it (`bulk::close_run`).
    pub run: crate::bulk::RunRecord,
}

/// A production profile's guard: confirmations name it and its host, and
/// bulk runs need `--yes` even on a terminal.
#[derive(Debug, Clone)]
pub struct Production {
    pub profile: String,
    pub host: String,
}

/// The database from the resolved settings, else the default SQLite file.
pub fn resolve_database(settings: &Settings) -> Result<DatabaseTarget> {
    match &settings.database_url.value {
        Some(url) => DatabaseTarget::parse(url),
        None => Ok(DatabaseTarget::default_file(default_database_path()?)),
    }
}

/// `$XDG_DATA_HOME/custadm/custadm.sqlite3`, or under `~/.local/share`.
pub fn default_database_path() -> Result<PathBuf> {
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".local/share")))
        .ok_or_else(|| {
            Error::Setup("neither XDG_DATA_HOME nor HOME is set, so there is no default database: pass --database-url".into())
        })?;
    Ok(data_home.join("custadm").join("custadm.sqlite3"))
}

/// Looks the operator up; an unknown or inactive one, or one bound to another
/// OS login than the one running custadm (`actor.os_user`, see
/// [`crate::terminal::attributed_login`]), is refused (exit 4) with a
/// `denied` audit row for `action` (contract: "Operators and roles").
pub fn authenticate(conn: &mut DbConn, actor: &Actor, action: &str) -> Result<Operator> {
    let found = crate::db::bounded(conn, |c| Operator::find(c, &actor.operator))?;
    let (refusal, reason) = match &found {
        None => (format!(
            "unknown operator '{}': pass --operator NAME or set CUSTADM_OPERATOR, or ask an admin to run `custadm operator add {} --role support`",
            actor.operator, actor.operator
        ), "unknown or inactive operator"),
        Some(op) if !op.is_active => (format!(
            "operator '{}' is deactivated: ask an admin to run `custadm operator activate {}`",
            actor.operator, actor.operator
        ), "unknown or inactive operator"),
        Some(op) if !op.may_be_acted_as_by(&actor.os_user) => (format!(
            "operator '{}' is bound to another OS login, and this is '{}': run custadm as that login (or through sudo from it), or act as your own operator",
            actor.operator, actor.os_user
        ), "bound to another OS login"),
        Some(op) => return Ok(op.clone()),
    };
    actor
        .entry(
            action,
            None,
            audit::DENIED,
            serde_json::json!({"reason": reason}),
        )
        .insert(conn)?;
    Err(Error::Denied(refusal))
}

impl Ctx {
    /// Runs `f` with every lock wait bounded by `lock_timeout`, reads
    /// included (see [`crate::db::bounded`]); for read-only commands and
    /// `view`, whose audit row joins the block's transaction.
    pub fn bounded<T>(&mut self, f: impl FnOnce(&mut Ctx) -> Result<T>) -> Result<T> {
        let began = crate::db::begin_bounded(&mut self.conn)?;
        let result = f(self);
        crate::db::end_bounded(&mut self.conn, began, result.is_ok())?;
        result
    }

    /// Confirms a change before it is made. `needs_confirmation` is the
    /// contract's rule (more than one customer, or a delete); a production
    /// profile adds every change, names itself and its host in the question,
    /// and makes runs over several customers need `--yes` even on a terminal.
    pub fn confirm_change(
        &self,
        yes: bool,
        needs_confirmation: bool,
        several: bool,
        question: &str,
    ) -> Result<()> {
        let Some(prod) = &self.production else {
            return if needs_confirmation {
                crate::terminal::require_confirmation(yes, question)
            } else {
                Ok(())
            };
        };
        if yes {
            return Ok(());
        }
        if several {
            return Err(Error::Usage(format!(
                "profile '{}' is production ({}): runs over several customers need --yes, even on a terminal",
                prod.profile, prod.host
            )));
        }
        crate::terminal::require_confirmation(
            false,
            &format!(
                "[production profile '{}', {}] {question}",
                prod.profile, prod.host
            ),
        )
    }

    /// Refuses (exit 4, `denied` audit row) unless the operator has `role`.
    pub fn require_role(
        &mut self,
        role: Role,
        action: &str,
        customer_id: Option<i64>,
    ) -> Result<()> {
        if role == Role::Support || self.operator.is_admin() {
            return Ok(());
        }
        self.actor
            .entry(
                action,
                customer_id,
                audit::DENIED,
                serde_json::json!({"required_role": role.as_str(), "role": self.operator.role}),
            )
            .insert(&mut self.conn)?;
        Err(Error::Denied(format!(
            "permission denied: `{action}` needs the {} role and operator '{}' is {}",
            role.as_str(),
            self.operator.username,
            self.operator.role
        )))
    }

    /// The start of every admin-only change (contract: "Operators and
    /// roles": `purge` and every `operator` change but one's own `passwd`):
    /// the role check first — a support operator is refused (exit 4, `denied`
    /// row) without being asked anything — then where the acting admin's
    /// password will come from: `--password-stdin`, else the terminal, else
    /// exit 2 at once. The password itself is asked by
    /// [`confirm::confirm_admin_password`].
    pub fn require_admin_change(
        &mut self,
        action: &str,
        customer_id: Option<i64>,
        password_stdin: bool,
    ) -> Result<PasswordSource> {
        self.require_role(Role::Admin, action, customer_id)?;
        // A locked admin is refused before anything is shown (purge's
        // preview names the customers) or asked.
        let me = self.operator.clone();
        confirm::refuse_if_locked(self, &me, action, customer_id, crate::db::now())?;
        PasswordSource::choose(password_stdin)
    }
}
