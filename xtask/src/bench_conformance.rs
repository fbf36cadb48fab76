//! `cargo xtask bench conformance`: how long `alipayhk conformance` takes against the local
//! simulator, as a partner runs it: every case (with the admin API), and `--generate 200`
//! (the generated cases alone). The budgets (issue 27): all cases under 5 s, `--generate
//! 200` under 30 s on this machine. A benchmark, not a timed test: it reports, it does not
//! fail a build.
//!
//! It builds the `alipayhk` binary (`cargo build -p alipayhk-cli`, the debug profile unless
//! `--release`), starts `alipayhk serve` on 127.0.0.1 with a fresh data folder under
//! `<target>/bench-conformance/`, runs each command `--runs` times (default 3; the median is
//! kept), and writes `<target>/bench-conformance/results.md`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

/// All cases: the budget, in seconds.
const ALL_CASES_BUDGET: f64 = 5.0;
/// `--generate 200`: the budget, in seconds.
const GENERATE_BUDGET: f64 = 30.0;

/// The simulator started for the benchmark; killed when dropped.
struct Served {
    child: Child,
    api: String,
    admin: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cargo xtask bench conformance`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Runs of each command; the median is kept
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Build and time the release binary
    #[arg(long)]
    release: bool,
    /// Generated cases for the `--generate` run
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    generate: u32,
}

/// Runs the benchmark.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    let Args {
        runs,
        release,
        generate,
    } = *args;
    let runs = runs as usize;
    let root = crate::project_root()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let profile = if release { "release" } else { "debug" };
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build
        .args(["build", "-q", "-p", "alipayhk-cli"])
        .current_dir(&root);
    if release {
        build.arg("--release");
    }
    let status = build.status().map_err(|e| format!("cargo build: {e}"))?;
    if !status.success() {
        return Err("cargo build -p alipayhk-cli failed".into());
    }
    let binary = target.join(profile).join("alipayhk");
    let work = target.join("bench-conformance");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let data = work.join("sim");
    let served = serve(&binary, &data)?;
    let token = std::fs::read_to_string(data.join("admin-token"))
        .map_err(|e| format!("admin token: {e}"))?;

    let base = |report: &str| {
        let mut c = Command::new(&binary);
        c.arg("conformance")
            .args(["--base-url", &served.api])
            .args(["--client-id", "DEMO0000PARTNER0001"])
            .arg("--private-key")
            .arg(data.join("keys/demo-partner-private.pem"))
            .arg("--server-public-key")
            .arg(data.join("keys/simulator-public.pem"))
            .arg("--report-dir")
            .arg(work.join(report));
        c
    };
    let mut rows = Vec::new();
    let mut all = base("report-all");
    all.args(["--admin-url", &served.admin, "--admin-token", token.trim()]);
    rows.push(measure(
        "all cases (--admin-url)",
        all,
        runs,
        ALL_CASES_BUDGET,
    )?);
    let mut generated = base("report-generate");
    generated.args([
        "--generate",
        &generate.to_string(),
        "--seed",
        "27",
        "--only",
        "generated/",
    ]);
    rows.push(measure(
        &format!("--generate {generate} --only generated/"),
        generated,
        runs,
        GENERATE_BUDGET,
    )?);
    drop(served);

    let mut text = format!(
        "# alipayhk conformance against the local simulator\n\n{profile} build, {runs} runs each (median), load average {}\n\n| run | cases | passed | wall time (s) | budget (s) |\n|---|---|---|---|---|\n",
        load_average()
    );
    for r in &rows {
        text.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.0}{} |\n",
            r.name,
            r.cases,
            r.passed,
            r.median,
            r.budget,
            if r.median <= r.budget { "" } else { " (over)" }
        ));
    }
    print!("{text}");
    let results = work.join("results.md");
    std::fs::write(&results, &text).map_err(|e| format!("{}: {e}", results.display()))?;
    println!("\nwritten to {}", results.display());
    Ok(ExitCode::SUCCESS)
}

struct Row {
    name: String,
    cases: String,
    passed: String,
    median: f64,
    budget: f64,
}

/// Runs `command` `runs` times; the median wall time and the last run's totals line.
fn measure(name: &str, mut command: Command, runs: usize, budget: f64) -> Result<Row, String> {
    let mut times = Vec::new();
    let mut totals = String::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let output = command
            .output()
            .map_err(|e| format!("alipayhk conformance: {e}"))?;
        times.push(started.elapsed().as_secs_f64());
        let stdout = String::from_utf8_lossy(&output.stdout);
        totals = stdout
            .lines()
            .find(|l| l.contains(" cases: "))
            .unwrap_or_default()
            .to_owned();
        if !output.status.success() {
            return Err(format!("{name}: the suite failed:\n{stdout}"));
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let cases = totals.split_whitespace().next().unwrap_or("?").to_owned();
    let passed = totals
        .split(": ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap_or("?")
        .to_owned();
    Ok(Row {
        name: name.to_owned(),
        cases,
        passed,
        median,
        budget,
    })
}

/// `alipayhk serve` on 127.0.0.1 (ports chosen by the system), addresses from its banner.
fn serve(binary: &Path, data: &Path) -> Result<Served, String> {
    let mut child = Command::new(binary)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ])
        .args(["--log", "warn"])
        .arg("--data-dir")
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("alipayhk serve: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut banner = String::new();
    for line in BufReader::new(stdout).lines().take(60) {
        let Ok(line) = line else { break };
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("Ctrl-C") {
            break;
        }
    }
    let address = |label: &str| {
        banner
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
    };
    let (Some(api), Some(admin)) = (address("API:"), address("admin API:")) else {
        let _ = child.kill();
        return Err(format!(
            "no addresses in the banner of alipayhk serve:\n{banner}"
        ));
    };
    Ok(Served { child, api, admin })
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}
