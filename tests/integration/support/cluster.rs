//! A real PostgreSQL primary and streaming standby, started by the test on
//! free loopback ports in temp dirs (`initdb`, `pg_basebackup -R`, `pg_ctl`
//! from `/usr/lib/postgresql/<version>/bin`), as the `postgres` OS user when
//! the tests run as root (initdb refuses root). Missing tools are a loud skip
//! outside CI and a failure under `CI=true`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

/// The two servers; both are stopped when dropped.
pub struct Cluster {
    bin: PathBuf,
    /// The parent of both data directories (owned by the server's user).
    dir: tempfile::TempDir,
    /// Run the server tools as `postgres` (we are root).
    as_postgres: bool,
    pub primary_port: u16,
    pub standby_port: u16,
}

/// The newest `/usr/lib/postgresql/<version>/bin` with the tools we need.
fn server_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            ["initdb", "pg_ctl", "pg_basebackup", "postgres"]
                .iter()
                .all(|t| bin.join(t).is_file())
                .then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn skip(why: &'static str) -> Option<Cluster> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but the failover test cannot run: {why}");
    }
    eprintln!("SKIPPED: failover test: {why}");
    record_skip("PostgreSQL failover (primary + standby)", why);
    None
}

impl Cluster {
    /// Starts a primary (empty, superuser `root`, trust on loopback) and a
    /// standby streaming from it, synchronously (a commit the primary
    /// acknowledged is on the standby). `None` (a recorded skip) without the
    /// server tools.
    pub fn start() -> Option<Cluster> {
        let Some(bin) = server_bin() else {
            return skip("no /usr/lib/postgresql/<version>/bin with initdb, pg_ctl and pg_basebackup (apt-get install postgresql)");
        };
        // SAFETY: geteuid has no preconditions.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        if as_postgres
            && !Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success())
        {
            return skip("running as root and there is no postgres OS user to run initdb as");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let cluster = Cluster {
            bin,
            dir,
            as_postgres,
            primary_port: free_port(),
            standby_port: free_port(),
        };
        if as_postgres {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(cluster.dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown the cluster dir to postgres");
        }
        let primary = cluster.data("primary");
        cluster.tool(
            "initdb",
            &[
                "-D",
                &primary,
                "-U",
                "root",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C",
            ],
        );
        cluster.configure("primary", cluster.primary_port);
        cluster.pg_ctl("primary", "start");
        cluster.tool(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &cluster.primary_port.to_string(),
                "-U",
                "root",
                "-D",
                &cluster.data("standby"),
                "-R",
                "-X",
                "stream",
                "--no-sync",
            ],
        );
        cluster.configure("standby", cluster.standby_port);
        cluster.pg_ctl("standby", "start");
        // From now on a commit waits until the standby has it.
        let primary = Env::postgres_at(&cluster.url(cluster.primary_port, "postgres"));
        primary.exec("ALTER SYSTEM SET synchronous_standby_names = '*'");
        primary.exec("SELECT pg_reload_conf()");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while primary.count("pg_stat_replication", "sync_state = 'sync'") < 1 {
            assert!(
                std::time::Instant::now() < deadline,
                "the standby never became synchronous"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Some(cluster)
    }

    /// `postgres://root@127.0.0.1:PORT/db`.
    pub fn url(&self, port: u16, db: &str) -> String {
        format!("postgres://root@127.0.0.1:{port}/{db}")
    }

    /// The multi-host URL that reaches whichever server accepts writes.
    pub fn multi_host_url(&self, db: &str) -> String {
        format!(
            "postgres://root@127.0.0.1:{},127.0.0.1:{}/{db}?target_session_attrs=read-write",
            self.primary_port, self.standby_port
        )
    }

    /// Stops the primary at once, as a crash would (`pg_ctl stop -m immediate`).
    pub fn crash_primary(&self) {
        self.pg_ctl_with("primary", &["stop", "-m", "immediate"]);
    }

    /// Promotes the standby (`pg_ctl promote`, waiting until it accepts writes).
    pub fn promote_standby(&self) {
        self.pg_ctl_with("standby", &["promote"]);
    }

    fn data(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Listens on loopback `port` only, its socket in its own directory.
    fn configure(&self, name: &str, port: u16) {
        let conf = Path::new(&self.data(name)).join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).expect("postgresql.conf");
        text.push_str(&format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\nfsync = off\nmax_connections = 20\nshared_buffers = 16MB\n",
            self.dir.path().display()
        ));
        std::fs::write(&conf, text).expect("write postgresql.conf");
    }

    fn pg_ctl(&self, name: &str, action: &str) {
        self.pg_ctl_with(name, &[action]);
    }

    fn pg_ctl_with(&self, name: &str, args: &[&str]) {
        let log = self
            .dir
            .path()
            .join(format!("{name}.log"))
            .display()
            .to_string();
        let data = self.data(name);
        let mut all = vec!["-D", data.as_str(), "-l", log.as_str(), "-w", "-t", "30"];
        all.extend_from_slice(args);
        self.tool("pg_ctl", &all);
    }

    /// Runs a server tool (as `postgres` when we are root); fails the test
    /// with its output when it fails.
    fn tool(&self, name: &str, args: &[&str]) {
        let path = self.bin.join(name);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        cmd.args(args).current_dir(self.dir.path());
        let out = cmd.output().unwrap_or_else(|e| panic!("run {name}: {e}"));
        assert!(
            out.status.success(),
            "{name} {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for name in ["standby", "primary"] {
            let data = self.data(name);
            if Path::new(&data).join("postmaster.pid").exists() {
                let path = self.bin.join("pg_ctl");
                let mut cmd = if self.as_postgres {
                    let mut c = Command::new("runuser");
                    c.args(["-u", "postgres", "--"]).arg(&path);
                    c
                } else {
                    Command::new(&path)
                };
                let _ = cmd
                    .args(["-D", &data, "stop", "-m", "immediate", "-w"])
                    .output();
            }
        }
    }
}
