//! Another program's connection to the test's database: a transaction
//! held open from it (as the web application would), and waiting until
//! custadm queues behind its locks.

use crate::support::{Backend, Env};

/// PostgreSQL: until a session of this database waits for a lock (at most
/// 20 s). SQLite has no such view: waits `hold`.
pub fn wait_for_a_lock_wait(env: &Env, hold: std::time::Duration) {
    if env.backend == Backend::Sqlite {
        std::thread::sleep(hold);
        return;
    }
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(20) {
        let waiting = env
            .scalar("SELECT COUNT(*) AS v FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
            .unwrap_or(0);
        if waiting > 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("custadm never waited for the lock");
}

/// A second connection to the env's database, as another program.
pub enum Other {
    Sqlite(diesel::sqlite::SqliteConnection),
    Pg(diesel::pg::PgConnection),
}

impl Other {
    pub fn open(env: &Env) -> Other {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        match env.backend {
            Backend::Sqlite => {
                let mut c = diesel::sqlite::SqliteConnection::establish(&env.url).expect("sqlite");
                c.batch_execute("PRAGMA busy_timeout = 20000")
                    .expect("busy");
                Other::Sqlite(c)
            }
            Backend::Postgres => {
                Other::Pg(diesel::pg::PgConnection::establish(&env.url).expect("pg"))
            }
        }
    }

    pub fn exec(&mut self, sql: &str) {
        use diesel::connection::SimpleConnection;
        match self {
            Other::Sqlite(c) => c.batch_execute(sql),
            Other::Pg(c) => c.batch_execute(sql),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    pub fn begin(&mut self) {
        match self {
            Other::Sqlite(_) => self.exec("BEGIN IMMEDIATE"),
            Other::Pg(_) => self.exec("BEGIN"),
        }
    }
}
