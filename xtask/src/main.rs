//! `cargo xtask <command>`: repository chores.
//!
//! - `codegen [--check] [--spec FILE --out DIR]`: regenerate `generated/` from `spec/`, or
//!   any spec into any folder (see `codegen.rs`).
//! - `bench codegen`: time codegen on synthetic specs next to openapi-generator (see
//!   `bench.rs`).
//! - `bench conformance`: time `alipayhk conformance` against the local simulator (see
//!   `bench_conformance.rs`).
//! - `bench corpus --corpus DIR`: the generator on a sample of the APIs-guru corpus (see
//!   `corpus.rs`).
//! - `spec-diff OLD [NEW]`: classify spec changes for client callers (see `spec_diff.rs`).
//! - `doc-drift PAGE.txt...`: compare documentation pages with the spec (see `doc_drift.rs`).

mod bench;
mod bench_conformance;
mod codegen;
mod corpus;
mod spec_tools;

use std::process::ExitCode;
pub use xtask::project_root;

// See xtask/Cargo.toml: allocation is most of what large-spec generation does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check] [--spec FILE --out DIR]
                         regenerate generated/ from spec/, or FILE into DIR
                         (--check: fail with a diff if stale)
  bench codegen [--sizes 5,50,250,1000] [--skip-openapi-generator] [--skip-cargo-check]
                         time codegen on synthetic specs (see xtask/src/bench.rs)
  bench conformance [--runs 3] [--release] [--generate 200]
                         time alipayhk conformance against the local simulator
  bench corpus --corpus DIR [--sample 120] [--stride 20] [--codegen-bin FILE] [--skip-compile]
                         transplant real-world schemas, generate, compile (see xtask/src/corpus.rs)
  spec-diff OLD [NEW]    classify spec changes for client callers (--format, --fail-on)
  doc-drift PAGE.txt...  compare documentation pages with the spec";

/// mimalloc's `mi_option_purge_delay`: how long freed memory waits before it is given back
/// to the OS (milliseconds; -1: never). Its number in mimalloc's stable `mi_option_t`, which
/// the Rust crate does not name.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

unsafe extern "C" {
    /// mimalloc's `void mi_option_set(mi_option_t option, long value)`, linked in by the
    /// `mimalloc` crate.
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

fn main() -> ExitCode {
    // Generation frees and allocates in waves (one token tree per piece, on every thread).
    // With mimalloc's default 10 ms delay, freed pages went back to the OS and were faulted
    // in again, zeroed, moments later: 9081 page faults at 1000 operations against 444 when
    // they are kept. A command lives for seconds, so it keeps them.
    // SAFETY: called before any other thread exists; the option is a plain integer.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(&args[1..]),
        Some("bench") if args.get(1).map(String::as_str) == Some("conformance") => {
            bench_conformance::run(&args[2..])
        }
        Some("bench") if args.get(1).is_some_and(|a| a == "corpus") => corpus::run(&args[2..]),
        Some("bench") => bench::run(&args[1..]),
        Some("spec-diff") => spec_tools::spec_diff(&args[1..]),
        Some("doc-drift") => spec_tools::doc_drift(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
