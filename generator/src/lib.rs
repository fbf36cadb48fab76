//! Generator: spec text in, file contents out.
//!
//! [`generate`] (or [`generate_crate`], which adds `Cargo.toml` and `README.md`) runs every
//! stage and returns the files; only `xtask` touches the file system. The stages, each a pure
//! function in a module of its own, run in this order:
//!
//! - `load`: YAML or JSON -> `openapiv3::OpenAPI` and its JSON tree ([`load`]);
//! - `normalize`: schemas rewritten into one kind of keyword each (on the tree);
//! - `validate`: references, headers, bodies, result codes -> a [`ValidatedSpec`]
//!   ([`validate`]);
//! - `lower`: the validated spec -> the IR ([`Api`], in `ir`), every example checked
//!   against it by `examples` with the constraint `rules` the emitted `validate()` uses
//!   ([`lower`]; [`parse`] runs the stages so far);
//! - `emit`: the IR -> Rust, as pieces of `quote` token streams that `emit::print` lays out
//!   on the machine's threads ([`rust_pieces`], [`rust_files`]); `docs`: the API reference
//!   (`askama`); `package`: what makes the output a crate of its own;
//! - `output`: the files and the stamp each records ([`Stamp`]).
//!
//! Helpers: `naming` (Rust names for any JSON name), `markdown` (escaping for rustdoc and
//! API.md), `resolve` and `all_of` (reading references and `allOf` parts), `extensions` (the
//! spec's `x-` keys), `error` (problems with their JSON pointers). `generate` joins the
//! stages.
//!
//! Output is deterministic: spec order throughout, no hash-map iteration, no timestamps.

mod all_of;
mod docs;
mod emit;
mod error;
mod examples;
mod extensions;
mod generate;
mod ir;
mod load;
mod lower;
mod markdown;
mod naming;
mod normalize;
mod output;
mod package;
mod resolve;
mod rules;
mod validate;

pub use emit::print::unescape;
pub use emit::{Piece, piece, rust_files};
pub use error::{SpecError, SpecErrors};
pub use generate::{
    GenerateError, generate, generate_crate, generate_with_warnings, parse, rust_pieces,
};
pub use ir::{Api, TypeRef};
pub use load::{LoadedSpec, Origin, load, load_from, yaml_options};
pub use lower::lower;
pub use output::{GENERATOR_VERSION, GeneratedFile, Stamp, spec_sha256};
pub use package::{BadCrateName, CrateOptions, RUNTIME_VERSION, check_crate_name};
pub use rules::{READ_ONLY_IN_REQUEST, WRITE_ONLY_IN_RESPONSE};
pub use validate::{SIGNING_HEADERS, ValidatedSpec, validate};
