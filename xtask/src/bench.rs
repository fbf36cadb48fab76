//! `cargo xtask bench codegen`: how codegen scales, next to openapi-generator, in one run.
//!
//! Builds synthetic specs of 5, 50, 250 and 1000 operations by multiplying the real spec:
//! copy `k` of every operation gets the path and `operationId` suffix `k`, and its own copy of
//! every component schema, response and request body (suffix `K<k>`), so the generated code
//! grows like a real spec of that size. Headers and parameters stay shared, as in a real spec.
//! For each size it times, as a user runs them:
//!
//! - `cargo xtask codegen --spec FILE --out DIR` (wall time of the whole command, cargo's
//!   freshness check included, and the generator's own time as codegen prints it);
//! - the same xtask binary run directly, with no cargo in front (a process, as
//!   openapi-generator's CLI is one);
//! - openapi-generator (PyPI `openapi-generator-cli`, in a venv under the target dir, using the
//!   machine's Java): `-g rust --additional-properties=library=reqwest` and `-g rust-axum`;
//!
//! with peak memory (`/usr/bin/time`), generated lines of Rust per operation, and the cold
//! `cargo check` of each generated crate (dependencies checked first, untimed; then the crate
//! alone, after `cargo clean -p`). Ratios compare ours with each openapi-generator run and with
//! both together: it needs two runs (`rust`, `rust-axum`) for the client and server we emit in
//! one. Results go to stdout and `<target>/bench-codegen/results.md`.
//! Nothing here runs in CI; numbers are ratios within one run on one machine.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde_json::Value;

/// The row of the xtask binary run without cargo.
const BINARY: &str = "xtask codegen (binary)";

struct Options {
    sizes: Vec<usize>,
    /// Runs of each command; the median is kept.
    runs: usize,
    openapi_generator: bool,
    cargo_check: bool,
}

/// `cargo xtask bench codegen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Operations per synthetic spec (multiples of 5: the real spec has 5 operations)
    #[arg(long, value_delimiter = ',', default_value = "5,50,250,1000")]
    sizes: Vec<usize>,
    /// Runs of each command; the median is kept
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=20))]
    runs: u8,
    /// Leave out openapi-generator (it needs Java and PyPI)
    #[arg(long)]
    skip_openapi_generator: bool,
    /// Leave out compiling the generated crates
    #[arg(long)]
    skip_cargo_check: bool,
}

fn options(args: &Args) -> Result<Options, String> {
    if args.sizes.iter().any(|n| *n == 0 || n % 5 != 0) {
        return Err("sizes are multiples of 5 (the real spec has 5 operations)".into());
    }
    Ok(Options {
        sizes: args.sizes.clone(),
        runs: usize::from(args.runs),
        openapi_generator: !args.skip_openapi_generator,
        cargo_check: !args.skip_cargo_check,
    })
}

/// The real spec with its operations (and their schemas) copied `copies` times.
pub fn multiply(spec: &Value, copies: usize) -> Value {
    let mut out = spec.clone();
    let kinds = ["schemas", "responses", "requestBodies"];
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut new_paths = serde_json::Map::new();
    for k in 0..copies {
        let suffix = if k == 0 {
            String::new()
        } else {
            format!("K{k}")
        };
        for (path, item) in &paths {
            let mut item = item.clone();
            rename_refs(&mut item, &kinds, &suffix);
            if k > 0 {
                for op in item
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|o| o.values_mut())
                {
                    if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                        op["operationId"] = Value::String(format!("{id}{k}"));
                    }
                    if let Some(summary) = op.get("summary").and_then(Value::as_str) {
                        op["summary"] = Value::String(format!("{summary} {k}"));
                    }
                }
            }
            let path = if k == 0 {
                path.clone()
            } else {
                format!("{path}{k}")
            };
            new_paths.insert(path, item);
        }
        if k == 0 {
            continue;
        }
        for kind in kinds {
            let Some(originals) = spec
                .pointer(&format!("/components/{kind}"))
                .and_then(Value::as_object)
            else {
                continue;
            };
            let target = out["components"][kind]
                .as_object_mut()
                .expect("copied from the spec");
            for (name, component) in originals {
                let mut component = component.clone();
                rename_refs(&mut component, &kinds, &suffix);
                target.insert(format!("{name}{suffix}"), component);
            }
        }
    }
    out["paths"] = Value::Object(new_paths);
    out
}

/// Appends `suffix` to every `$ref` into one of the `kinds` of components.
fn rename_refs(value: &mut Value, kinds: &[&str], suffix: &str) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(reference) = child
                    && kinds
                        .iter()
                        .any(|k| reference.starts_with(&format!("#/components/{k}/")))
                {
                    reference.push_str(suffix);
                } else {
                    rename_refs(child, kinds, suffix);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| rename_refs(i, kinds, suffix)),
        _ => {}
    }
}

/// Wall time (s), CPU time (user + system, s) and peak resident memory (MiB), the last two
/// when `/usr/bin/time` exists, and success.
struct Measured {
    seconds: f64,
    cpu_seconds: Option<f64>,
    peak_mib: Option<f64>,
    ok: bool,
    stdout: String,
}

/// Runs `command` `runs` times, each into an empty `out`, and keeps the run of median wall
/// time (one run on a shared machine can be an outlier either way).
fn measure_runs(command: &Command, out: &Path, log: &Path, runs: usize) -> Measured {
    let mut all: Vec<Measured> = (0..runs.max(1))
        .map(|_| {
            let _ = fs::remove_dir_all(out);
            measure(command, log)
        })
        .collect();
    if all.iter().any(|m| !m.ok) {
        return all.into_iter().find(|m| !m.ok).expect("a failed run");
    }
    all.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let median = all.len() / 2;
    all.swap_remove(median)
}

/// A copy of `command` (program, arguments, environment, directory), prefixed by `prefix`.
fn copy_command(command: &Command, prefix: &[&std::ffi::OsStr]) -> Command {
    let (program, args): (&std::ffi::OsStr, Vec<&std::ffi::OsStr>) = match prefix.split_first() {
        Some((first, rest)) => (
            first,
            rest.iter()
                .copied()
                .chain(std::iter::once(command.get_program()))
                .chain(command.get_args())
                .collect(),
        ),
        None => (command.get_program(), command.get_args().collect()),
    };
    let mut copy = Command::new(program);
    copy.args(args);
    if let Some(dir) = command.get_current_dir() {
        copy.current_dir(dir);
    }
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => copy.env(key, value),
            None => copy.env_remove(key),
        };
    }
    copy
}

fn measure(command: &Command, log: &Path) -> Measured {
    let time_file = log.with_extension("time");
    let mut command = if Path::new("/usr/bin/time").exists() {
        let prefix = ["/usr/bin/time", "-f", "%U %S %M", "-o"].map(std::ffi::OsStr::new);
        let mut prefix = prefix.to_vec();
        prefix.push(time_file.as_os_str());
        copy_command(command, &prefix)
    } else {
        copy_command(command, &[])
    };
    let started = Instant::now();
    let output = command.output();
    let seconds = started.elapsed().as_secs_f64();
    let (ok, stdout, stderr) = match output {
        Ok(o) => (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ),
        Err(e) => (false, String::new(), e.to_string()),
    };
    let _ = fs::write(log, format!("{stdout}\n--- stderr\n{stderr}"));
    // The last line is `user system peak-KiB` (earlier lines may be the exit status).
    let times: Vec<f64> = fs::read_to_string(&time_file)
        .ok()
        .and_then(|t| {
            t.lines()
                .last()?
                .split_whitespace()
                .map(|n| n.parse::<f64>().ok())
                .collect::<Option<Vec<f64>>>()
        })
        .unwrap_or_default();
    let (cpu_seconds, peak_mib) = match times.as_slice() {
        [user, system, kib] => (Some(user + system), Some(kib / 1024.0)),
        _ => (None, None),
    };
    Measured {
        seconds,
        cpu_seconds,
        peak_mib,
        ok,
        stdout,
    }
}

/// Lines of `.rs` files below `dir`.
fn rust_lines(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut total = 0;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            total += rust_lines(&path);
        } else if path.extension().is_some_and(|e| e == "rs") {
            total += fs::read_to_string(&path).map_or(0, |t| t.lines().count());
        }
    }
    total
}

/// One generator's result at one size.
struct Row {
    tool: String,
    operations: usize,
    seconds: Option<f64>,
    cpu_seconds: Option<f64>,
    peak_mib: Option<f64>,
    lines: usize,
    check_seconds: Option<f64>,
    note: String,
}

impl Row {
    /// The row of `tool` at `n` operations from its measurement, counting the Rust lines below
    /// `sources`; a failed run has no times and says so.
    fn of(tool: &str, n: usize, m: &Measured, sources: &Path, note: String) -> Row {
        Row {
            tool: tool.to_string(),
            operations: n,
            seconds: m.ok.then_some(m.seconds),
            cpu_seconds: m.cpu_seconds.filter(|_| m.ok),
            peak_mib: m.peak_mib,
            lines: rust_lines(sources),
            check_seconds: None,
            note: if m.ok {
                note
            } else {
                "failed (see log)".into()
            },
        }
    }
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let options = options(args)?;
    let root = crate::project_root()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let work = target.join("bench-codegen");
    fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let text = fs::read_to_string(root.join("spec/alipayhk.yaml"))
        .map_err(|e| format!("cannot read the spec: {e}"))?;
    let real: Value = serde_saphyr::from_str(&text).map_err(|e| format!("spec: {e}"))?;
    let og = options
        .openapi_generator
        .then(|| openapi_generator(&target))
        .transpose()?;
    let load_at_start = load_average();
    let mut rows = Vec::new();
    for &n in &options.sizes {
        let spec = multiply(&real, n / 5);
        let spec_file = work.join(format!("spec-{n}.json"));
        let json = serde_json::to_string_pretty(&spec).map_err(|e| e.to_string())?;
        fs::write(&spec_file, json).map_err(|e| e.to_string())?;
        eprintln!(
            "bench: {n} operations ({} KiB spec)",
            fs::metadata(&spec_file).map_or(0, |m| m.len() / 1024)
        );

        // Our codegen, `program` and `prefix` in front of `codegen --spec FILE --out DIR`.
        let ours = |program: &std::ffi::OsStr, prefix: &[&str], name: &str| {
            let out = work.join(format!("{name}-{n}"));
            let mut cmd = Command::new(program);
            cmd.current_dir(&root)
                .args(prefix)
                .args(["codegen", "--spec"])
                .arg(&spec_file)
                .arg("--out")
                .arg(&out);
            let log = work.join(format!("{name}-{n}.log"));
            (measure_runs(&cmd, &out, &log, options.runs), out)
        };
        let (m, out) = ours("cargo".as_ref(), &["xtask"], "ours");
        let in_process = m
            .stdout
            .lines()
            .find_map(|l| {
                l.strip_prefix("generated ")
                    .and_then(|r| r.split(" in ").nth(1))
            })
            .unwrap_or("?")
            .to_string();
        let note = format!("generator itself: {in_process}");
        let mut row = Row::of("cargo xtask codegen", n, &m, &out.join("src"), note);
        if m.ok && options.cargo_check {
            write_our_manifest(&root, &out, n)?;
            row.check_seconds = cold_check(&out, &work, &format!("bench-ours-{n}"));
        }
        rows.push(row);

        // The same command without cargo in front: this very binary, as a process, the way
        // openapi-generator runs (its time includes the JVM's start, ours the process's).
        let binary = std::env::current_exe().map_err(|e| e.to_string())?;
        let (m, out) = ours(binary.as_os_str(), &[], "ours-binary");
        let note = "no cargo in front".to_string();
        rows.push(Row::of(BINARY, n, &m, &out.join("src"), note));

        if let Some(og) = &og {
            for (generator, extra) in [
                // The spec's version (2024.05.0) is not semver: name one for the crate.
                (
                    "rust",
                    "library=reqwest,packageVersion=0.1.0,packageName=og_rust",
                ),
                ("rust-axum", "packageVersion=0.1.0,packageName=og_axum"),
            ] {
                let out = work.join(format!("og-{generator}-{n}"));
                let mut cmd = Command::new(og);
                cmd.args(["generate", "--skip-validate-spec", "-g", generator, "-i"])
                    .arg(&spec_file)
                    .arg("-o")
                    .arg(&out)
                    .arg(format!("--additional-properties={extra}"));
                let log = work.join(format!("og-{generator}-{n}.log"));
                let m = measure_runs(&cmd, &out, &log, options.runs);
                let tool = format!("openapi-generator {generator}");
                let mut row = Row::of(&tool, n, &m, &out, String::new());
                if m.ok && options.cargo_check {
                    // Each crate stands alone (not part of the toolkit's workspace).
                    let manifest = out.join("Cargo.toml");
                    let text = fs::read_to_string(&manifest).unwrap_or_default();
                    if !text.contains("[workspace]") {
                        let _ = fs::write(&manifest, format!("{text}\n[workspace]\n"));
                    }
                    let package = text
                        .lines()
                        .find_map(|l| l.strip_prefix("name = "))
                        .unwrap_or_default()
                        .trim_matches('"')
                        .to_string();
                    row.check_seconds = cold_check(&out, &work, &package);
                    if row.check_seconds.is_none() {
                        row.note = "cargo check failed (see log)".into();
                    }
                }
                rows.push(row);
            }
        }
    }
    let mut report = render(&rows);
    // Times are wall times on a machine others may share: say how busy it was.
    report.push_str(&format!(
        "- load average (1, 5, 15 min) at start: {load_at_start}; at end: {}; cores: {}\n",
        load_average(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    ));
    print!("{report}");
    fs::write(work.join("results.md"), &report).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// The first three fields of `/proc/loadavg`, or `?`.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

/// The venv's `openapi-generator-cli`, installed on first use (`pip install` from PyPI).
fn openapi_generator(target: &Path) -> Result<PathBuf, String> {
    let venv = target.join("bench-venv");
    let cli = venv.join("bin/openapi-generator-cli");
    if cli.exists() {
        return Ok(cli);
    }
    eprintln!(
        "bench: installing openapi-generator-cli into {}",
        venv.display()
    );
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .map_err(|e| format!("python3 -m venv: {e}"))?;
    let installed = status.success()
        && Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "openapi-generator-cli"])
            .status()
            .is_ok_and(|s| s.success());
    if installed && cli.exists() {
        Ok(cli)
    } else {
        Err("could not install openapi-generator-cli (pass --skip-openapi-generator)".into())
    }
}

/// A manifest like `generated/Cargo.toml`, standing alone, pinned by the toolkit's lock file.
fn write_our_manifest(root: &Path, out: &Path, n: usize) -> Result<(), String> {
    let runtime = root.join("runtime");
    let manifest = format!(
        r#"[package]
name = "bench-ours-{n}"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
alipayhk-runtime = {{ path = "{}" }}
axum = "0.8"
regex = "1"
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["preserve_order", "float_roundtrip"] }}
tracing = "0.1"
"#,
        runtime.display()
    );
    fs::write(out.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    let _ = fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock"));
    Ok(())
}

/// `cargo check` of the crate alone: dependencies first (untimed), then `cargo clean -p` and a
/// timed check. `None` when it does not build.
fn cold_check(dir: &Path, work: &Path, package: &str) -> Option<f64> {
    let target = work.join("check-target");
    let cargo = |args: &[&str]| {
        let mut cmd = Command::new("cargo");
        cmd.current_dir(dir)
            .env("CARGO_TARGET_DIR", &target)
            .args(args);
        cmd
    };
    let log = work.join(format!("{package}-check.log"));
    if !measure(&cargo(&["check", "--quiet"]), &log).ok {
        return None;
    }
    // Only the crate itself is cold: its dependencies stay checked.
    let cleaned = cargo(&["clean", "--quiet", "-p", package])
        .status()
        .is_ok_and(|s| s.success());
    if !cleaned {
        return None;
    }
    let m = measure(&cargo(&["check", "--quiet"]), &log);
    m.ok.then_some(m.seconds)
}

fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "| tool | operations | time (s) | CPU time (s) | peak memory (MiB) | Rust lines | lines / operation | cold cargo check (s) | note |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let num =
        |v: Option<f64>, digits: usize| v.map_or("-".to_string(), |v| format!("{v:.digits$}"));
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {:.0} | {} | {} |\n",
            row.tool,
            row.operations,
            num(row.seconds, 2),
            num(row.cpu_seconds, 2),
            num(row.peak_mib, 0),
            row.lines,
            row.lines as f64 / row.operations as f64,
            num(row.check_seconds, 1),
            row.note
        ));
    }
    // Ratios within the run.
    let find = |tool: &str, n: usize| rows.iter().find(|r| r.tool == tool && r.operations == n);
    let time = |tool: &str, n: usize| find(tool, n).and_then(|r| r.seconds);
    let cpu = |tool: &str, n: usize| find(tool, n).and_then(|r| r.cpu_seconds);
    let ours = "cargo xtask codegen";
    out.push('\n');
    let sizes: Vec<usize> = {
        let mut s: Vec<usize> = rows.iter().map(|r| r.operations).collect();
        s.dedup();
        s
    };
    let (client, server) = ("openapi-generator rust", "openapi-generator rust-axum");
    let sum = |a: Option<f64>, b: Option<f64>| Some(a? + b?);
    for n in &sizes {
        for (ours, how) in [
            (ours, "`cargo xtask codegen`"),
            (BINARY, "the binary alone"),
        ] {
            // openapi-generator needs two runs for what we emit in one: a client (`rust`) and
            // a server (`rust-axum`); each alone, and both, against ours.
            let others = [
                (client.to_string(), time(client, *n), cpu(client, *n)),
                (server.to_string(), time(server, *n), cpu(server, *n)),
                (
                    format!("{client} + {server} (client and server, as we emit)"),
                    sum(time(client, *n), time(server, *n)),
                    sum(cpu(client, *n), cpu(server, *n)),
                ),
            ];
            for (other, other_time, other_cpu) in others {
                if let (Some(a), Some(b)) = (time(ours, *n), other_time) {
                    let cpu = match (cpu(ours, *n), other_cpu) {
                        (Some(a), Some(b)) => format!(", {:.1}x its CPU time", b / a),
                        _ => String::new(),
                    };
                    out.push_str(&format!(
                        "- {n} operations: {other} takes {:.1}x the time of {how}{cpu}\n",
                        b / a
                    ));
                }
            }
        }
    }
    if let (Some(t50), Some(t1000)) = (time(ours, 50), time(ours, 1000)) {
        out.push_str(&format!(
            "- time per operation at 1000 / at 50: {:.2}\n",
            (t1000 / 1000.0) / (t50 / 50.0)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplying_copies_operations_and_their_schemas() {
        let text =
            fs::read_to_string(crate::project_root().unwrap().join("spec/alipayhk.yaml")).unwrap();
        let real: Value = serde_saphyr::from_str(&text).unwrap();
        let spec = multiply(&real, 3);
        assert_eq!(spec["paths"].as_object().unwrap().len(), 15);
        let schemas = spec["components"]["schemas"].as_object().unwrap();
        let originals = real["components"]["schemas"].as_object().unwrap().len();
        assert_eq!(schemas.len(), originals * 3);
        // Copies refer to their own schemas, and the copy generates.
        let yaml = serde_json::to_string(&spec).unwrap();
        assert!(yaml.contains("#/components/schemas/QueryTemplateResponseK2"));
        let api = alipayhk_generator::parse(&yaml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(api.operations.len(), 15);
    }
}
