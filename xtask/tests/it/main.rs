//! Tests of the spec-evolution tools (one binary to keep link times down).

mod doc_drift;
mod project_root;
mod spec_diff;
mod standalone_crate;

use std::path::PathBuf;

/// A file of `xtask/tests/fixtures/`. Found through the test process's `CARGO_MANIFEST_DIR`
/// (set by `cargo test`), not the compile-time one: a test binary built in another
/// checkout that shares this `CARGO_TARGET_DIR` must read this checkout's files.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo test"))
        .join("tests/fixtures")
        .join(name)
}

pub fn read_fixture(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture exists")
}
