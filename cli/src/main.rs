//! `alipayhk`: the one command a partner runs.
//!
//! Each command family lives in its own module and exposes an `Args` struct (clap derive)
//! and a `run` function; `main` only dispatches. Exit codes: 0 success, 1 a check failed
//! (e.g. a signature does not verify, or a call's documented `F`), 2 bad usage or
//! unreadable input, 3 a call's outcome is unknown.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod call_cmd;
mod conformance_cmd;
mod error;
mod keys_cmd;
mod outcome;
mod proxy_cmd;
mod record;
mod serve;
mod signature_cmd;

use error::CliError;
use outcome::Outcome;

/// What `alipayhk --version` prints: the toolkit's version, and the spec and generator its
/// API tables were generated from: `0.1.0 (spec 2024.05.0 sha256 9eda…, generator 0.1.0+r10)`.
fn long_version() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        format!(
            "{} (spec {} sha256 {}, generator {})",
            env!("CARGO_PKG_VERSION"),
            alipayhk_api::SPEC_VERSION,
            alipayhk_api::SPEC_SHA256,
            alipayhk_api::GENERATOR_VERSION
        )
    })
}

/// AlipayHK partner API toolkit.
#[derive(Debug, Parser)]
#[command(name = "alipayhk", version = long_version(), about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign a request body (stdin) and print the `Signature` header value.
    Sign(signature_cmd::SignArgs),
    /// Verify a `Signature` header over a body (stdin) and say what does not match.
    Verify(signature_cmd::VerifyArgs),
    /// Write a new RSA-2048 key pair in PEM.
    Keygen(keys_cmd::KeygenArgs),
    /// Run the AlipayHK simulator (signed API + admin API) with demo keys and data.
    Serve(serve::ServeArgs),
    /// Make one signed call (sign, send, verify) and print its outcome.
    Call(call_cmd::CallArgs),
    /// Relay a client's calls to an upstream unchanged and report every deviation from the spec.
    Proxy(proxy_cmd::ProxyArgs),
    /// Check that a server speaks the AlipayHK protocol as the spec says; writes reports.
    Conformance(conformance_cmd::ConformanceArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<Outcome, CliError> = match cli.command {
        Command::Sign(args) => signature_cmd::sign(args),
        Command::Verify(args) => signature_cmd::verify(args),
        Command::Keygen(args) => keys_cmd::keygen(args),
        Command::Serve(args) => serve::serve(args),
        Command::Conformance(args) => conformance_cmd::conformance(args),
        Command::Call(args) => call_cmd::call(args),
        Command::Proxy(args) => proxy_cmd::proxy(args),
    };
    match result {
        Ok(outcome) => outcome.exit_code(),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
