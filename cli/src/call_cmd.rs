//! `alipayhk call OPERATION`: one signed call by hand.
//!
//! The body comes from `--data JSON`, `--data @FILE` or stdin; the settings from
//! `--config client-config.toml` (the file `alipayhk serve` writes) or the `ALIPAYHK_*`
//! environment, each overridden by flags. The body is checked against the spec before
//! anything is sent (unless `--no-validate`); then the call is signed (and encrypted),
//! sent once, verified, and its outcome printed: the verified answer on stdout, the
//! outcome and the Tracer-Id on stderr. Exit codes: 0 `S`, 1 a documented `F`, 3 outcome
//! unknown, 2 usage or local errors (nothing was sent).

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alipayhk_api::OperationId;
use alipayhk_api::spec::{BodyProblem, OperationInfo};
use alipayhk_conformance::spec::documented_code;
use alipayhk_runtime::ResultStatus;
use alipayhk_runtime::client::{ClientConfig, ClientSettings, Transport};
use alipayhk_runtime::encryption;
use alipayhk_runtime::headers::{
    CLIENT_ID, CONTENT_TYPE, ENCRYPT, ENCRYPTED_CONTENT_TYPE, JSON_CONTENT_TYPE, REQUEST_TIME,
    SIGNATURE,
};
use alipayhk_runtime::outcome::{UnknownOutcome, read_result};
use alipayhk_runtime::signature::{self, SignFuture, SignedContent, Signer};
use alipayhk_runtime::time::now_header_value;
use clap::Args;

use crate::error::CliError;
use crate::outcome::Outcome;

/// Flags of `alipayhk call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The operation: its operationId (inquireAPoint, issueAPoint, redeemAPoint,
    /// queryTemplate, updateMembershipCard) or its path.
    #[arg(value_name = "OPERATION")]
    operation: String,
    /// The request body: JSON text, or @FILE; read from stdin when absent.
    #[arg(long, short = 'd', value_name = "JSON|@FILE")]
    data: Option<String>,
    /// Client settings file (the client-config.toml `alipayhk serve` writes); without it
    /// the ALIPAYHK_* environment variables are read. Flags override either.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,
    /// Base URL, e.g. https://127.0.0.1:8480.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Our Client-Id.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Our private key (PEM, DER or base64 file).
    #[arg(long, value_name = "FILE")]
    private_key: Option<PathBuf>,
    /// The keyVersion announced in the Signature header.
    #[arg(long, value_name = "N")]
    key_version: Option<u32>,
    /// AlipayHK's (or the simulator's) public key that answers must verify with.
    #[arg(long, value_name = "FILE")]
    alipay_public_key: Option<PathBuf>,
    /// One more TLS root certificate (PEM), e.g. the CA of `alipayhk serve --tls`.
    #[arg(long, value_name = "FILE")]
    root_certificate: Option<PathBuf>,
    /// Encrypt the request with RSA_AES (and decrypt the answer).
    #[arg(long)]
    encrypt: bool,
    /// Print the exact request as a curl command instead of sending it.
    #[arg(long)]
    dry_run: bool,
    /// Send the body even if it breaks the spec (to see what the server answers).
    #[arg(long)]
    no_validate: bool,
    /// Show the content signed, and the answer's headers, on stderr.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Seconds to wait for the answer [default: 30].
    #[arg(long, value_name = "SECONDS")]
    timeout_seconds: Option<u64>,
}

/// Runs one call.
pub fn call(args: CallArgs) -> Result<Outcome, CliError> {
    let operation = operation_named(&args.operation)?;
    let info = operation.info();
    let body = read_body(args.data.as_deref())?;
    if !args.no_validate
        && let Err(problem) = (info.check_request)(&body)
    {
        return Err(CliError::Refused(format!(
            "the body is not a valid {} request, so nothing was sent:\n{}\n(--no-validate sends it anyway)",
            info.id,
            describe(&problem)
        )));
    }
    let mut config = client_config(&args)?;
    if args.verbose {
        config.signer = Arc::new(ShowingSigner(config.signer.clone()));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io("cannot start the async runtime", e))?;
    if args.dry_run {
        let curl = runtime.block_on(curl_command(&config, info.path, &body))?;
        println!("{curl}");
        return Ok(Outcome::Success);
    }
    let transport = Transport::new(config).map_err(|e| CliError::Refused(e.to_string()))?;
    let sent = runtime.block_on(transport.send_traced(info.path, body, &|_| false));
    Ok(report(info, sent, args.verbose))
}

fn operation_named(name: &str) -> Result<OperationId, CliError> {
    if name.starts_with('/') {
        return OperationId::from_path(name).ok_or_else(|| {
            CliError::Refused(format!(
                "no operation is served at {name}; use an operationId or one of the spec's paths"
            ))
        });
    }
    name.parse()
        .map_err(|e: alipayhk_api::spec::UnknownOperation| CliError::Refused(e.to_string()))
}

fn read_body(data: Option<&str>) -> Result<Vec<u8>, CliError> {
    match data {
        Some(file) if file.starts_with('@') => {
            let path = &file[1..];
            std::fs::read(path).map_err(|e| CliError::io(format!("cannot read {path}"), e))
        }
        Some(json) => Ok(json.as_bytes().to_vec()),
        None => {
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                return Err(CliError::Refused(
                    "no body: give --data JSON, --data @FILE, or pipe it on stdin".into(),
                ));
            }
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| CliError::io("cannot read the body from stdin", e))?;
            Ok(body)
        }
    }
}

/// One violation per line, as the spec's validators word them.
fn describe(problem: &BodyProblem) -> String {
    match problem {
        BodyProblem::Undecodable(e) => format!("  does not decode: {e}"),
        BodyProblem::Invalid(errors) => errors
            .0
            .iter()
            .map(|violation| format!("  {violation}"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn client_config(args: &CallArgs) -> Result<ClientConfig, CliError> {
    let settings = match &args.config {
        Some(path) => ClientSettings::from_file(path),
        None => ClientSettings::from_lookup(|name| std::env::var(name).ok()),
    };
    let mut settings = settings.map_err(|e| CliError::Refused(e.to_string()))?;
    let path = |p: &PathBuf| {
        // A flag's path is relative to the working directory, not to the config file.
        std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string()
    };
    if let Some(url) = &args.base_url {
        settings.base_url = Some(url.clone());
    }
    if let Some(id) = &args.client_id {
        settings.client_id = Some(id.clone());
    }
    if let Some(version) = args.key_version {
        settings.key_version = Some(version);
    }
    if let Some(key) = &args.private_key {
        settings.private_key = Some(path(key));
    }
    if let Some(key) = &args.alipay_public_key {
        settings.alipay_public_key = Some(path(key));
    }
    if let Some(certificate) = &args.root_certificate {
        settings.root_certificate = Some(path(certificate));
    }
    settings.encrypt |= args.encrypt;
    let mut config = settings
        .build()
        .map_err(|e| CliError::Refused(e.to_string()))?;
    if let Some(seconds) = args.timeout_seconds {
        config.request_timeout = Duration::from_secs(seconds);
    }
    Ok(config)
}

/// Prints the outcome and says which exit code it earns.
fn report(
    info: &OperationInfo,
    sent: Result<alipayhk_runtime::client::RawResponse, alipayhk_runtime::client::SendError>,
    verbose: bool,
) -> Outcome {
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            let tracer = error
                .response
                .as_ref()
                .and_then(|meta| meta.tracer_id.clone());
            if !error.error.outcome_unknown() {
                eprintln!("not sent: {}", error.error);
                return Outcome::Refused;
            }
            let error = error.error.to_string();
            eprintln!(
                "outcome: unknown: {}",
                error.strip_prefix("outcome unknown: ").unwrap_or(&error)
            );
            print_tracer(tracer.as_deref());
            return Outcome::Unknown;
        }
    };
    if verbose {
        for (name, value) in &response.headers {
            eprintln!("< {name}: {}", value.to_str().unwrap_or("<not text>"));
        }
    }
    match serde_json::from_slice::<serde_json::Value>(&response.body) {
        Ok(json) => println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        ),
        Err(_) => println!("{}", String::from_utf8_lossy(&response.body)),
    }
    let tracer = response.meta().tracer_id;
    let Some(result) = read_result(&response.body, info.result_field) else {
        eprintln!(
            "outcome: unknown: the verified answer has no {}.resultCode",
            info.result_field
        );
        print_tracer(tracer.as_deref());
        return Outcome::Unknown;
    };
    let documented = documented_code(info, &result.code);
    // The generated client's decision: the documented status, else the wire's; and a
    // success whose body does not decode into the operation's model is no success.
    let status = ResultStatus::decide(documented.map(|(status, _)| status), result.status);
    let message = documented
        .map(|(_, message)| message.to_string())
        .or(result.message.clone())
        .unwrap_or_default();
    if status == ResultStatus::Success {
        match (info.check_response)(&response.body) {
            Ok(()) => {}
            Err(BodyProblem::Undecodable(problem)) => {
                let unknown = UnknownOutcome::Undecodable { problem }.to_string();
                eprintln!(
                    "outcome: unknown: {}",
                    unknown
                        .strip_prefix("outcome unknown: ")
                        .unwrap_or(&unknown)
                );
                print_tracer(tracer.as_deref());
                return Outcome::Unknown;
            }
            Err(problem) => eprintln!(
                "warning: the answer does not match the spec:\n{}",
                describe(&problem)
            ),
        }
    }
    let undocumented = if documented.is_none() {
        " (not documented for this operation)"
    } else {
        ""
    };
    let outcome = match status {
        ResultStatus::Success => {
            eprintln!("outcome: S {} ({message})", result.code);
            Outcome::Success
        }
        ResultStatus::Failure if documented.is_some() => {
            eprintln!("outcome: F {} ({message})", result.code);
            Outcome::CheckFailed
        }
        _ => {
            eprintln!(
                "outcome: unknown: {} with resultStatus {}{undocumented} ({message}); retry with the same bizNo or inquire",
                result.code,
                result
                    .status
                    .map_or("missing".to_string(), |s| s.as_str().to_string())
            );
            Outcome::Unknown
        }
    };
    print_tracer(tracer.as_deref());
    outcome
}

fn print_tracer(tracer: Option<&str>) {
    eprintln!("Tracer-Id: {}", tracer.unwrap_or("(none)"));
}

/// The request the transport would send, as a `curl` command: the same headers and bytes,
/// signed now.
async fn curl_command(config: &ClientConfig, path: &str, body: &[u8]) -> Result<String, CliError> {
    let (wire_body, encrypt) = match &config.encryption {
        Some(enc) => {
            let sealed = encryption::seal(&enc.alipay_public_key, enc.key_version, body)
                .map_err(|e| CliError::Refused(format!("encryption failed: {e}")))?;
            (sealed.body, Some(sealed.header.to_header_value()))
        }
        None => (body.to_vec(), None),
    };
    let time = now_header_value();
    let content = SignedContent {
        method: "POST",
        path,
        client_id: &config.client_id,
        time: &time,
        body: &wire_body,
    }
    .to_bytes();
    let signature = signature::sign_header(config.signer.as_ref(), &content).await?;
    let url = format!("{}{path}", config.base_url.trim_end_matches('/'));
    let mut headers = vec![
        (CLIENT_ID, config.client_id.clone()),
        (REQUEST_TIME, time),
        (SIGNATURE, signature.to_header_value()),
    ];
    match encrypt {
        Some(value) => {
            headers.push((ENCRYPT, value));
            headers.push((CONTENT_TYPE, ENCRYPTED_CONTENT_TYPE.to_string()));
        }
        None => headers.push((CONTENT_TYPE, JSON_CONTENT_TYPE.to_string())),
    }
    let mut command = format!("curl -sS -i -X POST {}", shell_quote(&url));
    if let Some(pem) = config.root_certificates_pem.first()
        && !pem.is_empty()
    {
        command.push_str(" \\\n  --cacert <the root_certificate of your config>");
    }
    for (name, value) in headers {
        command.push_str(&format!(
            " \\\n  -H {}",
            shell_quote(&format!("{name}: {value}"))
        ));
    }
    command.push_str(&format!(
        " \\\n  --data-binary {}",
        shell_quote(&String::from_utf8_lossy(&wire_body))
    ));
    Ok(command)
}

/// `value` in single quotes for a POSIX shell.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// Shows the exact content each signature covers on stderr, then signs with the real signer.
#[derive(Debug)]
struct ShowingSigner(Arc<dyn Signer>);

impl Signer for ShowingSigner {
    fn algorithm(&self) -> signature::SignatureAlgorithm {
        self.0.algorithm()
    }

    fn key_version(&self) -> Option<u32> {
        self.0.key_version()
    }

    fn sign<'a>(&'a self, content: &'a [u8]) -> SignFuture<'a> {
        eprintln!(
            "content signed ({} bytes):\n{}\n",
            content.len(),
            String::from_utf8_lossy(content)
        );
        self.0.sign(content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_survives_single_quotes() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn operations_are_named_by_id_or_path() {
        assert_eq!(
            operation_named("redeemAPoint").unwrap(),
            OperationId::RedeemAPoint
        );
        let path = OperationId::QueryTemplate.info().path;
        assert_eq!(operation_named(path).unwrap(), OperationId::QueryTemplate);
        assert!(operation_named("/nope").is_err());
        assert!(operation_named("nope").is_err());
    }
}
