//! Library half of `cargo xtask`: the spec-evolution tools, testable without a process.
//!
//! - [`spec_facts`]: a spec flattened into comparable facts (operations, headers, fields,
//!   result codes, assumptions).
//! - [`spec_diff`]: classify changes between two specs for client callers.
//! - [`doc_page`]: read an AlipayHK documentation page saved as text.
//! - [`doc_drift`]: compare pages with the spec.

pub mod doc_drift;
pub mod doc_page;
mod pattern_order;
pub mod spec_diff;
pub mod spec_facts;
pub mod spec_source;

use std::path::{Path, PathBuf};

/// The repository root: the cargo workspace around the current directory.
///
/// Found when a command runs, never baked in at build time: two checkouts that share one
/// `CARGO_TARGET_DIR` share the xtask binary (cargo reuses its artifact), and each must
/// work on its own spec and `generated/`. `cargo xtask` runs in the directory it was typed
/// in, and `cargo test` runs xtask's tests in `xtask/`: both are inside the checkout.
pub fn project_root() -> Result<PathBuf, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    root_above(&cwd).ok_or_else(|| {
        format!(
            "{} is not inside this repository (no Cargo.toml with [workspace] beside an \
             xtask/ folder above it): run cargo xtask from a checkout",
            cwd.display()
        )
    })
}

/// The nearest folder at or above `dir` that is this repository's workspace root.
pub fn root_above(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|d| is_root(d)).map(Path::to_path_buf)
}

fn is_root(dir: &Path) -> bool {
    dir.join("xtask/Cargo.toml").is_file()
        && std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
}
