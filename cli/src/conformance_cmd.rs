//! `alipayhk conformance`: checks that a server speaks AlipayHK's protocol as the spec
//! says. The work is done by `alipayhk_conformance`; this file parses flags and prints.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use alipayhk_conformance::report::{self, summary};
use alipayhk_conformance::{AdminClient, Credentials, RunOptions, SpecTable, Target, run_suite};
use alipayhk_runtime::keys::{PrivateKey, PublicKey};
use clap::Args;

use crate::Outcome;
use crate::error::CliError;

/// Flags of `alipayhk conformance`.
#[derive(Args)]
pub struct ConformanceArgs {
    /// The server under test, e.g. http://127.0.0.1:8480 (operation paths are appended).
    #[arg(long, value_name = "URL")]
    base_url: String,
    /// The partner Client-Id the server knows.
    #[arg(long, value_name = "ID")]
    client_id: String,
    /// The partner's private key (PEM, DER or base64) that signs requests.
    #[arg(long, value_name = "FILE")]
    private_key: PathBuf,
    /// The server's public key that its responses must verify with.
    #[arg(long, value_name = "FILE")]
    server_public_key: PathBuf,
    /// The keyVersion the server registered for the private key.
    #[arg(long, value_name = "N", default_value_t = 1)]
    key_version: u32,
    /// The server's admin API (the simulator's), to force every documented result code;
    /// without it those cases are skipped.
    #[arg(long, value_name = "URL", requires = "admin_token")]
    admin_url: Option<String>,
    /// Bearer token of the admin API.
    #[arg(long, value_name = "TOKEN", requires = "admin_url")]
    admin_token: Option<String>,
    /// Run only the cases whose id (e.g. issueAPoint/missing_signature) contains PATTERN.
    #[arg(long, value_name = "PATTERN")]
    only: Option<String>,
    /// Where to write junit.xml and report.html.
    #[arg(long, value_name = "DIR", default_value = "conformance-report")]
    report_dir: PathBuf,
    /// How far a response's Response-Time may be from this machine's clock, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    response_time_window_seconds: u64,
}

// Hand-written so the admin token never reaches logs or panic messages.
impl std::fmt::Debug for ConformanceArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConformanceArgs")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("private_key", &self.private_key)
            .field("server_public_key", &self.server_public_key)
            .field("key_version", &self.key_version)
            .field("admin_url", &self.admin_url)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .field("only", &self.only)
            .field("report_dir", &self.report_dir)
            .field(
                "response_time_window_seconds",
                &self.response_time_window_seconds,
            )
            .finish()
    }
}

/// `alipayhk conformance`: exit code 1 when any case fails.
pub fn conformance(args: ConformanceArgs) -> Result<Outcome, CliError> {
    let credentials = Credentials {
        client_id: args.client_id,
        private_key: PrivateKey::from_file(&args.private_key)?,
        key_version: Some(args.key_version),
        server_public_key: PublicKey::from_file(&args.server_public_key)?,
    };
    let admin = match (&args.admin_url, &args.admin_token) {
        (Some(url), Some(token)) => {
            Some(AdminClient::new(url, token).map_err(|e| CliError::Refused(e.to_string()))?)
        }
        _ => None,
    };
    let target = Target {
        base_url: args.base_url,
        credentials,
        admin,
    };
    // A fresh idempotency suffix per run, so a server that keeps state does not answer
    // this run's cases with the replayed results of an earlier run.
    let run_id = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let options = RunOptions {
        only: args.only,
        idempotency_suffix: format!("-{run_id}"),
        response_time_window: std::time::Duration::from_secs(args.response_time_window_seconds),
        ..RunOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io("start the async runtime", e))?;
    let table = SpecTable::from_generated();
    let outcome = runtime
        .block_on(run_suite(&target, &table, &options, |o| {
            eprintln!("{}", o.summary_line())
        }))
        .map_err(|e| CliError::Refused(e.to_string()))?;
    print!("\n{}", summary::render(&outcome));
    let files = report::write_reports(&outcome, &args.report_dir)
        .map_err(|e| CliError::Refused(e.to_string()))?;
    println!(
        "JUnit: {}\nHTML:  {}",
        files.junit.display(),
        files.html.display()
    );
    Ok(if outcome.has_failures() {
        Outcome::CheckFailed
    } else {
        Outcome::Success
    })
}
