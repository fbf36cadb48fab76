//! Generator: spec -> validated IR -> Rust token streams and docs.
//!
//! Stages, each a pure function: [`load::load`] (YAML -> `openapiv3::OpenAPI`),
//! [`validate::check`] (references, examples, headers, result codes), [`build::build`]
//! (-> [`ir::Api`]), then the emitters in [`emit`] and [`docs`]. Only `xtask` touches the file
//! system.

pub mod build;
pub mod error;
pub mod extensions;
pub mod ir;
pub mod load;
pub mod naming;
pub mod resolve;
pub mod validate;

pub use error::{SpecError, SpecErrors};

/// Loads, checks and builds the IR of a spec.
pub fn parse(yaml: &str) -> Result<ir::Api, SpecErrors> {
    let spec = load::load(yaml)?;
    validate::check(&spec)?;
    build::build(&spec)
}
