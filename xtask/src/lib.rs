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

use std::path::PathBuf;

/// The repository root (xtask lives one level below it).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}
