//! Tests of the generated crate (hand-written; `tests/` is not generator output).
//! One binary, to keep link times down. The generator's fixtures (`fixture.rs`, `names.rs`)
//! are binaries of their own: each mounts a generated crate at its root, where that crate's
//! code finds `crate::models`.

mod examples;
mod fidelity;
mod hostile;
mod http;
mod spec_table;
mod validation;
