//! Does a server speak AlipayHK's protocol exactly as `spec/alipayhk.yaml` says?
//!
//! The suite derives its cases from the spec table ([`derive`](mod@derive)): for every operation the
//! success path, every documented result code (forced through the server's admin API),
//! every protocol defect the gateway must refuse (each expecting the common code whose
//! `reason` names that defect), an encrypted round trip, and idempotent and inconsistent
//! replays where the operation has an idempotency key. Every response then goes through
//! the same [`checks`]: HTTP status, `Response-Time` (ISO-8601, and within
//! [`RunOptions::response_time_window`] of the suite's clock), a `Signature` that verifies,
//! `Client-Id` echoed (equal to the one sent), `Tracer-Id`, the body against the response schema, and a
//! documented result code with its documented status.
//!
//! ```no_run
//! # async fn example(target: alipayhk_conformance::Target, table: alipayhk_conformance::SpecTable<'_>)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! use alipayhk_conformance::{RunOptions, report, run_suite};
//! let outcome = run_suite(&target, &table, &RunOptions::default(), |o| eprintln!("{}", o.summary_line())).await?;
//! print!("{}", report::summary::render(&outcome));
//! report::write_reports(&outcome, std::path::Path::new("target/conformance"))?;
//! # Ok(()) }
//! ```
//!
//! | module | what it does |
//! |---|---|
//! | [`spec`] | the suite's view of the spec: the generated tables (operations, result codes, common codes), read directly |
//! | [`case`] | a case: operation, name, what it sends, what must come back |
//! | [`derive`](mod@derive) | cases from the spec table |
//! | [`schema_walk`] | the request rules table: paths, valid values, a seeded generator |
//! | [`invalid`] | requests that break one rule each |
//! | [`business`] | business-rule sequences with a test user |
//! | [`recorded`] | cases from a recording (`--recording DIR`): re-sent and compared |
//! | [`shrink`] | smaller versions of a failing generated request |
//! | [`wire`] | builds and sends requests, correct or deliberately broken |
//! | [`checks`] | the checks every response must pass |
//! | [`admin`] | the server's admin API, to force result codes |
//! | [`exchange`] | a recorded request/response, rendered (optionally redacted) |
//! | [`runner`] | runs cases against a server |
//! | [`report`] | summary table, JUnit XML, HTML |

#![warn(missing_docs)]

pub mod admin;
pub mod business;
pub mod case;
pub mod checks;
pub mod derive;
pub mod exchange;
pub mod invalid;
pub mod recorded;
pub mod report;
pub mod runner;
pub mod schema_walk;
pub mod shrink;
pub mod spec;
pub mod wire;

pub use admin::AdminClient;
pub use business::TestUser;
pub use case::{Case, CaseKind, Expectation};
pub use derive::derive_cases;
pub use recorded::{RecordingOptions, recorded_cases};
pub use runner::{
    CaseOutcome, Generate, RunError, RunOptions, SuiteOutcome, Target, Verdict, run_cases,
    run_suite,
};
pub use spec::SpecTable;
pub use wire::Credentials;
