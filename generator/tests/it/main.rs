//! All generator integration tests, in one binary to keep link times down.

mod example_directions;
mod output;
mod snapshots;
mod spec_checks;

/// The real spec, as checked in.
pub fn real_spec() -> String {
    read("../spec/alipayhk.yaml")
}

/// This crate's folder, from the test process's `CARGO_MANIFEST_DIR` (set by `cargo test`),
/// not the compile-time one: a test binary built in another checkout that shares this
/// `CARGO_TARGET_DIR` must read this checkout's files.
pub fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .expect("run by cargo test")
        .into()
}

/// A file of this checkout, by its path relative to `generator/`.
pub fn read(relative: &str) -> String {
    let path = manifest_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
