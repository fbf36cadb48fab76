//! The simulator as a separate process (`alipayhk-simulator`), for crash tests and the
//! load generator (which includes this file with `#[path]`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running simulator process on 127.0.0.1 with ports picked by the OS.
pub struct SimulatorProcess {
    child: Child,
    pub api_address: SocketAddr,
    pub admin_address: SocketAddr,
    pub data_dir: PathBuf,
}

impl SimulatorProcess {
    /// Starts `binary` on `data_dir` (created if missing) and waits until it listens.
    pub fn start(binary: &Path, data_dir: &Path, extra_config: &str) -> Self {
        std::fs::create_dir_all(data_dir).unwrap();
        let config_path = data_dir.join("simulator.toml");
        let config = format!(
            "listen = \"127.0.0.1:0\"\nadmin_listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n{extra_config}",
            data_dir.display()
        );
        std::fs::write(&config_path, config).unwrap();
        // `SIMULATOR_WRAPPER="valgrind --tool=callgrind ..."` runs the server under a profiler
        // (for `cargo bench`; tests never set it).
        let wrapper = std::env::var("SIMULATOR_WRAPPER").unwrap_or_default();
        let mut words = wrapper.split_whitespace();
        let mut command = match words.next() {
            Some(program) => {
                let mut command = Command::new(program);
                command.args(words).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        let mut child = command
            .arg("--config")
            .arg(&config_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the simulator binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let (mut api, mut admin) = (None, None);
        // The banner is a dozen lines; give up after 50.
        for _ in 0..50 {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(rest) = line.trim().strip_prefix("API:") {
                api = Some(address_in(rest));
            } else if let Some(rest) = line.trim().strip_prefix("admin API:") {
                admin = Some(address_in(rest));
            }
            if api.is_some() && admin.is_some() {
                break;
            }
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let (Some(api_address), Some(admin_address)) = (api, admin) else {
            let _ = child.kill();
            panic!("the simulator did not print its addresses");
        };
        Self {
            child,
            api_address,
            admin_address,
            data_dir: data_dir.to_path_buf(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then wait for the graceful exit; returns the exit status code.
    pub fn terminate(mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait().ok().and_then(|s| s.code())
    }

    pub fn admin_token(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("admin-token"))
            .unwrap()
            .trim()
            .to_string()
    }

    pub fn partner_key_path(&self) -> PathBuf {
        self.data_dir.join("keys/demo-partner-private.pem")
    }

    pub fn simulator_public_key_path(&self) -> PathBuf {
        self.data_dir.join("keys/simulator-public.pem")
    }

    /// CPU time (user + system) the process has used so far, from /proc.
    pub fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 =
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        Some(ticks / clock_ticks_per_second())
    }

    /// Peak resident memory (VmHWM) of the process in KiB, from /proc.
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Drop for SimulatorProcess {
    fn drop(&mut self) {
        // Under a profiler, stop with SIGTERM (a clean shutdown) so it writes its output.
        if std::env::var_os("SIMULATOR_WRAPPER").is_some() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
            for _ in 0..600 {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn address_in(text: &str) -> SocketAddr {
    let text = text.trim().trim_start_matches("http://");
    let end = text.find(|c: char| c.is_whitespace()).unwrap_or(text.len());
    text[..end].parse().expect("an address in the banner")
}

/// A fresh temporary directory under the target dir's tmp (or the OS temp dir).
pub fn temp_dir(name: &str) -> PathBuf {
    let base = option_env!("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = base.join(format!("{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
