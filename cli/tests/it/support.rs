//! Shared by the tests: `alipayhk serve` as a child process, the package's folder, and the
//! check that a program a test needs is installed.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// `cli/` of the checkout under test. Read when the test runs (`cargo test` sets
/// CARGO_MANIFEST_DIR for the test process), never baked in with `env!`: two checkouts that
/// share one CARGO_TARGET_DIR share this binary, and a baked-in path would point into the
/// checkout that built it first.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .expect("CARGO_MANIFEST_DIR is set (run the tests with `cargo test`)")
}

/// Fails the test, naming what is missing, when `program` does not run. Only `#[ignore]`d
/// tests call it: they run when asked (`--include-ignored`, as CI does), and then a missing
/// program is a failure, not a silent pass.
pub fn require(program: &str, version_flag: &str) {
    if let Err(e) = Command::new(program).arg(version_flag).output() {
        panic!("this test needs `{program}` (.ci/run installs it): {e}");
    }
}

pub const DEMO_USER: &str = "2160400000000135";

pub struct Served {
    pub child: Child,
    pub banner: String,
    pub api: SocketAddr,
    pub admin: SocketAddr,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(data_dir: &Path) -> Served {
    serve_with(data_dir, &[])
}

/// `alipayhk serve` with `extra` flags (e.g. `--tls`).
pub fn serve_with(data_dir: &Path, extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
            "--log",
            "warn",
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("alipayhk starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut banner = String::new();
    // The banner is about twenty lines and ends with the Ctrl-C hint.
    for _ in 0..60 {
        let Some(Ok(line)) = lines.next() else { break };
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("Ctrl-C") {
            break;
        }
    }
    let address = |label: &str| -> SocketAddr {
        banner
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|rest| {
                let rest = rest.trim();
                rest.strip_prefix("http://")
                    .or_else(|| rest.strip_prefix("https://"))
            })
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|address| address.parse().ok())
            .unwrap_or_else(|| panic!("no {label} address in the banner:\n{banner}"))
    };
    let api = address("API:");
    let admin = address("admin API:");
    Served {
        child,
        banner,
        api,
        admin,
    }
}

/// One request to the admin API of `served` over plain HTTP (no client library needed);
/// returns the status and the body.
pub fn admin(
    served: &Served,
    data_dir: &Path,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String) {
    use std::io::{Read, Write};
    let token = std::fs::read_to_string(data_dir.join("admin-token")).expect("admin token");
    let mut stream = std::net::TcpStream::connect(served.admin).expect("admin API");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        token.trim(),
        body.len()
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}
