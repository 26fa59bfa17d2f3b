//! Audit rows read back directly, and `audit verify` of the hash chain.

use serde_json::Value;

use super::*;

/// Audit rows about a customer with this action (and outcome `ok`).
pub fn audit_ok(env: &Env, id: i64, action: &str) -> i64 {
    env.count(
        "audit_log",
        &format!("customer_id = {id} AND action = '{action}' AND outcome = 'ok'"),
    )
}

/// The details of the audit rows about a customer with this action, oldest first.
pub fn audit_details(env: &Env, id: i64, action: &str) -> Vec<Value> {
    env.texts(&format!(
        "SELECT details AS v FROM audit_log WHERE customer_id = {id} AND action = '{action}' ORDER BY id"
    ))
    .into_iter()
    .map(|d| serde_json::from_str(&d.expect("details not null")).expect("details is JSON"))
    .collect()
}

pub fn verify(env: &Env, extra: &[&str]) -> Run {
    let mut args = vec!["audit", "verify"];
    args.extend_from_slice(extra);
    env.run(&args)
}

#[track_caller]
pub fn intact(env: &Env) -> serde_json::Value {
    let r = verify(env, &["-o", "json"]);
    r.ok();
    r.json()
}

/// Number of audit rows matching (action, outcome, operator).
pub fn audit_rows(env: &Env, action: &str, outcome: &str, operator: &str) -> i64 {
    env.count(
        "audit_log",
        &format!(
            "action = {} AND outcome = {} AND operator = {}",
            quote(action),
            quote(outcome),
            quote(operator)
        ),
    )
}

pub fn run_of(run: &Run) -> String {
    run.json()["run"].as_str().expect("run id").to_string()
}

/// Audit rows but the `run` rows that close every run (a run refused or
/// with nothing to do still writes its own).
pub fn audit_row_count(env: &Env) -> i64 {
    env.count("audit_log", "action <> 'run'")
}
