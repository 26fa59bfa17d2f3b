//! `custadm init`: create the database and schema, register the first admin,
//! optionally load sample customers. On an initialised database it changes
//! nothing and says so.

use std::io::Write;

use crate::db::audit::{self, Actor};
use crate::db::migrations::{self, SchemaState};
use crate::db::operator::{NewOperator, Operator, Role};
use crate::db::{self, DatabaseTarget};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::password::{self, PasswordSource};

/// Options of `custadm init`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  # default SQLite file, asks for the admin password twice\n  custadm init\n  custadm init --sample-data            # plus 50 sample customers\n  echo \"$PW\" | custadm init --admin ops --password-stdin --database-url \\\n      postgres://db/custadm\n\nExit codes: 0 done or already initialised, 2 no password source or bad input,\n6 database problem, 9 done, but stdout or an audit anchor could not be\nwritten."
)]
pub struct InitArgs {
    /// Username of the first admin [default: the OS login name, and then bound to that login]
    #[arg(long, value_name = "NAME")]
    pub admin: Option<String>,

    /// Read the admin password from one line of standard input
    #[arg(long)]
    pub password_stdin: bool,

    /// Load N realistic sample customers
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "50",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub sample_data: Option<u32>,
}

#[derive(serde::Serialize)]
struct InitReport {
    action: &'static str,
    database: String,
    changed: bool,
    created_schema: bool,
    admin: Option<String>,
    /// The OS login the first admin was bound to, if any.
    os_user: Option<String>,
    sample_customers: u32,
}

/// Runs `custadm init`.
pub fn run(target: &DatabaseTarget, actor: &Actor, args: InitArgs, out: &Output) -> Result<()> {
    let admin = args.admin.clone().unwrap_or_else(|| actor.operator.clone());
    let admin = crate::validate::operator_name(&admin).map_err(|e| {
        Error::Usage(if args.admin.is_none() {
            format!("{e}; pass --admin NAME")
        } else {
            e
        })
    })?;
    // Contract ("Operators and roles"): the first admin is bound to the OS
    // login that ran init when it bears that login's name (the default).
    let bind_to = (admin == actor.os_user).then(|| actor.os_user.clone());
    let database = target.display();

    // Look before creating anything: a missing file or database is not initialised.
    let found = db::init::look(target)?;
    match found.state {
        SchemaState::Current if found.has_operators => {
            return already_initialised(out, database);
        }
        SchemaState::Behind(_) | SchemaState::Ahead(_) => {
            let mut conn = target.connect()?;
            return migrations::require_current(&mut conn, &database);
        }
        SchemaState::Current | SchemaState::Uninitialised => {}
    }

    // Everything the user must give comes before anything is created.
    let source = PasswordSource::choose(args.password_stdin)?;
    if source == PasswordSource::Prompt {
        let line = format!(
            "Registering the first admin '{}' of {}.",
            crate::text::sanitize(&admin),
            crate::text::sanitize(&database)
        );
        let _ = writeln!(std::io::stderr(), "{}", crate::terminal::for_stderr(&line));
    }
    let secret = source.read_new(&format!(
        "New password for custadm admin '{}': ",
        crate::text::sanitize(&admin)
    ))?;
    let hash = password::hash(&secret)?;
    drop(secret);

    let sample = args.sample_data.unwrap_or(0);
    let migrate = found.state == SchemaState::Uninitialised;
    let registered = db::init::initialise(target, migrate, |conn| {
        Operator::insert(
            conn,
            &NewOperator {
                username: &admin,
                role: Role::Admin.as_str(),
                password_hash: &hash,
                is_active: true,
                failed_attempts: 0,
                created_at: crate::db::now(),
                os_user: bind_to.as_deref(),
            },
        )?;
        let init_actor = Actor {
            operator: admin.clone(),
            ..actor.clone()
        };
        init_actor
            .entry(
                "init",
                None,
                audit::OK,
                serde_json::json!({"admin": admin, "os_user": bind_to, "sample_customers": sample}),
            )
            .insert(conn)?;
        if sample > 0 {
            crate::sample::load(conn, &init_actor, sample)?;
        }
        Ok(())
    })?;
    let Some(created_schema) = registered else {
        // Another `init` registered the first admin in the meantime.
        return already_initialised(out, database);
    };

    if out.is_json() {
        out.json(&InitReport {
            action: "init",
            database,
            changed: true,
            created_schema,
            admin: Some(admin),
            os_user: bind_to,
            sample_customers: sample,
        })?;
    } else {
        let what = if created_schema {
            "Created"
        } else {
            "Initialised"
        };
        out.line(&format!(
            "{what} {} and registered admin '{}'{}.{}",
            crate::text::sanitize(&database),
            crate::text::sanitize(&admin),
            bind_to
                .as_deref()
                .map(|login| format!(", bound to OS login '{}'", crate::text::sanitize(login)))
                .unwrap_or_default(),
            if sample > 0 {
                format!(" Loaded {sample} sample customers.")
            } else {
                String::new()
            }
        ))?;
        out.note("Next: `custadm list` shows the customers, `custadm --help` the commands.");
    }
    Ok(())
}

/// The report of an `init` that found the database initialised already.
fn already_initialised(out: &Output, database: String) -> Result<()> {
    if out.is_json() {
        out.json(&InitReport {
            action: "init",
            database,
            changed: false,
            created_schema: false,
            admin: None,
            os_user: None,
            sample_customers: 0,
        })
    } else {
        out.line(&format!(
            "{} is already initialised; nothing changed.",
            crate::text::sanitize(&database)
        ))
    }
}
