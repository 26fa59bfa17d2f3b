//! `custadm operator …`: add, list, set-role, passwd, deactivate, activate,
//! unlock, bind, unbind. Admin only, except `passwd` for one's own password;
//! every admin change is confirmed by the acting admin's own password.

use crate::context::confirm::{confirm_admin_password, confirm_operator_password};
use crate::context::Ctx;
use crate::db::audit;
use crate::db::lenient::StoredTime;
use crate::db::operator::{NewOperator, Operator, Role};
use crate::db::write_transaction;
use crate::error::{Error, Result};
use crate::password::{self, PasswordSource};
use crate::text::sanitize;

/// `custadm operator …`
#[derive(Debug, clap::Subcommand)]
pub enum OperatorCommand {
    /// Register an operator: your own password first, then theirs (asked twice)
    #[command(
        after_help = "Examples:\n  custadm operator add alice --role support --os-user alice\n  printf '%s\\n%s\\n' \"$MY_PW\" \"$BOT_PW\" | custadm operator add bot --role \\\n      support --password-stdin\n\nAsks your own password first (the confirmation), then the new operator's\ntwice. With --password-stdin: line 1 your password, line 2 theirs. Names: 1-64\ncharacters of a-z, 0-9, '.', '_', '-', starting with a letter or digit.\nExit codes: 0 added, 2 bad name or password, or no terminal and no\n--password-stdin, 4 unknown operator, not an admin, wrong password or locked,\n5 name taken, 6 database unreachable or schema mismatch, 9 done, but stdout or\nan audit anchor could not be written."
    )]
    Add {
        /// Username: 1-64 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit
        #[arg(value_parser = new_operator_name)]
        name: String,
        /// admin or support
        #[arg(long, value_enum)]
        role: Role,
        /// Bind the operator to this OS login: only that login can act as them
        #[arg(long, value_name = "LOGIN", value_parser = os_login)]
        os_user: Option<String>,
        /// Read your password, then the new operator's, from two lines of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// List operators with role, state, lock and OS login binding
    #[command(
        after_help = "Examples:\n  custadm operator list\n  custadm operator list -o json | jq -r \\\n      '.[] | select(.os_user == null) | .username'\n\nExit codes: 0 listed, 2 bad usage, 4 unknown operator or not an admin, 6\ndatabase unreachable or schema mismatch, 9 output could not be written."
    )]
    List,
    /// Change an operator's role (asks your own password)
    #[command(
        after_help = "Examples:\n  custadm operator set-role alice admin\n\nExit codes: 0 done, 2 no terminal and no --password-stdin, 3 no such operator,\n4 unknown operator, not an admin, wrong password or locked, 5 would leave no\nactive admin, 6 database unreachable or schema mismatch, 9 done, but stdout or\nan audit anchor could not be written."
    )]
    SetRole {
        #[arg(value_parser = operator_name)]
        name: String,
        #[arg(value_enum)]
        role: Role,
        /// Read your password from one line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a password: your own (asks your current one first) or, as admin, another operator's
    #[command(
        after_help = "Examples:\n  custadm operator passwd            # your own: current, then new twice\n  # admin: your password, then alice's new one twice\n  custadm operator passwd alice\n\nWith --password-stdin, two lines: your current password, then the new one.\nExit codes: 0 changed, 2 too short or no terminal, 3 no such operator, 4\nunknown operator, wrong password, locked or not an admin, 6 database\nunreachable or schema mismatch, 9 done, but stdout or an audit anchor could\nnot be written."
    )]
    Passwd {
        /// Whose password [default: your own]
        #[arg(value_parser = operator_name)]
        name: Option<String>,
        /// Read the passwords from standard input (yours, then the new one)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Deactivate an operator: they can no longer run custadm (asks your own password)
    #[command(
        after_help = "Examples:\n  custadm operator deactivate alice --reason \"left the team\"\n\nA deactivated operator can no longer run custadm; the last active admin cannot\nbe deactivated.\nExit codes: 0 done (or already inactive), 2 no terminal and no\n--password-stdin, 3 no such operator, 4 unknown operator, not an admin, wrong\npassword or locked, 5 last active admin, 6 database unreachable or schema\nmismatch, 9 done, but stdout or an audit anchor could not be written."
    )]
    Deactivate {
        #[arg(value_parser = operator_name)]
        name: String,
        /// Read your password from one line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Reactivate an operator (asks your own password)
    #[command(
        after_help = "Examples:\n  custadm operator activate alice\n\nExit codes: 0 done (or already active), 2 no terminal and no --password-stdin,\n3 no such operator, 4 unknown operator, not an admin, wrong password or\nlocked, 6 database unreachable or schema mismatch, 9 done, but stdout or an\naudit anchor could not be written."
    )]
    Activate {
        #[arg(value_parser = operator_name)]
        name: String,
        /// Read your password from one line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Clear another operator's wrong-password lock (asks your own password)
    #[command(
        after_help = "Examples:\n  custadm operator unlock alice\n\nClears the count of wrong passwords and the 15-minute lock. Only another admin\ncan unlock you.\nExit codes: 0 done (or not locked), 2 no terminal and no --password-stdin, 3\nno such operator, 4 unknown operator, not an admin, wrong password, locked, or\nunlocking yourself, 6 database unreachable or schema mismatch, 9 done, but\nstdout or an audit anchor could not be written."
    )]
    Unlock {
        #[arg(value_parser = operator_name)]
        name: String,
        /// Read your password from one line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Bind an operator to an OS login: only that login can act as them (asks your own password)
    #[command(
        after_help = "Examples:\n  custadm operator bind alice alice\n  # run by the OS user alice: allowed\n  sudo -u custadm-svc custadm --operator alice list\n\nThe login is the real user running custadm, or under sudo (SUDO_USER set) the\nuser who ran sudo when custadm runs as root or as the profile's service_user.\nAnyone else naming a bound operator is refused (exit 4).\nExit codes: 0 done (or already bound to it), 2 bad login or no terminal and no\n--password-stdin, 3 no such operator, 4 unknown operator, not an admin, wrong\npassword or locked, 5 binding yourself away from the login you run as, 6\ndatabase unreachable or schema mismatch, 9 done, but stdout or an audit anchor\ncould not be written."
    )]
    Bind {
        #[arg(value_parser = operator_name)]
        name: String,
        /// The OS login name
        #[arg(value_parser = os_login)]
        login: String,
        /// Read your password from one line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove an operator's OS login binding (asks your own password)
    #[command(
        after_help = "Examples:\n  custadm operator unbind alice\n\nExit codes: 0 done (or not bound), 2 no terminal and no --password-stdin, 3 no\nsuch operator, 4 unknown operator, not an admin, wrong password or locked, 6\ndatabase unreachable or schema mismatch, 9 done, but stdout or an audit anchor\ncould not be written."
    )]
    Unbind {
        #[arg(value_parser = operator_name)]
        name: String,
        /// Read your password from one line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
}

/// An existing operator's name (legacy names keep working).
fn operator_name(s: &str) -> std::result::Result<String, String> {
    crate::validate::operator_reference(s)
}

/// A new operator's name, by the contract's rule.
fn new_operator_name(s: &str) -> std::result::Result<String, String> {
    crate::validate::operator_name(s)
}

fn os_login(s: &str) -> std::result::Result<String, String> {
    crate::validate::os_login(s)
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
            OperatorCommand::Bind { .. } => "operator_bind",
            OperatorCommand::Unbind { .. } => "operator_unbind",
        }
    }

    /// `--password-stdin` as given (false for `list`).
    fn password_stdin(&self) -> bool {
        match self {
            OperatorCommand::List => false,
            OperatorCommand::Add { password_stdin, .. }
            | OperatorCommand::SetRole { password_stdin, .. }
            | OperatorCommand::Passwd { password_stdin, .. }
            | OperatorCommand::Deactivate { password_stdin, .. }
            | OperatorCommand::Activate { password_stdin, .. }
            | OperatorCommand::Unlock { password_stdin, .. }
            | OperatorCommand::Bind { password_stdin, .. }
            | OperatorCommand::Unbind { password_stdin, .. } => *password_stdin,
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
    os_user: Option<String>,
    created_at: String,
}

/// Runs `custadm operator …`. Order (contract: "Operators and roles"): the
/// role check first (a support operator is refused without being asked
/// anything), then the password source (exit 2 at once without one), then —
/// for every change but one's own `passwd` — the acting admin's own password,
/// and only then the change itself.
pub fn run(ctx: &mut Ctx, cmd: OperatorCommand) -> Result<()> {
    let action = cmd.action();
    let own_passwd = matches!(&cmd, OperatorCommand::Passwd { name, .. }
        if name.as_deref().is_none_or(|n| n == ctx.operator.username));
    if let OperatorCommand::List = cmd {
        ctx.require_role(Role::Admin, action, None)?;
        return ctx.bounded(list);
    }
    let source = if own_passwd {
        PasswordSource::choose(cmd.password_stdin())?
    } else {
        if let OperatorCommand::Unlock { name, .. } = &cmd {
            if *name == ctx.operator.username {
                ctx.require_role(Role::Admin, action, None)?;
                return refuse_self_unlock(ctx, action);
            }
        }
        let source = ctx.require_admin_change(action, None, cmd.password_stdin())?;
        confirm_admin_password(ctx, action, None, source)?;
        source
    };
    match cmd {
        OperatorCommand::List => Err(Error::Internal("operator list dispatched twice".into())),
        OperatorCommand::Add {
            name,
            role,
            os_user,
            ..
        } => add(ctx, action, source, &name, role, os_user),
        OperatorCommand::SetRole { name, role, .. } => set_role(ctx, action, &name, role),
        OperatorCommand::Deactivate { name, .. } => set_active(ctx, action, &name, false),
        OperatorCommand::Activate { name, .. } => set_active(ctx, action, &name, true),
        OperatorCommand::Unlock { name, .. } => unlock(ctx, action, &name),
        OperatorCommand::Bind { name, login, .. } => bind(ctx, action, &name, &login),
        OperatorCommand::Unbind { name, .. } => unbind(ctx, action, &name),
        OperatorCommand::Passwd { name, .. } => passwd(ctx, action, source, name, own_passwd),
    }
}

/// `operator add`: refused (exit 5) when the name is taken, also by an
/// operator another admin adds at the same moment (the unique index decides).
fn add(
    ctx: &mut Ctx,
    action: &str,
    source: PasswordSource,
    name: &str,
    role: Role,
    os_user: Option<String>,
) -> Result<()> {
    if Operator::find(&mut ctx.conn, name)?.is_some() {
        return Err(Error::Refused(format!("operator '{name}' already exists")));
    }
    let secret = source.read_new(&format!("Password for {}: ", sanitize(name)))?;
    let hash = password::hash(&secret)?;
    drop(secret);
    let bound = os_user
        .as_deref()
        .map(|login| format!(", bound to OS login '{}'", sanitize(login)))
        .unwrap_or_default();
    audited_change(
        ctx,
        action,
        serde_json::json!({"operator": name, "role": role.as_str(), "os_user": os_user}),
        &format!(
            "Added operator '{}' ({}){bound}.",
            sanitize(name),
            role.as_str()
        ),
        |conn| {
            Operator::insert(
                conn,
                &NewOperator {
                    username: name,
                    role: role.as_str(),
                    password_hash: &hash,
                    is_active: true,
                    failed_attempts: 0,
                    created_at: crate::db::now(),
                    os_user: os_user.as_deref(),
                },
            )
            .map_err(|e| match e {
                Error::Db(e) if e.is_unique_violation() => {
                    Error::Refused(format!("operator '{name}' already exists"))
                }
                other => other,
            })
        },
    )
}

/// `operator set-role`: never leaves no active admin.
fn set_role(ctx: &mut Ctx, action: &str, name: &str, role: Role) -> Result<()> {
    let target = existing(ctx, name)?;
    if target.role == role.as_str() {
        return done(
            ctx,
            action,
            &format!(
                "Operator '{}' is already {}; nothing changed.",
                sanitize(name),
                role.as_str()
            ),
        );
    }
    audited_change(
        ctx,
        action,
        serde_json::json!({"operator": name, "role": {"old": target.role, "new": role.as_str()}}),
        &format!("Operator '{}' is now {}.", sanitize(name), role.as_str()),
        |conn| {
            if role == Role::Support {
                refuse_last_admin(conn, &target)?;
            }
            Operator::update_role(conn, target.id, role)
        },
    )
}

/// `operator activate` / `operator deactivate`: never leaves no active admin.
fn set_active(ctx: &mut Ctx, action: &str, name: &str, activate: bool) -> Result<()> {
    let target = existing(ctx, name)?;
    if target.is_active == activate {
        return done(
            ctx,
            action,
            &format!(
                "Operator '{}' is already {}; nothing changed.",
                sanitize(name),
                if activate { "active" } else { "inactive" }
            ),
        );
    }
    let verb = if activate { "activated" } else { "deactivated" };
    audited_change(
        ctx,
        action,
        serde_json::json!({"operator": name, "is_active": activate}),
        &format!("Operator '{}' {verb}.", sanitize(name)),
        |conn| {
            if !activate {
                refuse_last_admin(conn, &target)?;
            }
            Operator::update_active(conn, target.id, activate)
        },
    )
}

/// `operator unlock` (another admin's lock; one's own is refused earlier).
fn unlock(ctx: &mut Ctx, action: &str, name: &str) -> Result<()> {
    let target = existing(ctx, name)?;
    if target.failed_attempts == 0 && target.locked_until.is_none() {
        return done(
            ctx,
            action,
            &format!(
                "Operator '{}' is not locked; nothing changed.",
                sanitize(name)
            ),
        );
    }
    audited_change(
        ctx,
        action,
        serde_json::json!({"operator": name}),
        &format!("Operator '{}' unlocked.", sanitize(name)),
        |conn| Operator::unlock(conn, target.id),
    )
}

/// `operator bind`: refuses to bind the acting admin to a login other than
/// the one running custadm (it would lock them out).
fn bind(ctx: &mut Ctx, action: &str, name: &str, login: &str) -> Result<()> {
    let target = existing(ctx, name)?;
    if target.os_user.as_deref() == Some(login) {
        return done(
            ctx,
            action,
            &format!(
                "Operator '{}' is already bound to OS login '{}'; nothing changed.",
                sanitize(name),
                sanitize(login)
            ),
        );
    }
    if target.id == ctx.operator.id && login != ctx.actor.os_user {
        return Err(Error::Refused(format!(
            "binding yourself to OS login '{login}' would lock you out: you run custadm as '{}'; run this from '{login}', or ask another admin",
            ctx.actor.os_user
        )));
    }
    audited_change(
        ctx,
        action,
        serde_json::json!({"operator": name, "os_user": {"old": target.os_user, "new": login}}),
        &format!(
            "Operator '{}' is bound to OS login '{}': only that login can act as them.",
            sanitize(name),
            sanitize(login)
        ),
        |conn| Operator::update_os_user(conn, target.id, Some(login)),
    )
}

/// `operator unbind`.
fn unbind(ctx: &mut Ctx, action: &str, name: &str) -> Result<()> {
    let target = existing(ctx, name)?;
    if target.os_user.is_none() {
        return done(
            ctx,
            action,
            &format!(
                "Operator '{}' is not bound to an OS login; nothing changed.",
                sanitize(name)
            ),
        );
    }
    audited_change(
        ctx,
        action,
        serde_json::json!({"operator": name, "os_user": {"old": target.os_user, "new": null}}),
        &format!(
            "Operator '{}' is no longer bound to an OS login.",
            sanitize(name)
        ),
        |conn| Operator::update_os_user(conn, target.id, None),
    )
}

/// `operator passwd [NAME]`: one's own asks the current password first.
fn passwd(
    ctx: &mut Ctx,
    action: &str,
    source: PasswordSource,
    name: Option<String>,
    own_passwd: bool,
) -> Result<()> {
    let name = name.unwrap_or_else(|| ctx.operator.username.clone());
    let target = existing(ctx, &name)?;
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

/// "An operator cannot unlock itself; only another admin can" (contract:
/// "Operators and roles"): refused (exit 4) with a `denied` row, before any
/// password is asked.
fn refuse_self_unlock(ctx: &mut Ctx, action: &str) -> Result<()> {
    ctx.actor
        .entry(
            action,
            None,
            audit::DENIED,
            serde_json::json!({"reason": "cannot unlock oneself"}),
        )
        .insert(&mut ctx.conn)?;
    Err(Error::Denied(format!(
        "operator '{}' cannot unlock itself: ask another admin to run `custadm operator unlock {}`",
        ctx.operator.username, ctx.operator.username
    )))
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

/// Refuses to take away the last active admin: called inside the
/// transaction that demotes or deactivates `target`, before its write. The
/// rows that decide it are locked and re-read (`Operator::lock_admins_and`),
/// so two such commands at the same moment cannot both pass.
fn refuse_last_admin(conn: &mut crate::db::DbConn, target: &Operator) -> Result<()> {
    let locked = Operator::lock_admins_and(conn, target.id)?;
    let target_is_active_admin = locked
        .iter()
        .any(|o| o.id == target.id && o.is_admin() && o.is_active);
    let other_admins = locked
        .iter()
        .filter(|o| o.is_admin() && o.is_active && o.id != target.id)
        .count();
    if target_is_active_admin && other_admins == 0 {
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
                locked_until: shown_lock(o, now).map(StoredTime::rfc3339),
                os_user: o.os_user.clone(),
                created_at: o.created_at.rfc3339(),
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
                crate::output::human_stored(shown_lock(o, now)),
                o.os_user.clone().unwrap_or_else(|| "-".into()),
                o.created_at.human(),
            ]
        })
        .collect::<Vec<_>>();
    ctx.out.fitted_table(&OPERATOR_COLUMNS, rows, None)
}

/// The `locked_until` `operator list` shows: a lock in force (one that
/// ended is no lock), or a value custadm cannot read, as stored like every
/// other output shows one (contract "Output"; it is no lock).
fn shown_lock(o: &Operator, now: chrono::NaiveDateTime) -> Option<&StoredTime> {
    match o.locked_until.as_ref()? {
        StoredTime::At(until) if *until <= now => None,
        shown => Some(shown),
    }
}

/// `operator list`'s columns, giving way in one order at every width:
/// CREATED first, then LOCKED UNTIL (contract, "Output"), OS USER, FAILED,
/// STATE, ROLE. Every value is atomic (a user name, a role, a time): shown
/// whole or left out, never cut.
const OPERATOR_COLUMNS: [crate::output::Column; 7] = [
    crate::output::Column::keep("USERNAME"),
    crate::output::Column::keep("ROLE").dropped(6),
    crate::output::Column::keep("STATE").dropped(5),
    crate::output::Column::keep("FAILED").dropped(4),
    crate::output::Column::keep("LOCKED UNTIL").dropped(2),
    crate::output::Column::keep("OS USER").dropped(3),
    crate::output::Column::keep("CREATED").dropped(1),
];
