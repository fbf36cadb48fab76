//! A throwaway PostgreSQL cluster for the tests (and the load bench, which includes this
//! file with `#[path]`): `initdb` into a temporary directory, `pg_ctl start` on a free
//! 127.0.0.1 port with its unix socket in that directory, stopped and deleted on drop.
//!
//! The server binaries are found on `PATH` or in `/usr/lib/postgresql/*/bin` (Debian's
//! `postgresql` package). PostgreSQL refuses to run as root: when the tests run as root,
//! the cluster belongs to the `postgres` system user and its commands run through
//! `runuser`. The tests that need a cluster of their own are
//! `#[ignore = "needs PostgreSQL (initdb)"]`: a plain `cargo test` lists them as ignored,
//! and `cargo test -- --include-ignored` runs them, where a missing server is a failure
//! (never a silent pass).
//!
//! `ALIPAYHK_TEST_POSTGRES=1` runs the whole simulator suite on PostgreSQL: every
//! simulator the support starts gets a fresh database on one shared cluster.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The password of the test cluster's superuser (so URLs carry one, as in production).
pub const PASSWORD: &str = "sim-test-pw-3f9a";

/// A running throwaway cluster.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
    run_as_postgres: bool,
    databases: AtomicUsize,
}

/// Whether the suite runs on PostgreSQL (`ALIPAYHK_TEST_POSTGRES=1`).
pub fn suite_on_postgres() -> bool {
    std::env::var("ALIPAYHK_TEST_POSTGRES").is_ok_and(|v| v == "1" || v == "true")
}

/// The cluster shared by this test process, started on first use: a test that needs
/// PostgreSQL fails here, saying why, when it is not installed.
pub fn required() -> &'static Cluster {
    shared().unwrap_or_else(|| panic!("{NOT_INSTALLED}"))
}

/// What a test that needs PostgreSQL says when it is not installed.
const NOT_INSTALLED: &str = "needs PostgreSQL: no initdb on PATH or in /usr/lib/postgresql/*/bin (`apt-get install postgresql`)";

/// The cluster shared by this test process, started on first use; `None` when PostgreSQL
/// is not installed.
fn shared() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
    CLUSTER
        .get_or_init(|| {
            let cluster = Cluster::start()?;
            // Statics are never dropped: stop the server when the test process exits.
            SHARED_DIR.get_or_init(|| {
                (
                    cluster.dir.clone(),
                    cluster.bin.clone(),
                    cluster.run_as_postgres,
                )
            });
            unsafe { libc::atexit(stop_shared) };
            Some(cluster)
        })
        .as_ref()
}

static SHARED_DIR: OnceLock<(PathBuf, PathBuf, bool)> = OnceLock::new();

extern "C" fn stop_shared() {
    if let Some((dir, bin, as_postgres)) = SHARED_DIR.get() {
        stop(dir, bin, *as_postgres);
    }
}

/// Where `initdb` and `pg_ctl` are: `PATH`, else the newest `/usr/lib/postgresql/*/bin`.
fn find_binaries() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if ["initdb", "pg_ctl", "psql"]
                .iter()
                .all(|p| dir.join(p).is_file())
            {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn postgres_user() -> Option<(u32, u32)> {
    let name = std::ffi::CString::new("postgres").ok()?;
    // SAFETY: getpwnam returns a pointer into static storage or null; read it at once.
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    if entry.is_null() {
        return None;
    }
    let entry = unsafe { &*entry };
    Some((entry.pw_uid, entry.pw_gid))
}

fn command(bin: &Path, program: &str, as_postgres: bool) -> Command {
    if as_postgres {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(bin.join(program));
        command
    } else {
        Command::new(bin.join(program))
    }
}

fn stop(dir: &Path, bin: &Path, as_postgres: bool) {
    let _ = command(bin, "pg_ctl", as_postgres)
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-m", "immediate", "-w", "stop"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = std::fs::remove_dir_all(dir);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Cluster {
    /// Starts a cluster, or returns `None` when PostgreSQL is not installed (the bench
    /// then says so and skips its PostgreSQL part).
    pub fn start() -> Option<Self> {
        let bin = find_binaries()?;
        let run_as_postgres = unsafe { libc::geteuid() } == 0;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        // Under /tmp, not the target dir: the postgres user must reach it.
        let dir = std::env::temp_dir().join(format!("sim-pg-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pwfile"), PASSWORD).unwrap();
        if run_as_postgres {
            let (uid, gid) =
                postgres_user().expect("a `postgres` system user to run the cluster as");
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).unwrap();
            std::os::unix::fs::chown(dir.join("pwfile"), Some(uid), Some(gid)).unwrap();
        }
        let output = command(&bin, "initdb", run_as_postgres)
            .arg("-D")
            .arg(dir.join("data"))
            .args([
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "--auth=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", dir.join("pwfile").display()))
            .output()
            .expect("initdb runs");
        assert!(
            output.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut started = None;
        for _ in 0..5 {
            let port = free_port();
            let options = format!(
                "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={} -c max_connections=400 -c shared_buffers=32MB",
                dir.display()
            );
            let status = command(&bin, "pg_ctl", run_as_postgres)
                .arg("-D")
                .arg(dir.join("data"))
                .arg("-l")
                .arg(dir.join("server.log"))
                .arg("-o")
                .arg(options)
                .args(["-w", "-t", "60", "start"])
                .stdout(Stdio::null())
                .status()
                .expect("pg_ctl runs");
            if status.success() {
                started = Some(port);
                break;
            }
        }
        let Some(port) = started else {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            stop(&dir, &bin, run_as_postgres);
            panic!("the test PostgreSQL cluster did not start:\n{log}");
        };
        Some(Self {
            dir,
            bin,
            port,
            run_as_postgres,
            databases: AtomicUsize::new(0),
        })
    }

    /// The URL of `database` on this cluster, with the superuser's password.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:{}/{database}",
            self.port
        )
    }

    /// Creates a fresh, empty database and returns its URL.
    pub fn create_database(&self) -> String {
        let n = self.databases.fetch_add(1, Ordering::Relaxed);
        let name = format!("sim_{}_{n}", std::process::id());
        let output = command(&self.bin, "psql", self.run_as_postgres)
            .args([
                "-h",
                &self.dir.display().to_string(),
                "-p",
                &self.port.to_string(),
            ])
            .args([
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
            ])
            .arg(format!("CREATE DATABASE {name}"))
            .env("PGPASSWORD", PASSWORD)
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "CREATE DATABASE failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.url(&name)
    }

    /// Runs one SQL statement on `url`'s database and returns psql's unaligned output.
    pub fn psql(&self, url: &str, sql: &str) -> String {
        let database = url.rsplit('/').next().unwrap();
        let output = command(&self.bin, "psql", self.run_as_postgres)
            .args([
                "-h",
                &self.dir.display().to_string(),
                "-p",
                &self.port.to_string(),
            ])
            .args([
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
            ])
            .arg(sql)
            .env("PGPASSWORD", PASSWORD)
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

impl Cluster {
    /// The postmaster's process id (its children are the backends), for CPU accounting.
    pub fn server_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.join("data/postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        stop(&self.dir, &self.bin, self.run_as_postgres);
    }
}
