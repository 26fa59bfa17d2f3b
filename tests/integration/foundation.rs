//! init, db, configuration and the database URL forms.

use crate::db_test;

db_test!(init_is_idempotent, |env| {
    env.init_db(5);
    assert_eq!(env.count("operators", ""), 1);
    assert_eq!(env.count("customers", ""), 5);
    let again = env.run(&["init", "--password-stdin"]);
    again.ok();
    assert!(
        again.stdout.contains("already initialised"),
        "{}",
        again.stdout
    );
    assert_eq!(env.count("operators", ""), 1);
    assert_eq!(env.count("customers", ""), 5);
});
