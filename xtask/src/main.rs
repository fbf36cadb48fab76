//! `cargo xtask <command>`: repository chores.
//!
//! - `codegen [--check]`: regenerate `generated/` from `spec/` (see `codegen.rs`).
//! - `spec-diff OLD [NEW]`: classify spec changes for client callers (see `spec_diff.rs`).
//! - `doc-drift PAGE.txt...`: compare documentation pages with the spec (see `doc_drift.rs`).

mod codegen;
mod spec_tools;

use std::process::ExitCode;
pub use xtask::project_root;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check]      regenerate generated/ from spec/ (--check: fail with a diff if stale)
  spec-diff OLD [NEW]    classify spec changes for client callers (--format, --fail-on)
  doc-drift PAGE.txt...  compare documentation pages with the spec";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(&args[1..]),
        Some("spec-diff") => spec_tools::spec_diff(&args[1..]),
        Some("doc-drift") => spec_tools::doc_drift(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
