//! The password confirmation of admin changes and the lockout rule
//! (contract: "Operators and roles": every admin-only change confirms the
//! acting admin's own password; five wrong passwords in a row lock that
//! operator's password-confirmed actions for 15 minutes; a success resets
//! the count; wrong attempts made at the same moment all count). Used by
//! the context itself (a locked operator is refused before anything is
//! asked), `purge` and the `operator` commands.

use crate::context::Ctx;
use crate::db::audit;
use crate::db::operator::Operator;
use crate::db::write_transaction;
use crate::error::{Error, Result};
use crate::password::{self, PasswordSource, Verified};
use crate::text::sanitize;

/// The confirmation of every admin-only change (contract: "Operators and
/// roles"; `purge` and the `operator` changes): asks the acting admin's own
/// password — a hidden prompt, or the next line of standard input — and checks
/// it with [`confirm_operator_password`] (wrong: exit 4, a `denied` row, the
/// count towards the 15-minute lock). Call [`Ctx::require_admin_change`]
/// first for the role check and `source`.
pub fn confirm_admin_password(
    ctx: &mut Ctx,
    action: &str,
    customer_id: Option<i64>,
    source: PasswordSource,
) -> Result<()> {
    let given = source.read(&format!(
        "Password of {} to confirm: ",
        sanitize(&ctx.operator.username)
    ))?;
    confirm_operator_password(ctx, action, customer_id, &given)
}

/// Why a locked operator is refused, and what to do.
fn locked_message(me: &Operator, until: chrono::NaiveDateTime) -> String {
    format!(
        "operator '{}' is locked after {} wrong passwords until {} UTC: wait, or ask another admin to run `custadm operator unlock {}`",
        sanitize(&me.username),
        crate::db::operator::MAX_FAILED_ATTEMPTS,
        until.format("%Y-%m-%d %H:%M:%S"),
        sanitize(&me.username)
    )
}

/// Refuses (exit 4, a `denied` audit row) an operator whose password-confirmed
/// actions are locked (contract: five wrong passwords lock them for 15
/// minutes) — before anything is shown or asked.
pub fn refuse_if_locked(
    ctx: &mut Ctx,
    me: &Operator,
    action: &str,
    customer_id: Option<i64>,
    now: chrono::NaiveDateTime,
) -> Result<()> {
    let Some(until) = me.locked_at(now) else {
        return Ok(());
    };
    ctx.actor
        .entry(
            action,
            customer_id,
            audit::DENIED,
            serde_json::json!({"reason": "operator locked"}),
        )
        .insert(&mut ctx.conn)?;
    Err(Error::Denied(locked_message(me, until)))
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
    refuse_if_locked(ctx, &me, action, customer_id, now)?;
    let verified = password::verify(given, &me.password_hash)?;
    match verified {
        // Not a wrong password: nothing counted, nothing locked.
        Verified::Unverifiable => Err(Error::Setup(format!(
            "the stored password hash of operator '{}' is not an Argon2 hash custadm can verify (another program wrote it); nothing was counted: another admin can set a new password with `custadm operator passwd {}`",
            sanitize(&me.username),
            sanitize(&me.username)
        ))),
        Verified::No => {
            let actor = ctx.actor.clone();
            // Counted by the database (`failed_attempts + 1` under the row
            // lock), so wrong attempts made at the same moment all count.
            let (attempts, lock) = write_transaction(&mut ctx.conn, |conn| {
                let (attempts, lock) = Operator::record_failed_attempt(conn, me.id, now)?;
                actor
                    .entry(
                        action,
                        customer_id,
                        audit::DENIED,
                        serde_json::json!({"reason": "wrong password", "locked": lock.is_some()}),
                    )
                    .insert(conn)?;
                Ok((attempts, lock))
            })?;
            Err(Error::Denied(match lock {
                Some(until) => locked_message(&me, until),
                None => format!(
                    "wrong password for operator '{}' ({} of {} attempts before a 15-minute lock)",
                    me.username,
                    attempts,
                    crate::db::operator::MAX_FAILED_ATTEMPTS
                ),
            }))
        }
        Verified::Yes | Verified::YesRehashed(_) => {
            let rehash = match &verified {
                Verified::YesRehashed(upgraded) => Some(upgraded.as_str()),
                _ => None,
            };
            // Locked by a concurrent wrong attempt since the check above?
            // In a write transaction: its row lock wait is bounded too.
            match write_transaction(&mut ctx.conn, |conn| me.record_success(conn, rehash, now))? {
                None => Ok(()),
                Some(until) => {
                    ctx.actor
                        .entry(
                            action,
                            customer_id,
                            audit::DENIED,
                            serde_json::json!({"reason": "operator locked"}),
                        )
                        .insert(&mut ctx.conn)?;
                    Err(Error::Denied(locked_message(&me, until)))
                }
            }
        }
    }
}
