//! Who may run what: the role matrix of every leaf command of the clap tree,
//! run for real by admin, support and unknown operators.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use clap::CommandFactory;

use crate::db_test;
use crate::support::*;

/// One successful run of every support-level command on `id`.
fn support_level_commands(id: i64) -> Vec<Vec<String>> {
    let i = id.to_string();
    [
        vec!["list"],
        vec!["view", &i],
        vec!["edit", &i, "--name", "Renamed Person"],
        vec!["toggle", &i, "--deactivate"],
        vec!["reset-password", &i],
        vec!["delete", &i, "--yes"],
        vec!["restore", &i],
        vec!["audit"],
    ]
    .iter()
    .map(|v| v.iter().map(|s| s.to_string()).collect())
    .collect()
}

db_test!(permission_matrix, |env| {
    env.init_db(0);
    env.add_support();
    env.add_operator("clerk", "support", "clerk-password-0123");
    env.admin_change(&["operator", "deactivate", "clerk"], &[])
        .ok();

    for who in ["admin", "support"] {
        let id = env.insert_customer(
            &format!("{who} Target"),
            &format!("{who}-target@example.com"),
        );
        for args in support_level_commands(id) {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = env.cmd().env("CUSTADM_OPERATOR", who).args(&args).run();
            assert_eq!(
                r.code, 0,
                "{who} {args:?}\nstdout: {}\nstderr: {}",
                r.stdout, r.stderr
            );
        }
        assert_eq!(full_name(&env, id), "Renamed Person");
        assert!(!is_deleted(&env, id));
        assert_eq!(
            env.count(
                "audit_log",
                &format!("customer_id = {id} AND operator = '{who}' AND outcome = 'ok'")
            ),
            6,
            "view, edit, deactivate, reset_password, delete, restore by {who}"
        );
    }

    let id = env.insert_customer("Nobody Target", "nobody-target@example.com");
    let before = snapshot(&env, id);
    for (label, extra) in [
        ("ghost", vec!["--operator", "ghost"]),
        ("clerk", vec!["--operator", "clerk"]),
    ] {
        let denied_before = env.count(
            "audit_log",
            &format!("operator = '{label}' AND outcome = 'denied'"),
        );
        let mut commands = support_level_commands(id);
        commands.push(vec![
            "purge".into(),
            id.to_string(),
            "--password-stdin".into(),
        ]);
        for args in &commands {
            let mut all: Vec<&str> = extra.clone();
            all.extend(args.iter().map(String::as_str));
            let r = env.cmd().args(&all).stdin("clerk-password-0123\n").run();
            assert_eq!(
                r.code, 4,
                "{all:?}\nstdout: {}\nstderr: {}",
                r.stdout, r.stderr
            );
            r.error_line(label);
            assert!(r.stdout.is_empty(), "{all:?}: {}", r.stdout);
        }
        assert_eq!(snapshot(&env, id), before, "{label} changed the customer");
        assert_eq!(
            env.count(
                "audit_log",
                &format!("operator = '{label}' AND outcome = 'denied'")
            ),
            denied_before + commands.len() as i64,
            "every refusal of {label} is audited"
        );
        assert_eq!(
            env.count(
                "audit_log",
                &format!("operator = '{label}' AND outcome = 'ok'")
            ),
            0
        );
    }
    assert!(exists(&env, id));
});

/// Who may run a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Needs no operator at all (init, db, config, completions).
    Everyone,
    /// Any active operator (support or admin, locked or not).
    Support,
    /// Any active admin, locked or not (no password asked: `operator list`).
    Admin,
    /// An active, unlocked admin: the action is password-confirmed.
    AdminConfirmed,
    /// Any active, unlocked operator, for themselves, password-confirmed.
    SelfConfirmed,
}

/// One row of the matrix. `args` follow the path; placeholders: `{c1}`,
/// `{c2}`, `{c3}` (fixed customers), `{fresh}` (a new customer per cell),
/// `{n}` (a number unique per cell), `{dir}` (a new directory per cell);
/// `{pw}` in `stdin` is the actor's own password.
struct Row {
    path: &'static str,
    args: &'static [&'static str],
    stdin: &'static str,
    who: Who,
    needs_db: bool,
}

const MATRIX: &[Row] = &[
    Row {
        path: "init",
        args: &["--password-stdin"],
        stdin: "{pw}\n",
        who: Who::Everyone,
        needs_db: true,
    },
    Row {
        path: "db migrate",
        args: &[],
        stdin: "",
        who: Who::Everyone,
        needs_db: true,
    },
    Row {
        path: "db status",
        args: &[],
        stdin: "",
        who: Who::Everyone,
        needs_db: true,
    },
    Row {
        path: "list",
        args: &["--limit", "5"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "view",
        args: &["{c1}"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "edit",
        args: &["{c1}", "--name", "Matrix Name"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "toggle",
        args: &["{c1}", "--deactivate"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "reset-password",
        args: &["{c1}"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "delete",
        args: &["{c2}", "--yes"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "restore",
        args: &["{c3}"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "undo",
        args: &["{run}", "--dry-run"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "purge",
        args: &["{fresh}", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "audit",
        args: &["--limit", "5"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "runs",
        args: &["--limit", "5"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "audit verify",
        args: &[],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "audit digest",
        args: &[],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "audit archive",
        args: &[
            "--before",
            "2000-01-01",
            "--to",
            "{dir}.jsonl",
            "--password-stdin",
        ],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "audit keygen",
        args: &["{dir}.key"],
        stdin: "",
        who: Who::Everyone,
        needs_db: false,
    },
    Row {
        path: "export",
        args: &["{c1}"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "operator add",
        args: &["matrix{n}", "--role", "support", "--password-stdin"],
        stdin: "{pw}\nmatrix-password-0123\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator list",
        args: &[],
        stdin: "",
        who: Who::Admin,
        needs_db: true,
    },
    Row {
        path: "operator set-role",
        args: &["target", "admin", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator passwd",
        args: &["--password-stdin"],
        stdin: "{pw}\n{pw}\n",
        who: Who::SelfConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator passwd",
        args: &["target", "--password-stdin"],
        stdin: "{pw}\ntarget-password-0123\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator deactivate",
        args: &["target", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator activate",
        args: &["target", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator unlock",
        args: &["target", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator bind",
        args: &["target", "target-login", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator unbind",
        args: &["target", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "config show",
        args: &[],
        stdin: "",
        who: Who::Everyone,
        needs_db: false,
    },
    Row {
        path: "config profiles",
        args: &[],
        stdin: "",
        who: Who::Everyone,
        needs_db: false,
    },
    Row {
        path: "completions",
        args: &["bash"],
        stdin: "",
        who: Who::Everyone,
        needs_db: false,
    },
    Row {
        path: "version",
        args: &[],
        stdin: "",
        who: Who::Everyone,
        needs_db: false,
    },
];

/// The runnable commands of a clap tree (hidden ones included): leaves, and
/// commands that also run without a subcommand (`audit` besides `audit verify`).
fn leaves(root: &clap::Command) -> BTreeSet<String> {
    let mut all = Vec::new();
    all_commands(root, "", &mut all);
    all.into_iter()
        .filter(|(_, c)| c.get_subcommands().next().is_none() || !c.is_subcommand_required_set())
        .map(|(p, _)| p)
        .collect()
}

/// Leaves without a row, and rows without a leaf.
fn matrix_gaps(root: &clap::Command) -> (Vec<String>, Vec<String>) {
    let leaves = leaves(root);
    let listed: BTreeSet<String> = MATRIX.iter().map(|r| r.path.to_string()).collect();
    (
        leaves.difference(&listed).cloned().collect(),
        listed.difference(&leaves).cloned().collect(),
    )
}

#[track_caller]
fn assert_matrix_covers_the_tree() {
    let (missing, stale) = matrix_gaps(&custadm::cli::Cli::command());
    assert!(
        missing.is_empty(),
        "subcommands without a row in the authorisation matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for commands that do not exist: {stale:?}"
    );
}

/// Fills a row's placeholders.
fn fill(text: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut s = text.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

fn row_argv(row: &Row, vars: &BTreeMap<&str, String>) -> Vec<String> {
    let mut argv: Vec<String> = row.path.split(' ').map(str::to_string).collect();
    argv.extend(row.args.iter().map(|a| fill(a, vars)));
    argv
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Admin,
    Support,
    Inactive,
    Unknown,
    LockedAdmin,
    /// An active admin bound to another OS login than the one running the tests.
    BoundElsewhere,
}

fn allowed(who: Who, kind: Kind) -> bool {
    use Kind::*;
    match who {
        Who::Everyone => true,
        Who::Support => matches!(kind, Admin | Support | LockedAdmin),
        Who::Admin => matches!(kind, Admin | LockedAdmin),
        Who::AdminConfirmed => kind == Admin,
        Who::SelfConfirmed => matches!(kind, Admin | Support),
    }
}

db_test!(authorisation_matrix, |env| {
    assert_matrix_covers_the_tree();
    let started = Instant::now();
    env.init_db(0).add_support();
    add_operator(&env, "target", "support", "target-password-0123");
    add_operator(&env, "retired", "support", "retired-password-0123");
    env.admin_change(&["operator", "deactivate", "retired"], &[])
        .ok();
    add_operator(&env, "admin2", "admin", "admin2-password-0123");
    env.exec("UPDATE operators SET locked_until = '2099-01-01 00:00:00' WHERE username = 'admin2'");
    add_operator(&env, "bound", "admin", "bound-password-0123");
    env.admin_change(&["operator", "bind", "bound", "someone-else"], &[])
        .ok();
    let c1 = env.insert_customer("Matrix One", "m1@example.com");
    let c2 = env.insert_customer("Matrix Two", "m2@example.com");
    let c3 = env.insert_customer("Matrix Three", "m3@example.com");
    env.run(&["delete", &c3.to_string(), "--yes"]).ok();
    // A run that `undo --dry-run` can reverse in every allowed cell.
    let c4 = env.insert_customer("Matrix Four", "m4@example.com");
    let toggled = env.run(&["toggle", &c4.to_string(), "--deactivate", "-o", "json"]);
    toggled.ok();
    let run_id = toggled.json()["run"].as_str().expect("run").to_string();

    let actors = [
        ("admin", ADMIN_PASSWORD, Kind::Admin),
        ("support", SUPPORT_PASSWORD, Kind::Support),
        ("retired", "retired-password-0123", Kind::Inactive),
        ("ghost", "ghost-password-0123", Kind::Unknown),
        ("admin2", "admin2-password-0123", Kind::LockedAdmin),
        ("bound", "bound-password-0123", Kind::BoundElsewhere),
    ];
    let mut probe = Probe::new(&env);
    let denied_rows = |p: &mut Probe, name: &str| {
        p.count(
            "audit_log",
            &format!("outcome = 'denied' AND operator = {}", quote(name)),
        )
    };
    let mut cells = 0;
    let mut refusals = 0;
    for (r, row) in MATRIX.iter().enumerate() {
        for (a, (name, password, kind)) in actors.iter().enumerate() {
            let n = r * 10 + a;
            let fresh = if row.args.contains(&"{fresh}") {
                env.insert_customer(&format!("Fresh {n}"), &format!("fresh{n}@example.com"))
            } else {
                0
            };
            let vars: BTreeMap<&str, String> = [
                ("c1", c1.to_string()),
                ("c2", c2.to_string()),
                ("c3", c3.to_string()),
                ("fresh", fresh.to_string()),
                ("run", run_id.clone()),
                ("n", n.to_string()),
                (
                    "dir",
                    env.dir
                        .path()
                        .join(format!("docs{n}"))
                        .display()
                        .to_string(),
                ),
                ("pw", password.to_string()),
            ]
            .into_iter()
            .collect();
            // The actor comes from CUSTADM_OPERATOR: in `audit`, `--operator`
            // is the trail filter, not the actor.
            let argv = row_argv(row, &vars);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let before = state_with(&mut probe);
            let audit_before = probe.count("audit_log", "");
            let denied_before = denied_rows(&mut probe, name);
            let run = env
                .cmd()
                .env("CUSTADM_OPERATOR", name)
                .args(&argv)
                .stdin(&fill(row.stdin, &vars))
                .run();
            let cell = format!("{:?} as {name} ({kind:?})", row_argv(row, &vars));
            if allowed(row.who, *kind) {
                assert_eq!(
                    run.code, 0,
                    "{cell}: allowed, yet exit {}\n{}",
                    run.code, run.stderr
                );
                assert_eq!(
                    denied_rows(&mut probe, name),
                    denied_before,
                    "{cell}: allowed, yet a denied row"
                );
                if row.who == Who::Everyone {
                    assert_eq!(
                        probe.count("audit_log", ""),
                        audit_before,
                        "{cell}: a command that needs no operator wrote audit rows"
                    );
                }
                if row.path == "purge" {
                    assert_eq!(probe.count("customers", &format!("id = {fresh}")), 0);
                }
            } else {
                refusals += 1;
                assert_eq!(
                    run.code, 4,
                    "{cell}: must be refused with exit 4\nstdout:\n{}\nstderr:\n{}",
                    run.stdout, run.stderr
                );
                assert_clean_failure(&run, 4, "");
                assert_eq!(
                    denied_rows(&mut probe, name),
                    denied_before + 1,
                    "{cell}: refused without exactly one denied audit row"
                );
                let mut after = state_with(&mut probe);
                // The refusal's own audit row is the only difference.
                assert_eq!(after.len(), before.len() + 1, "{cell}: rows changed");
                after.pop();
                assert_eq!(after, before, "{cell}: a refusal changed something");
            }
            cells += 1;
        }
    }
    eprintln!(
        "authorisation matrix: {} rows x {} actors = {cells} cells ({refusals} refusals) in {:?}",
        MATRIX.len(),
        actors.len(),
        started.elapsed()
    );
});

#[test]
fn matrix_lists_every_leaf_command() {
    assert_matrix_covers_the_tree();
    assert!(leaves(&custadm::cli::Cli::command()).len() >= 20);
    // A new subcommand without a row is caught.
    let grown = custadm::cli::Cli::command().subcommand(clap::Command::new("brand-new"));
    assert_eq!(matrix_gaps(&grown).0, vec!["brand-new".to_string()]);
}

#[test]
fn matrix_needs_database_column_is_true() {
    let env = Env::sqlite();
    let mut cells = 0;
    for (i, row) in MATRIX.iter().enumerate() {
        let vars: BTreeMap<&str, String> = [
            ("c1", "1".to_string()),
            ("c2", "2".to_string()),
            ("c3", "3".to_string()),
            ("fresh", "4".to_string()),
            ("run", "01ARZ3NDEKTSV4RRFFQ69G5FAV".to_string()),
            ("n", i.to_string()),
            (
                "dir",
                env.dir
                    .path()
                    .join(format!("docs{i}"))
                    .display()
                    .to_string(),
            ),
            ("pw", ADMIN_PASSWORD.to_string()),
        ]
        .into_iter()
        .collect();
        let argv = row_argv(row, &vars);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let run = env
            .cmd()
            .env(
                "CUSTADM_DATABASE_URL",
                "postgres://root@127.0.0.1:1/custadm_unreachable",
            )
            .args(&argv)
            .stdin(&fill(row.stdin, &vars))
            .run();
        if row.needs_db {
            assert_clean_failure(&run, 6, "");
        } else {
            run.ok();
        }
        cells += 1;
    }
    eprintln!("needs-database column: {cells} commands checked");
}

db_test!(support_cannot_manage_operators, |env| {
    env.init_db(0).add_support();
    add_operator(&env, "carol", "support", "carol-password-0123");
    let before = operators_snapshot(&env);
    let support = |args: &[&str], stdin: &str| {
        env.cmd()
            .env("CUSTADM_OPERATOR", "support")
            .args(args)
            .stdin(stdin)
            .run()
    };
    let pw = format!("{NEW_PASSWORD}\n");
    for (args, action) in [
        (
            &[
                "operator",
                "add",
                "mallory",
                "--role",
                "admin",
                "--password-stdin",
            ][..],
            "operator_add",
        ),
        (&["operator", "list"], "operator_list"),
        (
            &["operator", "set-role", "support", "admin"],
            "operator_set_role",
        ),
        (&["operator", "deactivate", "carol"], "operator_deactivate"),
        (&["operator", "activate", "carol"], "operator_activate"),
        (&["operator", "unlock", "carol"], "operator_unlock"),
        (&["operator", "bind", "carol", "carol"], "operator_bind"),
        (&["operator", "unbind", "carol"], "operator_unbind"),
        (
            &["operator", "passwd", "admin", "--password-stdin"],
            "operator_passwd",
        ),
        (
            &["operator", "passwd", "carol", "--password-stdin"],
            "operator_passwd",
        ),
    ] {
        // The role check comes first: without --password-stdin and without a
        // terminal this is still exit 4 (not 2), and nothing was asked.
        let run = support(args, &pw);
        run.code(4).error_line("");
        assert!(!run.stderr.contains("Password"), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        assert!(
            audit_rows(&env, action, "denied", "support") >= 1,
            "no denied audit row for {args:?}"
        );
    }
    assert_eq!(audit_rows(&env, "operator_passwd", "denied", "support"), 2);
    assert_eq!(operators_snapshot(&env), before);
    assert_eq!(env.count("operators", "username = 'mallory'"), 0);
    assert_eq!(
        env.count("audit_log", "operator = 'support' AND outcome = 'ok'"),
        0
    );
    // JSON mode: the refusal is still only on stderr.
    let json = support(&["-o", "json", "operator", "list"], "");
    json.code(4).error_line("");
    assert!(json.stdout.is_empty());
});
