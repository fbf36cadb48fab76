//! `cargo xtask <command>`: repository chores. The commands are declared once, with clap
//! (`cargo xtask help`, `cargo xtask <command> --help`):
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

use clap::{Parser, Subcommand};
pub use xtask::project_root;

// See xtask/Cargo.toml: allocation is most of what large-spec generation does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Repository chores. Run from anywhere inside a checkout: the repository is the cargo
/// workspace around the current directory.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Regenerate generated/ from spec/, or any spec into a crate of its own
    Codegen(codegen::Args),
    /// Benchmarks: numbers as ratios within one run on this machine (never run in CI)
    #[command(subcommand)]
    Bench(Bench),
    /// Classify spec changes for client callers
    SpecDiff(spec_tools::SpecDiffArgs),
    /// Compare documentation pages (saved as text) with the spec
    DocDrift(spec_tools::DocDriftArgs),
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Time codegen on synthetic specs next to openapi-generator
    Codegen(bench::Args),
    /// Time `alipayhk conformance` against the local simulator
    Conformance(bench_conformance::Args),
    /// The generator on a sample of the APIs-guru corpus
    Corpus(corpus::Args),
}

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
    let result = match Cli::parse().command {
        Command::Codegen(args) => codegen::run(&args),
        Command::Bench(Bench::Codegen(args)) => bench::run(&args),
        Command::Bench(Bench::Conformance(args)) => bench_conformance::run(&args),
        Command::Bench(Bench::Corpus(args)) => corpus::run(&args),
        Command::SpecDiff(args) => spec_tools::spec_diff(&args),
        Command::DocDrift(args) => spec_tools::doc_drift(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
