//! `alipayhk conformance`: checks that a server speaks AlipayHK's protocol as the spec
//! says. The work is done by `alipayhk_conformance`; this file parses flags and prints.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use alipayhk_conformance::recorded::{Recording, load_recording};
use alipayhk_conformance::report::{self, summary};
use alipayhk_conformance::{
    AdminClient, Credentials, RecordingOptions, RunOptions, SpecTable, Target, TestUser,
    recorded_cases, run_cases, run_suite,
};
use alipayhk_recording::read_secrets;
use alipayhk_runtime::keys::{PrivateKey, PublicKey};
use clap::Args;

use crate::error::CliError;
use crate::outcome::Outcome;

/// Flags of `alipayhk conformance`.
#[derive(Args)]
pub struct ConformanceArgs {
    /// The server under test, e.g. http://127.0.0.1:8480 (operation paths are appended).
    #[arg(long, value_name = "URL", required_unless_present = "list")]
    base_url: Option<String>,
    /// The partner Client-Id the server knows.
    #[arg(long, value_name = "ID", required_unless_present = "list")]
    client_id: Option<String>,
    /// The partner's private key (PEM, DER or base64) that signs requests.
    #[arg(long, value_name = "FILE", required_unless_present = "list")]
    private_key: Option<PathBuf>,
    /// The server's public key that its responses must verify with.
    #[arg(long, value_name = "FILE", required_unless_present = "list")]
    server_public_key: Option<PathBuf>,
    /// A JSON object of request bodies by operationId (real tokens, user ids, template
    /// codes) sent instead of the spec's examples, for a server without an admin API.
    #[arg(long, value_name = "FILE")]
    requests: Option<PathBuf>,
    /// Print the cases (id, what they send, what they expect) and exit without sending.
    #[arg(long)]
    list: bool,
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
    /// An access token of a test user the server knows: enables the business-rule
    /// sequences (with --test-user-id). Points move: the run issues and redeems 1 point.
    #[arg(long, value_name = "TOKEN")]
    test_user_token: Option<String>,
    /// The AlipayHK user id (2160...) of the test user.
    #[arg(long, value_name = "ID")]
    test_user_id: Option<String>,
    /// Run only the cases that prove the pages' facts: leave out every case resting on an
    /// x-assumption of the spec.
    #[arg(long)]
    facts_only: bool,
    /// Also send N valid requests per operation built from the schemas, and N mutants of
    /// them breaking one rule each (signed; fresh idempotency keys).
    #[arg(long, value_name = "N")]
    generate: Option<u32>,
    /// The seed of --generate (printed; the same seed sends the same requests).
    #[arg(long, value_name = "SEED")]
    seed: Option<u64>,
    /// Diff the server against a recording (`alipayhk proxy --record DIR`): every recorded
    /// request is re-signed and sent (fresh bizNo), and the answer compared with the
    /// recorded one, instead of the spec's cases.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["list", "generate", "requests", "facts_only", "test_user_token"])]
    recording: Option<PathBuf>,
    /// The `placeholder<TAB>value` lines `alipayhk proxy --record-secrets` wrote: restores
    /// the secrets (access tokens) the recording holds as placeholders.
    #[arg(long, value_name = "FILE", requires = "recording")]
    recording_secrets: Option<PathBuf>,
    /// An answer property (at any depth) not compared with the recording, e.g. a field
    /// your server fills differently on purpose. Repeatable.
    #[arg(long, value_name = "NAME", requires = "recording")]
    ignore_field: Vec<String>,
    /// Send recorded encrypted requests plain (for a server that does not decrypt).
    #[arg(long, requires = "recording")]
    send_plain: bool,
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
            .field("requests", &self.requests)
            .field("list", &self.list)
            .field(
                "response_time_window_seconds",
                &self.response_time_window_seconds,
            )
            .field(
                "test_user_token",
                &self.test_user_token.as_ref().map(|_| "<redacted>"),
            )
            .field("test_user_id", &self.test_user_id)
            .field("facts_only", &self.facts_only)
            .field("generate", &self.generate)
            .field("seed", &self.seed)
            .field("recording", &self.recording)
            .field("recording_secrets", &self.recording_secrets)
            .field("ignore_field", &self.ignore_field)
            .field("send_plain", &self.send_plain)
            .finish()
    }
}

/// `alipayhk conformance`: exit code 1 when any case fails.
pub fn conformance(args: ConformanceArgs) -> Result<Outcome, CliError> {
    let table = SpecTable::from_generated();
    if args.list {
        return list(
            &table,
            args.only.as_deref(),
            args.admin_url.is_some(),
            args.facts_only,
        );
    }
    // A recording is read (and refused) before anything is sent.
    let recorded = match &args.recording {
        Some(dir) => Some(read_recording(
            dir,
            args.recording_secrets.as_deref(),
            &args.ignore_field,
            args.send_plain,
        )?),
        None => None,
    };
    let requests = match &args.requests {
        Some(path) => read_requests(path)?,
        None => Default::default(),
    };
    let (Some(base_url), Some(client_id), Some(private_key), Some(server_public_key)) = (
        args.base_url,
        args.client_id,
        args.private_key,
        args.server_public_key,
    ) else {
        return Err(CliError::Refused(
            "--base-url, --client-id, --private-key and --server-public-key are required (or --list)".into(),
        ));
    };
    let call_flags = format!(
        "--base-url {} --client-id {} --private-key {} --alipay-public-key {} --key-version {}",
        shell_word(&base_url),
        shell_word(&client_id),
        shell_word(&private_key.display().to_string()),
        shell_word(&server_public_key.display().to_string()),
        args.key_version
    );
    let credentials = Credentials {
        client_id,
        private_key: PrivateKey::from_file(&private_key)?,
        key_version: Some(args.key_version),
        server_public_key: PublicKey::from_file(&server_public_key)?,
    };
    let admin = match (&args.admin_url, &args.admin_token) {
        (Some(url), Some(token)) => {
            Some(AdminClient::new(url, token).map_err(|e| CliError::Refused(e.to_string()))?)
        }
        _ => None,
    };
    let target = Target {
        base_url,
        credentials,
        admin,
    };
    // A fresh idempotency suffix per run, so a server that keeps state does not answer
    // this run's cases with the replayed results of an earlier run.
    let run_id = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default();
    let options = RunOptions {
        only: args.only,
        idempotency_suffix: format!("-{run_id}"),
        response_time_window: std::time::Duration::from_secs(args.response_time_window_seconds),
        requests,
        test_user: TestUser {
            access_token: args.test_user_token,
            user_id: args.test_user_id,
        },
        facts_only: args.facts_only,
        call_flags,
        generate: args.generate.map(|count| alipayhk_conformance::Generate {
            count,
            seed: args.seed.unwrap_or(run_id),
        }),
        ..RunOptions::default()
    };
    if let Some(generate) = &options.generate {
        println!(
            "--generate {} --seed {} (repeat this run with the same seed)",
            generate.count, generate.seed
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io("start the async runtime", e))?;
    let progress = |o: &alipayhk_conformance::CaseOutcome| eprintln!("{}", o.summary_line());
    let outcome = match recorded {
        Some((dir, recording, recording_options)) => {
            println!(
                "diffing {} against the recording {} ({} exchanges)",
                target.base_url,
                dir.display(),
                recording.exchanges.len()
            );
            let cases = recorded_cases(
                &recording,
                &table,
                &recording_options,
                &options.idempotency_suffix,
            );
            runtime.block_on(run_cases(&target, &table, &options, cases, progress))
        }
        None => runtime.block_on(run_suite(&target, &table, &options, progress)),
    }
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

/// `--recording DIR` and its flags: the loaded recording and how to turn it into cases.
fn read_recording(
    dir: &std::path::Path,
    secrets: Option<&std::path::Path>,
    ignore_fields: &[String],
    send_plain: bool,
) -> Result<(PathBuf, Recording, RecordingOptions), CliError> {
    let recording = load_recording(dir).map_err(CliError::Refused)?;
    let secrets = match secrets {
        Some(path) => read_secrets(path).map_err(CliError::Refused)?,
        None => Default::default(),
    };
    let options = RecordingOptions {
        secrets,
        ignore_fields: ignore_fields.iter().cloned().collect(),
        encrypt: !send_plain,
    };
    Ok((dir.to_path_buf(), recording, options))
}

/// `word`, single-quoted for a POSIX shell when it holds anything but plain characters.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@=+,".contains(c))
    {
        word.to_owned()
    } else {
        alipayhk_conformance::exchange::shell_quote(word)
    }
}

/// `--list`: every case, what it sends and what it expects, without sending anything.
fn list(
    table: &SpecTable,
    only: Option<&str>,
    admin: bool,
    facts_only: bool,
) -> Result<Outcome, CliError> {
    let cases: Vec<_> = alipayhk_conformance::derive_cases(table)
        .into_iter()
        .filter(|c| only.is_none_or(|p| c.id().contains(p)))
        .filter(|c| !(facts_only && c.assumption.is_some()))
        .collect();
    if cases.is_empty() {
        return Err(CliError::Refused(format!(
            "--only {:?} matches no case; case ids look like issueAPoint/missing_signature",
            only.unwrap_or_default()
        )));
    }
    let width = cases.iter().map(|c| c.id().len()).max().unwrap_or(0);
    for case in &cases {
        let expects = match &case.skip {
            Some(reason) => format!("skipped: {reason}"),
            None => format!(
                "expects {} ({})",
                case.expect.result_code,
                case.expect.result_status.as_str()
            ),
        };
        let note = if case.needs_admin() && !admin {
            "  [needs --admin-url]"
        } else if matches!(case.kind, alipayhk_conformance::CaseKind::Business(_)) {
            "  [needs --test-user-token and --test-user-id, or --admin-url]"
        } else if case.assumption.is_some() {
            "  [assumption]"
        } else {
            ""
        };
        println!("{:width$}  {expects}{note}", case.id());
    }
    println!("{} cases", cases.len());
    Ok(Outcome::Success)
}

/// `--requests FILE`: `{"<operationId>": {<request body>}, ...}`; every key must be an
/// operation and every body must pass the spec's validation (nothing is sent otherwise).
fn read_requests(
    path: &std::path::Path,
) -> Result<std::collections::BTreeMap<String, serde_json::Value>, CliError> {
    let text = std::fs::read(path)
        .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
    let bodies: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&text)
        .map_err(|e| {
            CliError::Refused(format!(
                "{}: {e}; write a JSON object of request bodies by operationId",
                path.display()
            ))
        })?;
    let mut requests = std::collections::BTreeMap::new();
    for (name, body) in bodies {
        let operation: alipayhk_api::OperationId = name
            .parse()
            .map_err(|e| CliError::Refused(format!("{}: {e}", path.display())))?;
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        if let Err(problem) = (operation.info().check_request)(&bytes) {
            return Err(CliError::Refused(format!(
                "{}: the {name} body breaks the spec: {problem}",
                path.display()
            )));
        }
        requests.insert(operation.as_str().to_string(), body);
    }
    Ok(requests)
}
