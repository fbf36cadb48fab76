//! The `spec-diff` and `doc-drift` commands: argument parsing and exit codes.

use std::process::ExitCode;
use xtask::doc_drift;
use xtask::spec_diff::{self, Format, Severity};
use xtask::spec_facts::SpecFacts;
use xtask::{doc_page, project_root, spec_source};

const SPEC_DIFF_USAGE: &str = "usage: cargo xtask spec-diff OLD [NEW] [--format text|markdown|json] [--fail-on breaking|potentially-breaking|never]
  OLD, NEW: a spec file, a git revision (its spec/alipayhk.yaml) or REV:path; NEW defaults to the working tree";

pub fn spec_diff(args: &[String]) -> Result<ExitCode, String> {
    let mut sources = Vec::new();
    let mut format = Format::Text;
    let mut fail_on: Option<Severity> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--format" => {
                let value = args.next().ok_or("--format needs a value")?;
                format = value.parse()?;
            }
            "--fail-on" => {
                fail_on = match args.next().map(String::as_str) {
                    Some("breaking") => Some(Severity::Breaking),
                    Some("potentially-breaking") => Some(Severity::PotentiallyBreaking),
                    Some("never") => None,
                    other => {
                        return Err(format!(
                            "--fail-on takes breaking, potentially-breaking or never, not {other:?}"
                        ));
                    }
                }
            }
            "-h" | "--help" => {
                println!("{SPEC_DIFF_USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            flag if flag.starts_with("--") => {
                return Err(format!("unknown flag {flag}\n{SPEC_DIFF_USAGE}"));
            }
            source => sources.push(source.to_string()),
        }
    }
    let root = project_root();
    let (old, new) = match sources.as_slice() {
        [old] => (
            old.clone(),
            root.join(spec_source::SPEC_PATH).display().to_string(),
        ),
        [old, new] => (old.clone(), new.clone()),
        _ => return Err(SPEC_DIFF_USAGE.to_string()),
    };
    let load = |source: &str| -> Result<SpecFacts, String> {
        let text = spec_source::read(source, &root)?;
        SpecFacts::from_yaml(&text, source).map_err(|e| format!("{source}: {e}"))
    };
    let changes = spec_diff::diff(&load(&old)?, &load(&new)?);
    print!("{}", spec_diff::render(&changes, &old, &new, format));
    let failed = fail_on.is_some_and(|threshold| changes.iter().any(|c| c.severity <= threshold));
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn doc_drift(args: &[String]) -> Result<ExitCode, String> {
    let mut spec_path = project_root().join(spec_source::SPEC_PATH);
    let mut pages = Vec::new();
    let mut show_extracted = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--spec" => spec_path = args.next().ok_or("--spec needs a file")?.into(),
            "--show-extracted" => show_extracted = true,
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            page => pages.push(page.to_string()),
        }
    }
    if pages.is_empty() {
        return Err(
            "usage: cargo xtask doc-drift [--spec FILE] [--show-extracted] PAGE.txt...".to_string(),
        );
    }
    let spec_text = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let spec = SpecFacts::from_yaml(&spec_text, &spec_path.display().to_string())
        .map_err(|e| e.to_string())?;
    let mut reports = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).map_err(|e| format!("cannot read {page}: {e}"))?;
        let facts = doc_page::parse(&text);
        if show_extracted {
            let json = serde_json::to_string_pretty(&facts).map_err(|e| e.to_string())?;
            println!("{page}: extracted\n{json}");
        }
        reports.push(doc_drift::check(page, &facts, &spec));
    }
    print!("{}", doc_drift::render_text(&reports));
    let drift = reports.iter().any(|r| !r.drift.is_empty());
    Ok(if drift {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
