//! `alipayhk proxy --record DIR`: every exchange that passed through, as one reviewable file
//! (`alipayhk_recording` holds the format, the redaction and the writer).
//!
//! What the proxy saw of an exchange ([`Seen`]: the wire's bytes, its own checks) becomes an
//! [`Exchange`] here. The `Signature` and `Encrypt` header values never reach it: only
//! whether each signature verified, and whether each body was encrypted. An encrypted body
//! is opened only with `--record-plaintext` and the private key it was sealed for.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use alipayhk_api::OperationId;
use alipayhk_recording::{
    Answer, Exchange, FORMAT, Filter, RecordOptions, Recorder, Request, Signatures,
};
use alipayhk_runtime::encryption::{self, EncryptHeader};
use alipayhk_runtime::keys::PrivateKey;
use axum::body::Bytes;
use clap::Args;
use serde_json::Value;

use crate::error::CliError;

/// Flags of `alipayhk proxy` that make a recording.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Write every exchange that passes through (a known operation's) into DIR, one file
    /// each: `<operation>/<n>-<resultCode>.yaml`. No key, signature, `Signature` or
    /// `Encrypt` header is ever written; secrets in bodies become placeholders.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Append `placeholder<TAB>value` for every secret taken out of a body to FILE (mode
    /// 0600; keep it out of DIR). Without it the values are gone.
    #[arg(long, value_name = "FILE", requires = "record")]
    record_secrets: Option<PathBuf>,
    /// Keep only these exchanges, e.g. `operation=redeemAPoint,resultCode=POINT_NOT_ENOUGH`
    /// (a key given twice keeps either value).
    #[arg(long, value_name = "operation=…,resultCode=…", requires = "record")]
    record_filter: Option<String>,
    /// Record the plaintext of encrypted bodies (else `encrypted: true` and no body). Needs
    /// the private key each body was sealed for: --partner-private-key, --upstream-private-key.
    #[arg(long, requires = "record")]
    record_plaintext: bool,
    /// The partner's private key: opens encrypted answers (sealed for the partner).
    #[arg(long, value_name = "FILE", requires = "record_plaintext")]
    partner_private_key: Option<PathBuf>,
    /// The upstream's private key: opens encrypted requests (sealed for the upstream). Only
    /// when you own the upstream, e.g. the simulator (`keys/simulator-private.pem`); never
    /// AlipayHK's sandbox.
    #[arg(long, value_name = "FILE", requires = "record_plaintext")]
    upstream_private_key: Option<PathBuf>,
}

/// A recording under way: the writer, the keys that open bodies, and counters.
pub struct Recording {
    recorder: Recorder,
    dir: PathBuf,
    secrets_file: Option<PathBuf>,
    plaintext: bool,
    partner_key: Option<PrivateKey>,
    upstream_key: Option<PrivateKey>,
    unknown_path_said: AtomicBool,
    failures: AtomicU64,
    written: AtomicU64,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// What the proxy saw of one exchange of a known operation.
pub struct Seen {
    pub operation: OperationId,
    pub path: String,
    pub client_id: Option<String>,
    /// The request's `Encrypt` header, if any (read to open the body, never written).
    pub request_encrypt: Option<String>,
    pub request_body: Bytes,
    pub http_status: u16,
    pub tracer_id: Option<String>,
    /// The answer's `Encrypt` header, if any.
    pub answer_encrypt: Option<String>,
    pub answer_body: Bytes,
    pub latency: Duration,
    pub signatures: Signatures,
    /// The proxy's deviations, as text.
    pub findings: Vec<String>,
}

impl Recording {
    /// Opens the recording the flags ask for, if any; every mistake in the flags is an
    /// error here, before the proxy listens.
    pub fn start(args: &RecordArgs) -> Result<Option<Recording>, CliError> {
        let Some(dir) = &args.record else {
            return Ok(None);
        };
        if args.record_plaintext
            && args.partner_private_key.is_none()
            && args.upstream_private_key.is_none()
        {
            return Err(CliError::Refused(
                "--record-plaintext needs the private key a body was sealed for: \
                 --partner-private-key FILE opens answers, --upstream-private-key FILE opens \
                 requests (only when you own the upstream)"
                    .into(),
            ));
        }
        let filter = match &args.record_filter {
            Some(text) => Filter::parse(text)
                .map_err(|e| CliError::Refused(format!("--record-filter {text:?}: {e}")))?,
            None => Filter::default(),
        };
        if let Some(secrets) = &args.record_secrets
            && inside(secrets, dir)
        {
            return Err(CliError::Refused(format!(
                "--record-secrets {} is inside the recording {}: the recording is shared, the \
                 secrets must not be; put the file elsewhere",
                secrets.display(),
                dir.display()
            )));
        }
        let key = |path: &Option<PathBuf>| path.as_ref().map(PrivateKey::from_file).transpose();
        let partner_key = key(&args.partner_private_key)?;
        let upstream_key = key(&args.upstream_private_key)?;
        // The spec's secrets (`x-secret`, `writeOnly`) of every operation: a recorder's
        // redaction is by property name, whatever the operation.
        let secret_fields = OperationId::ALL
            .iter()
            .flat_map(|op| op.info().secret_fields)
            .map(|name| name.to_string())
            .collect();
        let options = RecordOptions {
            secret_fields,
            filter,
            secrets_file: args.record_secrets.clone(),
        };
        let recorder = Recorder::create(dir, options)
            .map_err(|e| CliError::Refused(format!("--record {}: {e}", dir.display())))?;
        Ok(Some(Recording {
            recorder,
            dir: dir.clone(),
            secrets_file: args.record_secrets.clone(),
            plaintext: args.record_plaintext,
            partner_key,
            upstream_key,
            unknown_path_said: AtomicBool::new(false),
            failures: AtomicU64::new(0),
            written: AtomicU64::new(0),
        }))
    }

    /// The banner's lines about the recording.
    pub fn banner(&self) -> String {
        let secrets = match &self.secrets_file {
            Some(file) => format!("placeholders, values appended to {}", file.display()),
            None => "placeholders (values not kept: --record-secrets FILE keeps them)".into(),
        };
        let plaintext = if self.plaintext {
            let mut opened = Vec::new();
            if self.partner_key.is_some() {
                opened.push("answers");
            }
            if self.upstream_key.is_some() {
                opened.push("requests");
            }
            format!("plaintext of encrypted {}", opened.join(" and "))
        } else {
            "encrypted bodies not kept".into()
        };
        format!(
            "  recording: {}\n  secrets:   {secrets}\n  encrypted: {plaintext}\n",
            self.dir.display()
        )
    }

    /// Says once that exchanges at paths the spec does not know are not recorded.
    pub fn unknown_path(&self, path: &str) {
        if !self.unknown_path_said.swap(true, Ordering::Relaxed) {
            eprintln!(
                "proxy: {path} is no operation of the spec: such exchanges are relayed and \
                 checked but not recorded (said once)"
            );
        }
    }

    /// Counts a failure to record (the relay goes on regardless).
    pub fn failed(&self) -> u64 {
        self.failures.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// What the recording holds when the proxy stops.
    pub fn summary(&self) -> String {
        format!(
            "proxy: recorded {} exchange(s) into {}, {} failure(s)",
            self.written.load(Ordering::Relaxed),
            self.dir.display(),
            self.failures.load(Ordering::Relaxed)
        )
    }

    /// Writes one exchange; returns the file written (none when the filter dropped it).
    /// Blocking: files, and RSA to open encrypted bodies.
    pub fn record(&self, seen: Seen) -> Result<Option<PathBuf>, String> {
        let written = self.write(seen)?;
        if written.is_some() {
            self.written.fetch_add(1, Ordering::Relaxed);
        }
        Ok(written)
    }

    fn write(&self, seen: Seen) -> Result<Option<PathBuf>, String> {
        let info = seen.operation.info();
        let request_body = self.body(
            "request",
            seen.request_encrypt.as_deref(),
            &seen.request_body,
            self.upstream_key.as_ref(),
            "--upstream-private-key",
        );
        let answer_body = self.body(
            "answer",
            seen.answer_encrypt.as_deref(),
            &seen.answer_body,
            self.partner_key.as_ref(),
            "--partner-private-key",
        );
        let result = answer_body.as_ref().and_then(|b| b.get(info.result_field));
        let text = |name: &str| {
            result
                .and_then(|r| r.get(name))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let exchange = Exchange {
            format: FORMAT.to_string(),
            operation: info.id.to_string(),
            path: seen.path,
            request: Request {
                client_id: seen.client_id.unwrap_or_default(),
                encrypted: seen.request_encrypt.is_some(),
                body: request_body,
            },
            answer: Answer {
                http_status: seen.http_status,
                result_code: text("resultCode"),
                result_status: text("resultStatus"),
                tracer_id: seen.tracer_id,
                encrypted: seen.answer_encrypt.is_some(),
                body: answer_body,
            },
            latency_ms: u64::try_from(seen.latency.as_millis()).unwrap_or(u64::MAX),
            signatures: seen.signatures,
            findings: seen.findings,
        };
        self.recorder.record(exchange)
    }

    /// A body as JSON: plain JSON as sent, an encrypted one opened when asked and possible,
    /// else none.
    fn body(
        &self,
        which: &str,
        encrypt: Option<&str>,
        wire: &[u8],
        key: Option<&PrivateKey>,
        flag: &str,
    ) -> Option<Value> {
        let Some(header) = encrypt else {
            return serde_json::from_slice(wire).ok();
        };
        if !self.plaintext {
            return None;
        }
        // Plaintext asked for, but not the key of this direction: the body stays out.
        let key = key?;
        let opened = EncryptHeader::parse(header)
            .and_then(|header| encryption::open(key, &header, wire))
            .map_err(|e| e.to_string())
            .and_then(|plain| serde_json::from_slice(&plain).map_err(|e| e.to_string()));
        match opened {
            Ok(value) => Some(value),
            Err(e) => {
                eprintln!(
                    "proxy: an encrypted {which} is recorded without its body: {flag} does not open it ({e})"
                );
                None
            }
        }
    }
}

/// Whether `file` would land inside `dir`: both made absolute, links resolved where the
/// folders exist, `..` resolved by name where they do not yet.
fn inside(file: &Path, dir: &Path) -> bool {
    let resolved = |p: &Path| {
        let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        absolute.canonicalize().unwrap_or_else(|_| {
            let mut plain = PathBuf::new();
            for part in absolute.components() {
                match part {
                    std::path::Component::ParentDir => {
                        plain.pop();
                    }
                    std::path::Component::CurDir => {}
                    other => plain.push(other),
                }
            }
            plain
        })
    };
    let parent = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    resolved(parent).starts_with(resolved(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secrets_file_inside_the_recording_is_spotted_however_it_is_spelled() {
        let dir = Path::new("rec");
        assert!(inside(Path::new("rec/secrets.tsv"), dir));
        assert!(inside(Path::new("./rec/inquireAPoint/s.tsv"), dir));
        assert!(inside(Path::new("rec/../rec/s.tsv"), dir));
        assert!(inside(Path::new("other/../rec/s.tsv"), dir));
        assert!(!inside(Path::new("rec/../s.tsv"), dir));
        assert!(!inside(Path::new("secrets.tsv"), dir));
        assert!(!inside(Path::new("recording-secrets.tsv"), dir));
        assert!(!inside(Path::new("rec2/s.tsv"), dir));
        assert!(inside(Path::new("secrets.tsv"), Path::new(".")));
    }
}
