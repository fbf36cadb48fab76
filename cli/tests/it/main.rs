//! Integration tests of the `alipayhk` binary, in one binary to keep link times down.
//!
//! - `commands`: sign, verify, keygen and `--version`, against the runtime's openssl vectors.
//! - `serve_kill`: `alipayhk serve`: the banner, SIGTERM, state across SIGKILL, bad config.
//! - `tls`: `alipayhk serve --tls` and the banner's `curl` line.
//! - `call`: `alipayhk call` against `alipayhk serve`, and its exit codes.
//! - `proxy`: `alipayhk proxy` between `alipayhk call` and `alipayhk serve`.
//! - `record`: `alipayhk proxy --record DIR`: the files, their redaction, the flags.
//! - `record_replay`: a recording through the proxy replayed by a second `alipayhk serve
//!   --replay`, to the generated client and Alipay's Python SDK.
//! - `conformance`: `alipayhk conformance` against `alipayhk serve`.
//! - `python_sdk`: Alipay's own Python SDK against `alipayhk serve` and the generated client.
//!
//! Tests that need a program beyond Rust and a POSIX system (curl, openssl, Alipay's Python
//! SDK) are `#[ignore = "needs …"]`: `cargo test` lists them as ignored; `cargo test --
//! --include-ignored` (what CI runs) runs them, and a missing program fails them.

mod call;
mod commands;
mod conformance;
mod proxy;
mod python_sdk;
mod record;
mod record_replay;
mod serve_kill;
mod support;
mod tls;
