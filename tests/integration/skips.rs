//! A test run never reads as "everything passed" when a backend was not
//! tested: this test binary, run again without PostgreSQL, must end its
//! output with how many tests skipped PostgreSQL and why.

use std::process::{Command, Stdio};

#[test]
fn skipped_postgres_tests_are_counted_in_the_last_lines() {
    let me = std::env::current_exe().expect("the test binary");
    let out = Command::new(me)
        .args([
            "--exact",
            "mail::several_ids_without_send_email_is_exit_2::postgres",
            "--test-threads",
            "2",
        ])
        .env_remove("CUSTADM_TEST_POSTGRES_URL")
        .env_remove("CI")
        .stdin(Stdio::null())
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let last: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    let summary = last
        .iter()
        .rposition(|l| l.starts_with("test result:"))
        .expect("libtest's summary");
    let after = last[summary + 1..].join("\n");
    assert!(
        after.contains("NOT TESTED: PostgreSQL: 1 test(s)")
            && after.contains("CUSTADM_TEST_POSTGRES_URL is not set"),
        "the lines after the summary do not say PostgreSQL was skipped:\n{stdout}"
    );
    assert_eq!(
        last.last().map(|l| l.contains("NOT TESTED")),
        Some(true),
        "not the last line:\n{stdout}"
    );
}
