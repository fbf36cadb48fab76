//! Tests of the generated crate (hand-written; `tests/` is not generator output).
//! One binary, to keep link times down.

mod examples;
mod fidelity;
mod hostile;
mod http;
mod spec_table;
mod validation;
