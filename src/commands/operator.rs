//! `custadm operator …`: add, list, set-role, passwd, deactivate, activate,
//! unlock. Admin only, except `passwd` for one's own password.

use crate::context::Ctx;
use crate::db::audit;
use crate::db::operator::{NewOperator, Operator, Role};
use crate::db::write_transaction;
use crate::error::{Error, Result};
use crate::output::{human_time, sanitize};
use crate::password::{self, PasswordSource, Verified};

/// `custadm operator …`
#[derive(Debug, clap::Subcommand)]
pub enum OperatorCommand {
    /// Register an operator; their password is asked twice (or read with --password-stdin)
    #[command(
        after_help = "Examples:\n  custadm operator add alice --role support\n  printf '%s\\n' \"$PW\" | custadm operator add bot --role support --password-stdin\n\nExit codes: 0 added, 2 bad name or password, 4 not an admin, 5 name taken."
    )]
    Add {
        /// Username (letters, digits, '.', '_', '-', '@')
        #[arg(value_parser = operator_name)]
        name: String,
        /// admin or support
        #[arg(long, value_enum)]
        role: Role,
        /// Read the new operator's password from one line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// List operators with role, state and lock
    #[command(
        after_help = "Examples:\n  custadm operator list\n  custadm operator list -o json | jq -r '.[] | select(.locked_until != null) | .username'\n\nExit codes: 0 listed, 4 not an admin."
    )]
    List,
    /// Change an operator's role
    #[command(
        after_help = "Example:\n  custadm operator set-role alice admin\n\nExit codes: 0 done, 3 no such operator, 4 not an admin, 5 would leave no active admin."
    )]
    SetRole {
        #[arg(value_parser = operator_name)]
        name: String,
        #[arg(value_enum)]
        role: Role,
    },
    /// Set a password: your own (asks your current one first) or, as admin, another operator's
    #[command(
        after_help = "Examples:\n  custadm operator passwd            # your own: current, then new twice\n  custadm operator passwd alice      # admin: alice's new password\n\nWith --password-stdin, your own password change reads two lines: current, then new.\nExit codes: 0 changed, 2 too short or no terminal, 3 no such operator, 4 wrong password, locked or not an admin."
    )]
    Passwd {
        /// Whose password [default: your own]
        #[arg(value_parser = operator_name)]
        name: Option<String>,
        /// Read the password(s) from standard input instead of a prompt
        #[arg(long)]
        password_stdin: bool,
    },
    /// Deactivate an operator (they can no longer run custadm)
    #[command(
        after_help = "Examples:\n  custadm operator deactivate alice --reason \"left the team\"\n\nA deactivated operator can no longer run custadm; the last active admin cannot be deactivated.\nExit codes: 0 done (or already inactive), 3 no such operator, 4 not an admin, 5 last active admin."
    )]
    Deactivate {
        #[arg(value_parser = operator_name)]
        name: String,
    },
    /// Reactivate an operator
    #[command(
        after_help = "Examples:\n  custadm operator activate alice\n\nExit codes: 0 done (or already active), 3 no such operator, 4 not an admin."
    )]
    Activate {
        #[arg(value_parser = operator_name)]
        name: String,
    },
    /// Clear an operator's wrong-password lock
    #[command(
        after_help = "Examples:\n  custadm operator unlock alice\n\nClears the count of wrong passwords and the 15-minute lock.\nExit codes: 0 done (or not locked), 3 no such operator, 4 not an admin."
    )]
    Unlock {
        #[arg(value_parser = operator_name)]
        name: String,
    },
}

fn operator_name(s: &str) -> std::result::Result<String, String> {
    crate::validate::operator_name(s)
}

impl OperatorCommand {
    /// The name of this command in the audit trail.
    pub fn action(&self) -> &'static str {
        match self {
            OperatorCommand::Add { .. } => "operator_add",
            OperatorCommand::List => "operator_list",
            OperatorCommand::SetRole { .. } => "operator_set_role",
            OperatorCommand::Passwd { .. } => "operator_passwd",
            OperatorCommand::Deactivate { .. } => "operator_deactivate",
            OperatorCommand::Activate { .. } => "operator_activate",
            OperatorCommand::Unlock { .. } => "operator_unlock",
        }
    }
}

#[derive(serde::Serialize)]
struct OperatorRow {
    id: i64,
    username: String,
    role: String,
    is_active: bool,
    failed_attempts: i32,
    locked_until: Option<String>,
    created_at: String,
}

/// Runs `custadm operator …`.
pub fn run(ctx: &mut Ctx, cmd: OperatorCommand) -> Result<()> {
    let action = cmd.action();
    let own_passwd = matches!(&cmd, OperatorCommand::Passwd { name, .. }
        if name.as_deref().is_none_or(|n| n == ctx.operator.username));
    if !own_passwd {
        ctx.require_role(Role::Admin, action, None)?;
    }
    match cmd {
        OperatorCommand::List => list(ctx),
        OperatorCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            if Operator::find(&mut ctx.conn, &name)?.is_some() {
                return Err(Error::Refused(format!("operator '{name}' already exists")));
            }
            let source = PasswordSource::choose(password_stdin)?;
            let secret = source.read_new(&format!("Password for {}: ", sanitize(&name)))?;
            let hash = password::hash(&secret)?;
            drop(secret);
            audited_change(
                ctx,
                action,
                serde_json::json!({"operator": name, "role": role.as_str()}),
                &format!("Added operator '{}' ({}).", sanitize(&name), role.as_str()),
                |conn| {
                    Operator::insert(
                        conn,
                        &NewOperator {
                            username: &name,
                            role: role.as_str(),
                            password_hash: &hash,
                            is_active: true,
                            failed_attempts: 0,
                            created_at: crate::db::now(),
                        },
                    )
                    .map_err(|e| match e {
                        Error::Database(m) if m.contains("UNIQUE") || m.contains("unique") => {
                            Error::Refused(format!("operator '{name}' already exists"))
                        }
                        other => other,
                    })
                },
            )
        }
        OperatorCommand::SetRole { name, role } => {
            let target = existing(ctx, &name)?;
            if target.role == role.as_str() {
                return done(
                    ctx,
                    action,
                    &format!(
                        "Operator '{}' is already {}; nothing changed.",
                        sanitize(&name),
                        role.as_str()
                    ),
                );
            }
            audited_change(
                ctx,
                action,
                serde_json::json!({"operator": name, "role": {"old": target.role, "new": role.as_str()}}),
                &format!("Operator '{}' is now {}.", sanitize(&name), role.as_str()),
                |conn| {
                    if role == Role::Support && target.is_admin() && target.is_active {
                        refuse_last_admin(conn, &target)?;
                    }
                    Operator::update_role(conn, target.id, role)
                },
            )
        }
        OperatorCommand::Deactivate { name } | OperatorCommand::Activate { name } => {
            let activate = action == "operator_activate";
            let target = existing(ctx, &name)?;
            if target.is_active == activate {
                return done(
                    ctx,
                    action,
                    &format!(
                        "Operator '{}' is already {}; nothing changed.",
                        sanitize(&name),
                        if activate { "active" } else { "inactive" }
                    ),
                );
            }
            let verb = if activate { "activated" } else { "deactivated" };
            audited_change(
                ctx,
                action,
                serde_json::json!({"operator": name, "is_active": activate}),
                &format!("Operator '{}' {verb}.", sanitize(&name)),
                |conn| {
                    if !activate && target.is_admin() {
                        refuse_last_admin(conn, &target)?;
                    }
                    Operator::update_active(conn, target.id, activate)
                },
            )
        }
        OperatorCommand::Unlock { name } => {
            let target = existing(ctx, &name)?;
            if target.failed_attempts == 0 && target.locked_until.is_none() {
                return done(
                    ctx,
                    action,
                    &format!(
                        "Operator '{}' is not locked; nothing changed.",
                        sanitize(&name)
                    ),
                );
            }
            audited_change(
                ctx,
                action,
                serde_json::json!({"operator": name}),
                &format!("Operator '{}' unlocked.", sanitize(&name)),
                |conn| Operator::unlock(conn, target.id),
            )
        }
        OperatorCommand::Passwd {
            name,
            password_stdin,
        } => {
            let name = name.unwrap_or_else(|| ctx.operator.username.clone());
            let target = existing(ctx, &name)?;
            let source = PasswordSource::choose(password_stdin)?;
            if own_passwd {
                let current = source.read("Current password: ")?;
                confirm_operator_password(ctx, action, None, &current)?;
            }
            let secret = source.read_new(&format!("New password for {}: ", sanitize(&name)))?;
            let hash = password::hash(&secret)?;
            drop(secret);
            audited_change(
                ctx,
                action,
                serde_json::json!({"operator": name}),
                &format!("Password of '{}' changed.", sanitize(&name)),
                |conn| Operator::update_password(conn, target.id, &hash),
            )
        }
    }
}

/// Checks the acting operator's own password, with the lock: a locked
/// operator is refused even with the right password; a wrong one is
/// counted (five in a row lock for 15 minutes) and audited as `denied`.
pub fn confirm_operator_password(
    ctx: &mut Ctx,
    action: &str,
    customer_id: Option<i64>,
    given: &str,
) -> Result<()> {
    let now = crate::db::now();
    let me = Operator::find(&mut ctx.conn, &ctx.operator.username)?.ok_or_else(|| {
        Error::Denied(format!(
            "operator '{}' no longer exists",
            ctx.operator.username
        ))
    })?;
    let locked_message = |until: chrono::NaiveDateTime| {
        format!(
            "operator '{}' is locked after {} wrong passwords until {} UTC: wait, or ask another admin to run `custadm operator unlock {}`",
            me.username,
            crate::db::operator::MAX_FAILED_ATTEMPTS,
            until.format("%Y-%m-%d %H:%M:%S"),
            me.username
        )
    };
    if let Some(until) = me.locked_at(now) {
        ctx.actor
            .entry(
                action,
                customer_id,
                audit::DENIED,
                serde_json::json!({"reason": "operator locked"}),
            )
            .insert(&mut ctx.conn)?;
        return Err(Error::Denied(locked_message(until)));
    }
    match password::verify(given, &me.password_hash)? {
        Verified::No => {
            let actor = ctx.actor.clone();
            let lock = write_transaction(&mut ctx.conn, |conn| {
                let lock = me.record_failed_attempt(conn, now)?;
                actor
                    .entry(
                        action,
                        customer_id,
                        audit::DENIED,
                        serde_json::json!({"reason": "wrong password", "locked": lock.is_some()}),
                    )
                    .insert(conn)?;
                Ok(lock)
            })?;
            Err(Error::Denied(match lock {
                Some(until) => locked_message(until),
                None => format!(
                    "wrong password for operator '{}' ({} of {} attempts before a 15-minute lock)",
                    me.username,
                    me.failed_attempts + 1,
                    crate::db::operator::MAX_FAILED_ATTEMPTS
                ),
            }))
        }
        Verified::Yes => me.record_success(&mut ctx.conn, None),
        Verified::YesRehashed(upgraded) => me.record_success(&mut ctx.conn, Some(&upgraded)),
    }
}

/// Makes one operator change and its audit row in one transaction, then
/// reports it.
fn audited_change(
    ctx: &mut Ctx,
    action: &str,
    details: serde_json::Value,
    message: &str,
    change: impl FnOnce(&mut crate::db::DbConn) -> Result<()>,
) -> Result<()> {
    let actor = ctx.actor.clone();
    write_transaction(&mut ctx.conn, |conn| {
        change(conn)?;
        actor.entry(action, None, audit::OK, details).insert(conn)
    })?;
    done(ctx, action, message)
}

fn existing(ctx: &mut Ctx, name: &str) -> Result<Operator> {
    Operator::find(&mut ctx.conn, name)?.ok_or_else(|| {
        Error::NotFound(format!(
            "operator '{name}' not found: `custadm operator list` shows the operators"
        ))
    })
}

/// Refuses to take away the last active admin.
fn refuse_last_admin(conn: &mut crate::db::DbConn, target: &Operator) -> Result<()> {
    let admins = Operator::list(conn)?
        .into_iter()
        .filter(|o| o.is_admin() && o.is_active && o.id != target.id)
        .count();
    if admins == 0 {
        return Err(Error::Refused(format!(
            "'{}' is the last active admin; add or promote another admin first",
            target.username
        )));
    }
    Ok(())
}

fn done(ctx: &mut Ctx, action: &str, message: &str) -> Result<()> {
    if ctx.out.is_json() {
        ctx.out
            .json(&serde_json::json!({"action": action, "dry_run": false, "message": message}))
    } else {
        ctx.out.line(message)
    }
}

fn list(ctx: &mut Ctx) -> Result<()> {
    let now = crate::db::now();
    let operators = Operator::list(&mut ctx.conn)?;
    if ctx.out.is_json() {
        let rows: Vec<OperatorRow> = operators
            .iter()
            .map(|o| OperatorRow {
                id: o.id,
                username: o.username.clone(),
                role: o.role.clone(),
                is_active: o.is_active,
                failed_attempts: o.failed_attempts,
                locked_until: o.locked_at(now).map(crate::output::rfc3339),
                created_at: crate::output::rfc3339(o.created_at),
            })
            .collect();
        return ctx.out.json(&rows);
    }
    let rows = operators
        .iter()
        .map(|o| {
            vec![
                o.username.clone(),
                o.role.clone(),
                if o.is_active {
                    "active".into()
                } else {
                    "inactive".into()
                },
                o.failed_attempts.to_string(),
                human_time(o.locked_at(now)),
                human_time(Some(o.created_at)),
            ]
        })
        .collect();
    ctx.out.table(
        &[
            "USERNAME",
            "ROLE",
            "STATE",
            "FAILED",
            "LOCKED UNTIL",
            "CREATED",
        ],
        rows,
    )
}
