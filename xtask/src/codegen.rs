//! `cargo xtask codegen [--check] [--spec FILE --out DIR [--crate-name NAME]]`: regenerate
//! `generated/` from `spec/alipayhk.yaml`, or any spec of the family into a crate of its own.
//!
//! Without `--spec`, three targets: the real crate (`generated/`, its `Cargo.toml` and
//! `README.md` included: the generator owns them, and `generated/dev-dependencies.toml` adds
//! the repository's test dependencies), the generator's feature fixture
//! (`generated/tests/fixture/`) and its names fixture (`generated/tests/names/`: names no
//! Rust item can take as written, and real-world schema shapes), both sources only, compiled
//! as test targets of the generated crate so that their output must build and pass clippy,
//! like the real output. With `--spec FILE --out DIR` (paths relative to the current
//! directory), a complete crate named NAME (default: DIR's last component) that depends on
//! `alipayhk-runtime` by version and builds on its own; the headers name FILE as given, so
//! the output depends only on the spec text, that name and NAME.
//!
//! Without `--check`, writes the files that changed (and removes generated files the generator
//! no longer emits), then prints what changed and how long it took. With `--check`, writes
//! nothing and exits non-zero with a unified diff when anything is stale.

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use alipayhk_generator::{CrateOptions, GENERATOR_VERSION, GeneratedFile, Stamp, check_crate_name};

/// (spec, output folder, whether it is a crate of its own), relative to the repository root.
const TARGETS: [(&str, &str, bool); 3] = [
    ("spec/alipayhk.yaml", "generated", true),
    (
        "generator/tests/fixtures/features.yaml",
        "generated/tests/fixture",
        false,
    ),
    (
        "generator/tests/fixtures/names.yaml",
        "generated/tests/names",
        false,
    ),
];

/// The repository's own additions to `generated/Cargo.toml` (its tests' dependencies).
const REPOSITORY_MANIFEST_TAIL: &str = "generated/dev-dependencies.toml";

/// `cargo xtask codegen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write nothing; fail with a unified diff when anything is stale
    #[arg(long)]
    check: bool,
    /// Generate this spec (relative to the current directory) instead of spec/alipayhk.yaml
    #[arg(long, value_name = "FILE", requires = "out")]
    spec: Option<String>,
    /// The folder of the crate generated from --spec
    #[arg(long, value_name = "DIR", requires = "spec")]
    out: Option<String>,
    /// The name of the crate generated from --spec (default: the last component of --out)
    #[arg(long, value_name = "NAME", requires = "spec")]
    crate_name: Option<String>,
}

/// One spec to generate, where, and the crate it makes (`None`: sources only).
struct Target {
    spec: String,
    output: String,
    spec_file: std::path::PathBuf,
    out_dir: std::path::PathBuf,
    crate_options: Option<CrateOptions>,
}

/// The crate name for `--out DIR` without `--crate-name`: DIR's last component.
fn default_crate_name(out: &str) -> Result<String, String> {
    let name = Path::new(out)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    check_crate_name(&name)
        .map(|()| name)
        .map_err(|e| format!("{e}; name the crate with --crate-name"))
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let check = args.check;
    let target = args.spec.clone().zip(args.out.clone());
    let crate_name = args.crate_name.clone();
    let rerun = match (&target, &crate_name) {
        (Some((spec, out)), Some(name)) => {
            format!("cargo xtask codegen --spec {spec} --out {out} --crate-name {name}")
        }
        (Some((spec, out)), None) => format!("cargo xtask codegen --spec {spec} --out {out}"),
        _ => "cargo xtask codegen".to_string(),
    };
    let targets: Vec<Target> = match target {
        Some((spec, out)) => {
            let name = match crate_name {
                Some(name) => {
                    check_crate_name(&name).map_err(|e| e.to_string())?;
                    name
                }
                None => default_crate_name(&out)?,
            };
            vec![Target {
                spec_file: std::path::PathBuf::from(&spec),
                out_dir: std::path::PathBuf::from(&out),
                spec,
                output: out,
                crate_options: Some(CrateOptions::new(name)),
            }]
        }
        None => {
            // Only the repository's own targets need the repository: `--spec --out` works
            // anywhere (partners generate their crate in their own project).
            let root = crate::project_root()?;
            let tail = root.join(REPOSITORY_MANIFEST_TAIL);
            let tail = fs::read_to_string(&tail)
                .map_err(|e| format!("cannot read {}: {e}", tail.display()))?;
            TARGETS
                .iter()
                .map(|(spec, out, is_crate)| Target {
                    spec: spec.to_string(),
                    output: out.to_string(),
                    spec_file: root.join(spec),
                    out_dir: root.join(out),
                    crate_options: is_crate.then(|| CrateOptions {
                        name: "alipayhk-api".to_string(),
                        version: alipayhk_generator::RUNTIME_VERSION.to_string(),
                        runtime_path: Some("../runtime".to_string()),
                        license: Some("MIT OR Apache-2.0".to_string()),
                        manifest_tail: Some(tail.clone()),
                    }),
                })
                .collect()
        }
    };
    let mut stale = false;
    let mut took = Duration::ZERO;
    let mut count = 0;
    for target in &targets {
        let (spec, output) = (target.spec.as_str(), target.output.as_str());
        let (spec_file, out_dir) = (&target.spec_file, &target.out_dir);
        let yaml = fs::read_to_string(spec_file)
            .map_err(|e| format!("cannot read {}: {e}", spec_file.display()))?;
        let started = Instant::now();
        let (files, warnings) = match &target.crate_options {
            Some(options) => alipayhk_generator::generate_crate(&yaml, spec, options),
            None => alipayhk_generator::generate_with_warnings(&yaml, spec),
        }
        .map_err(|e| format!("{spec}: {e}"))?;
        for warning in &warnings {
            eprintln!("warning: {spec}: {warning}");
        }
        took += started.elapsed();
        count += files.len();
        let file_count = files.len();
        let changes = compare(out_dir, files)?;
        if check {
            stale |= report_check(output, &changes, &yaml);
        } else {
            write(out_dir, output, &changes)?;
            if changes.is_empty() {
                println!("{output}/ is up to date ({file_count} files)");
            }
        }
    }
    if check {
        if stale {
            eprintln!("run `{rerun}` and commit");
            return Ok(ExitCode::FAILURE);
        }
        println!("generated code is up to date");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "generated {count} files in {:.1} ms",
        took.as_secs_f64() * 1000.0
    );
    Ok(ExitCode::SUCCESS)
}

/// One file whose contents differ; `None` means absent.
struct Change {
    path: String,
    old: Option<String>,
    new: Option<String>,
}

fn compare(out_dir: &Path, files: Vec<GeneratedFile>) -> Result<Vec<Change>, String> {
    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    let mut changes = Vec::new();
    for file in files {
        let old = fs::read_to_string(out_dir.join(&file.path)).ok();
        if old.as_deref() != Some(file.contents.as_str()) {
            changes.push(Change {
                path: file.path,
                old,
                new: Some(file.contents),
            });
        }
    }
    // Generated sources the generator no longer emits.
    let src = out_dir.join("src");
    let mut stale: Vec<String> = match fs::read_dir(&src) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| entry.file_name().into_string().ok())
            .map(|name| format!("src/{name}"))
            .filter(|path| !paths.contains(path))
            .filter(|path| {
                fs::read_to_string(out_dir.join(path))
                    .is_ok_and(|text| text.starts_with("// @generated"))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    stale.sort();
    for path in stale {
        let old = fs::read_to_string(out_dir.join(&path)).ok();
        changes.push(Change {
            path,
            old,
            new: None,
        });
    }
    Ok(changes)
}

fn write(out_dir: &Path, output: &str, changes: &[Change]) -> Result<(), String> {
    for change in changes {
        let path = out_dir.join(&change.path);
        match &change.new {
            Some(contents) => {
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)
                        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                }
                fs::write(&path, contents)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            None => fs::remove_file(&path)
                .map_err(|e| format!("cannot remove {}: {e}", path.display()))?,
        }
        let verb = match (&change.old, &change.new) {
            (None, _) => "created",
            (_, None) => "removed",
            _ => "updated",
        };
        println!("{verb} {output}/{}", change.path);
    }
    Ok(())
}

/// Prints the diff and why it is stale; `true` when anything differs.
fn report_check(output: &str, changes: &[Change], yaml: &str) -> bool {
    if changes.is_empty() {
        return false;
    }
    for change in changes {
        let old = change.old.as_deref().unwrap_or("");
        let new = change.new.as_deref().unwrap_or("");
        let name = format!("{output}/{}", change.path);
        let diff = similar::TextDiff::from_lines(old, new);
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
        );
    }
    let spec_sha = alipayhk_generator::spec_sha256(yaml);
    let stamp = changes
        .iter()
        .find_map(|c| c.old.as_deref().and_then(Stamp::read));
    let why = match stamp {
        None => "generated files are missing or have no stamp".to_string(),
        Some(s) if s.spec_sha256 != spec_sha => format!(
            "the spec changed (sha256 {} -> {})",
            short(&s.spec_sha256),
            short(&spec_sha)
        ),
        Some(s) if s.generator_version != GENERATOR_VERSION => format!(
            "the generator changed (version {} -> {GENERATOR_VERSION})",
            s.generator_version
        ),
        Some(_) => "same spec and generator version: the generator's code changed without a version bump, or a generated file was edited by hand".to_string(),
    };
    eprintln!(
        "error: {output}/ is stale ({} file(s) differ): {why}",
        changes.len()
    );
    true
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    use clap::Parser;

    /// `cargo xtask codegen ARGS...`, parsed as the binary parses it.
    #[derive(Parser)]
    struct Codegen {
        #[command(flatten)]
        args: Args,
    }

    fn args(list: &[&str]) -> Result<Args, clap::Error> {
        Codegen::try_parse_from(std::iter::once("codegen").chain(list.iter().copied()))
            .map(|c| c.args)
    }

    #[test]
    fn spec_and_out_go_together() {
        assert!(args(&["--spec", "a.yaml"]).is_err());
        assert!(args(&["--out", "dir"]).is_err());
        assert!(args(&["--spec"]).is_err());
        assert!(args(&["--crate-name", "x"]).is_err());
        let parsed = args(&["--check", "--spec", "a.yaml", "--out", "dir"]).unwrap();
        assert!(parsed.check);
        assert_eq!(parsed.spec.as_deref(), Some("a.yaml"));
        assert_eq!(parsed.out.as_deref(), Some("dir"));
    }

    #[test]
    fn another_spec_generates_into_another_folder_and_checks_clean() {
        let spec = crate::project_root()
            .unwrap()
            .join("generator/tests/fixtures/features.yaml");
        let out = std::env::temp_dir().join(format!("xtask-codegen-{}", std::process::id()));
        let _ = fs::remove_dir_all(&out);
        let (spec, out_arg) = (spec.display().to_string(), out.display().to_string());
        let code = run(&args(&["--spec", &spec, "--out", &out_arg]).unwrap()).unwrap();
        assert_eq!(code, ExitCode::SUCCESS);
        assert!(out.join("src/models.rs").exists());
        assert!(out.join("API.md").exists());
        let check = args(&["--check", "--spec", &spec, "--out", &out_arg]).unwrap();
        assert_eq!(run(&check).unwrap(), ExitCode::SUCCESS);
        fs::write(out.join("src/models.rs"), "// edited\n").unwrap();
        assert_eq!(run(&check).unwrap(), ExitCode::FAILURE);
        let _ = fs::remove_dir_all(&out);
    }
}
