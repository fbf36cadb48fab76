//! Generator: spec -> validated IR -> Rust token streams and docs.
