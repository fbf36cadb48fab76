//! The `spec-diff` and `doc-drift` commands: argument parsing and exit codes.

use std::process::ExitCode;
use xtask::doc_drift;
use xtask::spec_diff::{self, Format, Severity};
use xtask::spec_facts::SpecFacts;
use xtask::{doc_page, project_root, spec_source};

/// `cargo xtask spec-diff`.
#[derive(Debug, clap::Args)]
pub struct SpecDiffArgs {
    /// The old spec: a file, a git revision (its spec/alipayhk.yaml) or REV:path
    old: String,
    /// The new spec, as OLD (default: the working tree's spec/alipayhk.yaml)
    new: Option<String>,
    /// text, markdown or json
    #[arg(long, default_value = "text", value_parser = |s: &str| s.parse::<Format>())]
    format: Format,
    /// Exit non-zero on a change of this severity or worse
    #[arg(long, value_name = "SEVERITY", default_value = "never",
          value_parser = ["breaking", "potentially-breaking", "never"])]
    fail_on: String,
}

pub fn spec_diff(args: &SpecDiffArgs) -> Result<ExitCode, String> {
    let fail_on = match args.fail_on.as_str() {
        "breaking" => Some(Severity::Breaking),
        "potentially-breaking" => Some(Severity::PotentiallyBreaking),
        _ => None,
    };
    let format = args.format;
    let root = project_root()?;
    let old = args.old.clone();
    let new = match &args.new {
        Some(new) => new.clone(),
        None => root.join(spec_source::SPEC_PATH).display().to_string(),
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

/// `cargo xtask doc-drift`.
#[derive(Debug, clap::Args)]
pub struct DocDriftArgs {
    /// Documentation pages saved as text
    #[arg(required = true, value_name = "PAGE.txt")]
    pages: Vec<String>,
    /// The spec to compare with (default: the checkout's spec/alipayhk.yaml)
    #[arg(long, value_name = "FILE")]
    spec: Option<std::path::PathBuf>,
    /// Print the facts read from each page, as JSON
    #[arg(long)]
    show_extracted: bool,
}

pub fn doc_drift(args: &DocDriftArgs) -> Result<ExitCode, String> {
    let spec_path = match &args.spec {
        Some(spec) => spec.clone(),
        None => project_root()?.join(spec_source::SPEC_PATH),
    };
    let (pages, show_extracted) = (&args.pages, args.show_extracted);
    let spec_text = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let spec = SpecFacts::from_yaml(&spec_text, &spec_path.display().to_string())
        .map_err(|e| e.to_string())?;
    let mut reports = Vec::new();
    for page in pages {
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
