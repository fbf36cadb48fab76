//! `cargo xtask codegen [--check]`: regenerate `generated/` from `spec/alipayhk.yaml`.
//!
//! Two targets: the real crate (`generated/`) and the generator's feature fixture
//! (`generated/tests/fixture/`, compiled as a test target of the generated crate so that the
//! fixture's output must build and pass clippy, like the real output).
//!
//! Without `--check`, writes the files that changed (and removes generated files the generator
//! no longer emits), then prints what changed and how long it took. With `--check`, writes
//! nothing and exits non-zero with a unified diff when anything is stale.

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use alipayhk_generator::{GENERATOR_VERSION, GeneratedFile, Stamp};

/// (spec, output folder), both relative to the repository root.
const TARGETS: [(&str, &str); 2] = [
    ("spec/alipayhk.yaml", "generated"),
    (
        "generator/tests/fixtures/features.yaml",
        "generated/tests/fixture",
    ),
];

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err("usage: cargo xtask codegen [--check]".to_string()),
    };
    let root = crate::project_root();
    let mut stale = false;
    let mut took = Duration::ZERO;
    let mut count = 0;
    for (spec, output) in TARGETS {
        let yaml =
            fs::read_to_string(root.join(spec)).map_err(|e| format!("cannot read {spec}: {e}"))?;
        let started = Instant::now();
        let files =
            alipayhk_generator::generate(&yaml, spec).map_err(|e| format!("{spec}: {e}"))?;
        took += started.elapsed();
        count += files.len();
        let out_dir = root.join(output);
        let changes = compare(&out_dir, &files)?;
        if check {
            stale |= report_check(output, &changes, &yaml);
        } else {
            write(&out_dir, output, &changes)?;
            if changes.is_empty() {
                println!("{output}/ is up to date ({} files)", files.len());
            }
        }
    }
    if check {
        if stale {
            eprintln!("run `cargo xtask codegen` and commit");
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

fn compare(out_dir: &Path, files: &[GeneratedFile]) -> Result<Vec<Change>, String> {
    let mut changes = Vec::new();
    for file in files {
        let old = fs::read_to_string(out_dir.join(&file.path)).ok();
        if old.as_deref() != Some(file.contents.as_str()) {
            changes.push(Change {
                path: file.path.clone(),
                old,
                new: Some(file.contents.clone()),
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
            .filter(|path| !files.iter().any(|f| &f.path == path))
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
