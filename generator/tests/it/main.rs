//! All generator integration tests, in one binary to keep link times down.

mod example_directions;
mod output;
mod snapshots;
mod spec_checks;

/// The real spec, as checked in.
pub fn real_spec() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/alipayhk.yaml");
    std::fs::read_to_string(path).expect("spec/alipayhk.yaml is readable")
}
