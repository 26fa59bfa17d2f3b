//! `custadm restore`: a soft-deleted customer comes back in the state they had
//! before the delete, one or many at once.

use crate::db_test;
use crate::support::*;

db_test!(restore_brings_back_the_previous_state, |env| {
    env.init_db(0);
    let active = env.insert_customer("Was Active", "active@example.com");
    let inactive = env.insert_customer("Was Inactive", "inactive@example.com");
    env.run(&["toggle", &inactive.to_string(), "--deactivate"])
        .ok();
    for id in [active, inactive] {
        env.run(&["delete", &id.to_string(), "--yes"]).ok();
        assert!(is_deleted(&env, id) && !is_active(&env, id));
    }

    let r = env.run(&["restore", &active.to_string(), "-o", "json"]);
    r.ok();
    single_result(&r.json(), "restore", active, "changed");
    assert!(!is_deleted(&env, active));
    assert!(
        is_active(&env, active),
        "active customer came back inactive"
    );
    assert_eq!(audit_ok(&env, active, "restore"), 1);

    env.run(&["restore", &inactive.to_string()]).ok();
    assert!(!is_deleted(&env, inactive));
    assert!(
        !is_active(&env, inactive),
        "inactive customer came back active"
    );
    assert_eq!(audit_ok(&env, inactive, "restore"), 1);

    // Not deleted: unchanged, exit 0, nothing written.
    let before = snapshot(&env, active);
    let r = env.run(&["restore", &active.to_string(), "-o", "json"]);
    r.ok();
    single_result(&r.json(), "restore", active, "unchanged");
    assert_eq!(snapshot(&env, active), before);
    assert_eq!(audit_ok(&env, active, "restore"), 1);

    // Delete → restore twice more: the state still follows the latest delete.
    env.run(&["toggle", &active.to_string(), "--deactivate"])
        .ok();
    env.run(&["delete", &active.to_string(), "--yes"]).ok();
    env.run(&["restore", &active.to_string()]).ok();
    assert!(!is_deleted(&env, active) && !is_active(&env, active));
    env.run(&["restore", &(inactive + 10).to_string()]).code(3);
});

db_test!(restore_many_brings_each_back_as_it_was, |env| {
    env.init_db(0);
    bulk_customers(&env, 4);
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id IN (2, 4)",
        env.bool_sql(false)
    ));
    env.run(&["delete", "1", "2", "3", "4", "--yes"]).ok();
    assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![1, 2, 3, 4]);
    assert!(active_ids(&env).is_empty());
    let run = env.run(&["restore", "1", "2", "3", "4", "--yes", "-o", "json"]);
    run.ok();
    assert_eq!(summary(&run.json()), counts(&[("changed", 4)]));
    assert!(ids_where(&env, "deleted_at IS NOT NULL").is_empty());
    assert_eq!(active_ids(&env), vec![1, 3]);
    assert_eq!(inactive_ids(&env), vec![2, 4]);
});
