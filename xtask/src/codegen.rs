//! `cargo xtask codegen [--check]`: regenerate `generated/` from `spec/alipayhk.yaml`.
//!
//! Without `--check`, writes the files that changed (and removes generated files the generator
//! no longer emits), then prints what changed and how long it took. With `--check`, writes
//! nothing and exits non-zero with a unified diff when `generated/` is stale.

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use alipayhk_generator::{GENERATOR_VERSION, GeneratedFile, Stamp};

const SPEC: &str = "spec/alipayhk.yaml";
const OUTPUT: &str = "generated";

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err("usage: cargo xtask codegen [--check]".to_string()),
    };
    let root = crate::project_root();
    let yaml =
        fs::read_to_string(root.join(SPEC)).map_err(|e| format!("cannot read {SPEC}: {e}"))?;
    let started = Instant::now();
    let files = alipayhk_generator::generate(&yaml, SPEC).map_err(|e| format!("{SPEC}: {e}"))?;
    let took = started.elapsed();
    let out_dir = root.join(OUTPUT);
    let changes = compare(&out_dir, &files)?;
    if check {
        return Ok(report_check(&changes, &yaml));
    }
    for change in &changes {
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
        println!("{verb} {OUTPUT}/{}", change.path);
    }
    if changes.is_empty() {
        println!("{OUTPUT}/ is up to date ({} files)", files.len());
    }
    println!(
        "generated {} files from {SPEC} in {:.1} ms",
        files.len(),
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
    let entries = fs::read_dir(&src).map_err(|e| format!("cannot list {}: {e}", src.display()))?;
    let mut stale: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .map(|name| format!("src/{name}"))
        .filter(|path| !files.iter().any(|f| &f.path == path))
        .filter(|path| {
            fs::read_to_string(out_dir.join(path))
                .is_ok_and(|text| text.starts_with("// @generated"))
        })
        .collect();
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

fn report_check(changes: &[Change], yaml: &str) -> ExitCode {
    if changes.is_empty() {
        println!("{OUTPUT}/ is up to date");
        return ExitCode::SUCCESS;
    }
    for change in changes {
        let old = change.old.as_deref().unwrap_or("");
        let new = change.new.as_deref().unwrap_or("");
        let name = format!("{OUTPUT}/{}", change.path);
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
        Some(s) if s.spec_sha256 != spec_sha => format!("the spec changed (sha256 {} -> {})", short(&s.spec_sha256), short(&spec_sha)),
        Some(s) if s.generator_version != GENERATOR_VERSION => {
            format!("the generator changed (version {} -> {GENERATOR_VERSION})", s.generator_version)
        }
        Some(_) => "same spec and generator version: the generator's code changed without a version bump, or a generated file was edited by hand".to_string(),
    };
    eprintln!(
        "error: {OUTPUT}/ is stale ({} file(s) differ): {why}",
        changes.len()
    );
    eprintln!("run `cargo xtask codegen` and commit");
    ExitCode::FAILURE
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
