//! High availability for real (issue 24 item 17; contract "Databases"): a
//! primary and a streaming standby started by the test. A multi-host URL with
//! `target_session_attrs=read-write` reaches the primary; the primary
//! crashes in the middle of a 20,000-customer run, which stops with its
//! document; reading commands work on the standby while it is one, writing
//! ones say they need the primary; once it is promoted, the same command
//! finishes the job: every customer changed once, with one audit row, and
//! the chain verifies.

use std::time::{Duration, Instant};

use crate::support::*;

const CUSTOMERS: i64 = 20_000;

#[test]
fn a_run_stopped_by_a_failover_is_finished_on_the_promoted_standby() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let test_started = Instant::now();
    let multi = cluster.multi_host_url("custadm");
    let mut env = Env::postgres_at(&multi);
    env.init_db(0);
    bulk_customers(&env, CUSTOMERS);
    let ids = write_text_file(&env, "ids.txt", &id_lines(1..=CUSTOMERS));
    let run_args = [
        "toggle",
        "--deactivate",
        "--ids-from",
        &ids,
        "--batch-size",
        "250",
        "--yes",
        "-o",
        "json",
    ];
    // The primary crashes while the run is under way.
    let primary = Env::postgres_at(&cluster.url(cluster.primary_port, "custadm"));
    let first = std::thread::scope(|s| {
        s.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(60);
            while primary.count("customers", "is_active = FALSE") < 2_000 {
                assert!(Instant::now() < deadline, "the run did not get going");
                std::thread::sleep(Duration::from_millis(2));
            }
            cluster.crash_primary();
        });
        run_bounded(env.cmd().args(&run_args).cmd, None, Duration::from_secs(60)).run
    });
    first.code(7).error_line("stopped half-way");
    let doc = first.json();
    let results = doc["results"].as_array().expect("results");
    assert_eq!(
        results.len() as i64,
        CUSTOMERS,
        "every customer in the document"
    );
    let changed = results.iter().filter(|r| r["outcome"] == "changed").count() as i64;
    let not_attempted = results
        .iter()
        .filter(|r| {
            r["outcome"] == "failed"
                && r["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("not attempted"))
        })
        .count() as i64;
    assert_eq!(changed + not_attempted, CUSTOMERS, "{}", first.stderr);
    assert!((2_000..CUSTOMERS).contains(&changed), "changed {changed}");
    let run_id = doc["run"].as_str().expect("run id");
    assert!(first.stderr.contains(run_id), "{}", first.stderr);

    // The standby, while it is one: what committed is there (replication
    // is synchronous; the commit in flight at the crash may be there too).
    let standby = Env::postgres_at(&cluster.url(cluster.standby_port, "custadm"));
    let on_standby = standby.count("customers", "is_active = FALSE");
    assert!(
        (changed..=changed + 250).contains(&on_standby),
        "document {changed}, standby {on_standby}"
    );
    let direct = |args: &[&str]| {
        env.cmd()
            .env("CUSTADM_DATABASE_URL", &standby.url)
            .args(args)
            .run()
    };
    let listed = direct(&["list", "--status", "inactive", "-o", "ids"]);
    listed.ok();
    assert_eq!(listed.stdout.lines().count() as i64, on_standby);
    direct(&["audit", "verify"]).ok();
    direct(&["db", "status"]).ok();
    for writing in [
        vec!["toggle", "--activate", "1"],
        vec!["view", "1"],
        run_args.to_vec(),
    ] {
        let refused = direct(&writing);
        refused.code(6).error_line("point custadm at the primary");
        assert!(!refused.stdout.contains("\"changed\""), "{writing:?}");
    }
    assert_eq!(standby.count("customers", "is_active = FALSE"), on_standby);
    // The multi-host URL finds no server that accepts writes: exit 6.
    env.cmd().args(&run_args).run().code(6);

    // Promoted, the standby finishes the job with the same command.
    cluster.promote_standby();
    let second = env.cmd().args(&run_args).run();
    second.ok();
    let doc = second.json();
    assert_eq!(
        doc["summary"]["changed"].as_i64(),
        Some(CUSTOMERS - on_standby)
    );
    env.url = standby.url.clone();
    assert_eq!(env.count("customers", "is_active = TRUE"), 0);
    assert_eq!(
        env.count("audit_log", "action = 'deactivate' AND outcome = 'ok'"),
        CUSTOMERS,
        "one audit row per customer"
    );
    assert_eq!(
        env.scalar(
            "SELECT COUNT(DISTINCT customer_id) AS v FROM audit_log WHERE action = 'deactivate'"
        ),
        Some(CUSTOMERS)
    );
    verify(&env, &[]).ok();
    assert!(
        test_started.elapsed() < Duration::from_secs(90),
        "took {:?}",
        test_started.elapsed()
    );
}
