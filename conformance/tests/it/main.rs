//! The conformance crate's integration tests (one binary, see STYLE.md).

mod derive;
mod doubles;
mod fakes;
mod recording;
mod reports;
mod simulator;
mod support;
