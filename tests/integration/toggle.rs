//! `custadm toggle`: activating and deactivating is idempotent and audited only
//! when something changed.

use serde_json::json;

use crate::db_test;
use crate::support::*;

db_test!(toggle_is_idempotent_and_audited_only_on_change, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let ids = id.to_string();

    let r = env.run(&["toggle", &ids, "--deactivate", "-o", "json"]);
    r.ok();
    let res = single_result(&r.json(), "deactivate", id, "changed");
    assert_eq!(
        res["changes"],
        json!({"is_active": {"old": true, "new": false}})
    );
    assert!(!is_active(&env, id));
    assert_eq!(audit_ok(&env, id, "deactivate"), 1);

    let before = snapshot(&env, id);
    let r = env.run(&["toggle", &ids, "--deactivate", "-o", "json"]);
    r.ok();
    single_result(&r.json(), "deactivate", id, "unchanged");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(audit_ok(&env, id, "deactivate"), 1);

    env.run(&["toggle", &ids, "--activate"]).ok();
    assert!(is_active(&env, id));
    assert_eq!(audit_ok(&env, id, "activate"), 1);
    env.run(&["toggle", &ids, "--activate"]).ok();
    assert_eq!(audit_ok(&env, id, "activate"), 1);

    // Neither or both flags: usage errors.
    env.run(&["toggle", &ids]).code(2);
    env.run(&["toggle", &ids, "--activate", "--deactivate"])
        .code(2);
    // Unknown id.
    env.run(&["toggle", &(id + 50).to_string(), "--deactivate"])
        .code(3);

    // A deleted customer cannot be activated.
    env.run(&["delete", &ids, "--yes"]).ok();
    let before = snapshot(&env, id);
    let r = env.run(&["toggle", &ids, "--activate"]);
    r.code(5).error_line("restore");
    assert_eq!(snapshot(&env, id), before);
    assert!(is_deleted(&env, id) && !is_active(&env, id));
    assert_eq!(audit_ok(&env, id, "activate"), 1);
});
