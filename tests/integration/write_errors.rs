//! Standard output that cannot be written (issue 24 item 8; contract "Exit
//! codes", 9): a full disk (`>/dev/full`) is exit 9 for every command class,
//! after the command did its work (a change stays committed); `--help` and
//! `--version` do not pretend success; a reader that stops early is not an
//! error.

use crate::db_test;
use crate::support::*;

/// Runs custadm with `args` and its stdout on `/dev/full`.
fn to_full_disk(env: &Env, args: &[&str]) -> Run {
    let mut c = env.cmd().args(args);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    c.cmd.stdout(full);
    c.run()
}

/// Asserts exit 9 with one `error:` line saying standard output failed.
#[track_caller]
fn exit_9(run: &Run, what: &str) {
    assert_eq!(run.code, 9, "{what}: {}", run.stderr);
    run.error_line("cannot write to standard output");
}

db_test!(
    a_full_disk_on_stdout_is_exit_9_for_every_command_class,
    |env| {
        env.init_db(3);
        let id = env
            .insert_customer("Full Disk", "full@example.com")
            .to_string();
        // Reading commands, every list format.
        for args in [
            vec!["list"],
            vec!["list", "-o", "json"],
            vec!["list", "-o", "jsonl"],
            vec!["list", "-o", "csv"],
            vec!["list", "-o", "ids"],
            vec!["view", &id],
            vec!["-o", "json", "view", &id],
            vec!["export", &id],
            vec!["audit"],
            vec!["audit", "-o", "json"],
            vec!["audit", "verify"],
            vec!["audit", "digest"],
            vec!["db", "status"],
            vec!["config", "show"],
            vec!["operator", "list"],
            vec!["completions", "bash"],
        ] {
            let run = to_full_disk(&env, &args);
            exit_9(&run, &args.join(" "));
            // They changed nothing, and do not say a change stays.
            assert!(
                !run.stderr.contains("change") && !run.stderr.contains("committed"),
                "{args:?}: {}",
                run.stderr
            );
        }
        // A toggle that committed: the change stays, and the exit says so.
        let before = env.count("audit_log", "action = 'deactivate' AND outcome = 'ok'");
        let run = to_full_disk(&env, &["toggle", &id, "--deactivate"]);
        exit_9(&run, "toggle");
        assert!(
            run.stderr.contains("a change stays committed"),
            "{}",
            run.stderr
        );
        assert_eq!(
            env.count(
                "customers",
                &format!("id = {id} AND is_active = {}", env.bool_sql(false))
            ),
            1
        );
        assert_eq!(
            env.count("audit_log", "action = 'deactivate' AND outcome = 'ok'"),
            before + 1
        );
        exit_9(
            &to_full_disk(&env, &["-o", "json", "toggle", &id, "--activate"]),
            "toggle -o json",
        );
        assert_eq!(
            env.count(
                "customers",
                &format!("id = {id} AND is_active = {}", env.bool_sql(true))
            ),
            1
        );
        // A bulk run over every customer, table and JSON.
        let all = env.count("customers", "1 = 1");
        exit_9(
            &to_full_disk(
                &env,
                &["toggle", "--status", "active", "--deactivate", "--yes"],
            ),
            "bulk toggle",
        );
        assert_eq!(
            env.count("customers", &format!("is_active = {}", env.bool_sql(false))),
            all
        );
        // Help and version: no work to do, but the text did not arrive.
        for args in [
            vec!["--help"],
            vec!["--version"],
            vec!["list", "--help"],
            vec!["version"],
        ] {
            let run = to_full_disk(&env, &args);
            assert_eq!(run.code, 9, "{args:?}: {}", run.stderr);
            run.error_line("cannot write to standard output");
            assert!(
                !run.stderr.contains("change") && !run.stderr.contains("committed"),
                "{args:?}: {}",
                run.stderr
            );
        }
        // The chain still verifies: nothing half-written.
        env.run(&["audit", "verify"]).ok();
    }
);

db_test!(a_reader_that_stops_early_is_not_an_error, |env| {
    env.init_db(0);
    bulk_customers(&env, 3000);
    for args in [
        vec!["list", "--limit", "3000"],
        vec!["list", "-o", "json", "--limit", "3000"],
        vec!["audit"],
        vec!["--help"],
    ] {
        let mut c = env.cmd().args(&args);
        c.cmd.stdout(std::process::Stdio::piped());
        let mut child = c.cmd.spawn().expect("spawn");
        // Read one byte, then go away (as `head -c 1` does).
        {
            use std::io::Read;
            let mut out = child.stdout.take().expect("stdout");
            let mut one = [0u8; 1];
            out.read_exact(&mut one).expect("one byte");
        }
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(0), "{args:?}");
    }
});
