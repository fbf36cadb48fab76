//! `alipayhk proxy --upstream URL`: a validating proxy between a partner's own client and
//! an upstream (the real sandbox, or the simulator).
//!
//! Bytes pass unchanged both ways (the signatures cover them). Alongside, every request
//! is checked against the spec and verified with the partner's public key, and every
//! answer verified with the upstream's key and checked the same way. Each deviation (a
//! missing header, a signature that does not verify, a stale time, a body that breaks the
//! spec, a field the spec does not document, an undocumented code, a documented code with
//! another status, a status other than 200) is printed on stderr and appended as one JSON line to the report file: how a
//! maintainer learns from real traffic that the documentation is out of date.
//!
//! With `--record DIR`, each exchange of a known operation is also written as one file
//! (see `record`); a failure to record is reported and never stops the relay.
//!
//! The listener speaks plain HTTP, or HTTPS (`--tls`: a local CA of the proxy's own, made
//! as `serve --tls` makes the simulator's; or `--tls-cert`/`--tls-key`).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alipayhk_api::OperationId;
use alipayhk_api::spec::{BodyProblem, OperationInfo};
use alipayhk_conformance::spec::documented_code;
use alipayhk_runtime::headers::{CLIENT_ID, CONTENT_TYPE, ENCRYPT, SIGNATURE, TRACER_ID};
use alipayhk_runtime::keys::PublicKey;
use alipayhk_runtime::outcome::read_result;
use alipayhk_runtime::server::ListenerLimits;
use alipayhk_runtime::time::check_window;
use alipayhk_runtime::{Head, HeadProblem, SignedHead};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use clap::Args;
use serde_json::json;

use alipayhk_simulator::{TlsMode, prepare_tls};

use crate::error::CliError;
use crate::outcome::Outcome;
use crate::record::{RecordArgs, Recording, Seen};

/// Flags of `alipayhk proxy`.
#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Where requests go, e.g. `https://sandbox.example` or `http://127.0.0.1:8480`.
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// Where the partner's client connects.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8580")]
    listen: SocketAddr,
    /// The partner's public key: every request's signature must verify with it.
    #[arg(long, value_name = "FILE")]
    partner_public_key: PathBuf,
    /// The upstream's public key: every answer's signature must verify with it.
    #[arg(long, value_name = "FILE")]
    upstream_public_key: PathBuf,
    /// JSON lines file the deviations are appended to.
    #[arg(long, value_name = "FILE", default_value = "proxy-deviations.jsonl")]
    report: PathBuf,
    /// One more TLS root (PEM) for the upstream, e.g. the CA of `alipayhk serve --tls`.
    #[arg(long, value_name = "FILE")]
    root_certificate: Option<PathBuf>,
    /// How far Request-Time and Response-Time may be from this machine's clock.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    time_window_seconds: u64,
    /// Largest request body forwarded.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Seconds to wait for the upstream's answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    timeout_seconds: u64,
    /// Serve HTTPS (HTTP/1.1 and h2) to the partner's client: a local CA and a certificate
    /// for 127.0.0.1 and localhost, made on first start in --tls-dir.
    #[arg(long, conflicts_with = "tls_cert")]
    tls: bool,
    /// Where --tls keeps its CA (`ca.pem`: your client's extra root) and certificate.
    #[arg(long, value_name = "DIR", default_value = "alipayhk-proxy-tls")]
    tls_dir: PathBuf,
    /// Serve HTTPS with this certificate chain (PEM) instead; needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    #[command(flatten)]
    record: RecordArgs,
}

/// Largest answer relayed (the client's default cap).
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;
/// Headers that belong to one hop, never forwarded (RFC 9110 §7.6.1), plus those the
/// HTTP stack sets itself.
const HOP_BY_HOP: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

struct Proxy {
    upstream: String,
    http: reqwest::Client,
    partner_key: PublicKey,
    upstream_key: PublicKey,
    window: Duration,
    max_body_bytes: usize,
    report: Mutex<std::fs::File>,
    recording: Option<Arc<Recording>>,
}

/// One way the traffic differs from the spec.
#[derive(Debug)]
struct Deviation {
    direction: &'static str,
    kind: &'static str,
    detail: String,
}

fn deviation(direction: &'static str, kind: &'static str, detail: impl Into<String>) -> Deviation {
    Deviation {
        direction,
        kind,
        detail: detail.into(),
    }
}

/// Runs the proxy until Ctrl-C.
pub fn proxy(args: ProxyArgs) -> Result<Outcome, CliError> {
    let partner_key = PublicKey::from_file(&args.partner_public_key)?;
    let upstream_key = PublicKey::from_file(&args.upstream_public_key)?;
    let upstream = args.upstream.trim_end_matches('/').to_string();
    if !(upstream.starts_with("http://") || upstream.starts_with("https://")) {
        return Err(CliError::Refused(format!(
            "--upstream {upstream:?} must be an http:// or https:// URL"
        )));
    }
    let mut http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(args.timeout_seconds));
    if let Some(path) = &args.root_certificate {
        let pem = std::fs::read(path)
            .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
        for certificate in reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| CliError::Refused(format!("{}: {e}", path.display())))?
        {
            http = http.add_root_certificate(certificate);
        }
    }
    let http = http
        .build()
        .map_err(|e| CliError::Refused(format!("cannot build the HTTP client: {e}")))?;
    let report = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&args.report)
        .map_err(|e| CliError::io(format!("cannot open {}", args.report.display()), e))?;
    let tls_mode = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => TlsMode::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ if args.tls => TlsMode::Generated,
        _ => TlsMode::Off,
    };
    let tls =
        prepare_tls(&tls_mode, &args.tls_dir).map_err(|e| CliError::Refused(e.to_string()))?;
    let recording = Recording::start(&args.record)?.map(Arc::new);
    let recording_banner = recording.as_ref().map(|r| r.banner()).unwrap_or_default();
    let state = Arc::new(Proxy {
        upstream: upstream.clone(),
        http,
        partner_key,
        upstream_key,
        window: Duration::from_secs(args.time_window_seconds),
        max_body_bytes: args.max_body_bytes,
        report: Mutex::new(report),
        recording: recording.clone(),
    });
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::io("cannot start the async runtime", e))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| CliError::io(format!("cannot listen on {}", args.listen), e))?;
        let address = listener
            .local_addr()
            .map_err(|e| CliError::io("listener", e))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let trust = match tls.as_ref().and_then(|t| t.ca_certificate.as_ref()) {
            Some(ca) => format!(
                "  TLS CA:    {} (give it to your client as an extra root; `root_certificate` in client-config.toml)\n",
                ca.display()
            ),
            None if tls.is_some() => "  TLS:       your --tls-cert\n".to_owned(),
            None => String::new(),
        };
        // Not println!: a closed stdout (a reader that went away) must not stop the proxy.
        let _ = writeln!(
            std::io::stdout(),
            "alipayhk proxy\n  listening: {scheme}://{address}\n  upstream:  {upstream}\n  report:    {}\n{recording_banner}{trust}Point your client's base URL at {scheme}://{address}. Press Ctrl-C to stop.",
            args.report.display()
        );
        let router = axum::Router::new().fallback(relay).with_state(state);
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let limits = ListenerLimits::default();
        match tls {
            Some(tls) => {
                alipayhk_runtime::server::serve_tls(listener, router, limits, tls.server_config, stop)
                    .await
            }
            None => alipayhk_runtime::server::serve(listener, router, limits, stop).await,
        }
        .map_err(|e| CliError::io("the proxy stopped", e))
    })?;
    if let Some(recording) = recording {
        eprintln!("{}", recording.summary());
    }
    Ok(Outcome::Success)
}

async fn relay(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, proxy.max_body_bytes).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "alipayhk proxy: request body over --max-body-bytes, not forwarded\n",
        )
            .into_response();
    };
    let path = parts.uri.path().to_string();
    let operation = OperationId::from_path(&path);
    let (mut found, request_verified) =
        check_request(&proxy, operation, &path, &parts.headers, &body);

    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or(path.as_str(), |p| p.as_str());
    let mut upstream = proxy
        .http
        .request(
            parts.method.clone(),
            format!("{}{path_and_query}", proxy.upstream),
        )
        .body(body.clone());
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            upstream = upstream.header(name, value);
        }
    }
    // The latency the recording holds: first byte sent to last byte read.
    let started = Instant::now();
    let answer = match upstream.send().await {
        Ok(answer) => answer,
        Err(error) => {
            let detail = format!("{error}");
            eprintln!("proxy: upstream failed for {path}: {detail}");
            report(&proxy, operation, None, &found);
            return (
                StatusCode::BAD_GATEWAY,
                format!("alipayhk proxy: upstream failed: {detail}\n"),
            )
                .into_response();
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let answer_body = match read_capped(answer).await {
        Ok(bytes) => bytes,
        Err(detail) => {
            eprintln!("proxy: reading the upstream's answer for {path} failed: {detail}");
            report(&proxy, operation, None, &found);
            return (
                StatusCode::BAD_GATEWAY,
                format!("alipayhk proxy: {detail}\n"),
            )
                .into_response();
        }
    };
    let latency = started.elapsed();
    let client_id = header(&parts.headers, CLIENT_ID);
    let (answer_found, answer_verified) = check_response(
        &proxy,
        operation,
        &path,
        client_id,
        status.as_u16(),
        &headers,
        &answer_body,
    );
    found.extend(answer_found);
    report(&proxy, operation, header(&headers, TRACER_ID), &found);
    if let Some(recording) = &proxy.recording {
        match operation {
            None => recording.unknown_path(&path),
            Some(operation) => {
                let seen = Seen {
                    operation,
                    path: path.clone(),
                    client_id: client_id.map(str::to_string),
                    request_encrypt: raw_header(&parts.headers, ENCRYPT),
                    request_body: body.clone(),
                    http_status: status.as_u16(),
                    tracer_id: header(&headers, TRACER_ID).map(str::to_string),
                    answer_encrypt: raw_header(&headers, ENCRYPT),
                    answer_body: answer_body.clone(),
                    latency,
                    signatures: alipayhk_recording::Signatures {
                        request: request_verified,
                        response: answer_verified,
                    },
                    findings: found
                        .iter()
                        .map(|d| format!("{} {}: {}", d.direction, d.kind, d.detail))
                        .collect(),
                };
                record(&proxy, recording.clone(), seen).await;
            }
        }
    }

    let mut response = Response::new(Body::from(answer_body));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}

/// Records one exchange off the async threads, and before the answer is relayed, so a
/// client that got its answer finds the file written. A failure is printed and counted in
/// the report file; the answer is relayed all the same.
async fn record(proxy: &Proxy, recording: Arc<Recording>, seen: Seen) {
    let operation = seen.operation;
    let tracer_id = seen.tracer_id.clone();
    let written = {
        let recording = recording.clone();
        tokio::task::spawn_blocking(move || recording.record(seen)).await
    };
    let problem = match written {
        Ok(Ok(_)) => return,
        Ok(Err(problem)) => problem,
        Err(e) => format!("the recording task failed: {e}"),
    };
    let failures = recording.failed();
    eprintln!(
        "proxy: recording failed ({failures} so far), the answer was relayed: {operation} (Tracer-Id {}): {problem}",
        tracer_id.as_deref().unwrap_or("none")
    );
    let line = json!({
        "time": alipayhk_runtime::time::now_header_value(),
        "operation": operation.as_str(),
        "direction": "recording",
        "kind": "record_failed",
        "detail": problem,
        "tracerId": tracer_id,
    });
    append_report(proxy, &[line]);
}

/// Appends JSON lines to the report file; a failure is said on stderr and stops nothing.
fn append_report(proxy: &Proxy, lines: &[serde_json::Value]) {
    let mut file = proxy.report.lock().unwrap_or_else(|e| e.into_inner());
    for line in lines {
        if let Err(e) = writeln!(file, "{line}").and_then(|()| file.flush()) {
            eprintln!("proxy: cannot write the report: {e}");
        }
    }
}

async fn read_capped(mut answer: reqwest::Response) -> Result<Bytes, String> {
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(format!("the answer is over {MAX_ANSWER_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

/// A header's value even when it is not text (an `Encrypt` header present marks the body
/// encrypted, whatever its value).
fn raw_header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What one direction's signature is checked with.
struct SignedBy<'a> {
    direction: &'static str,
    key: &'a PublicKey,
    /// A request's head or an answer's.
    head: Head,
    window: Duration,
}

/// Checks shared by both directions: the signing headers, the signature, the time. Unlike
/// a client or a server, the proxy stops at no problem: it reports every missing header and
/// a stale time even when the signature cannot be checked. Also says whether the signature
/// verified (a missing header: it did not).
fn check_signed(
    by: SignedBy<'_>,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (Vec<Deviation>, bool) {
    let SignedBy {
        direction,
        key,
        head,
        window,
    } = by;
    let time_header = head.time_header();
    let mut found = Vec::new();
    for name in [CLIENT_ID, time_header, SIGNATURE] {
        if header(headers, name).is_none() {
            found.push(deviation(
                direction,
                "missing_header",
                format!("no {name} header"),
            ));
        }
    }
    if let Some(time) = header(headers, time_header)
        && let Err(e) = check_window(time, time::OffsetDateTime::now_utc(), window)
    {
        found.push(deviation(
            direction,
            "stale_time",
            format!("{time_header}: {e}"),
        ));
    }
    let mut verified = false;
    if !found.iter().any(|d| d.kind == "missing_header") {
        let checked = SignedHead::from_headers(head, headers)
            .and_then(|signed| signed.verify(key, "POST", path, body));
        match checked {
            Ok(()) => verified = true,
            Err(HeadProblem::MalformedSignature(e)) => found.push(deviation(
                direction,
                "malformed_signature",
                format!("Signature header: {e}"),
            )),
            Err(e) => found.push(deviation(direction, "bad_signature", e.to_string())),
        }
    }
    (found, verified)
}

fn check_request(
    proxy: &Proxy,
    operation: Option<OperationId>,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (Vec<Deviation>, Option<bool>) {
    let Some(operation) = operation else {
        let unknown = deviation(
            "request",
            "unknown_path",
            format!("{path} is not an operation of the spec"),
        );
        return (vec![unknown], None);
    };
    let by = SignedBy {
        direction: "request",
        key: &proxy.partner_key,
        head: Head::Request,
        window: proxy.window,
    };
    let (mut found, verified) = check_signed(by, path, headers, body);
    if headers.contains_key(ENCRYPT) {
        // The body is ciphertext for the upstream's key: nothing to validate here.
        return (found, Some(verified));
    }
    let content_type = header(headers, CONTENT_TYPE).unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        found.push(deviation(
            "request",
            "content_type",
            format!("Content-Type {content_type:?} on a plain JSON request"),
        ));
    }
    let info = operation.info();
    found.extend(body_deviations("request", (info.check_request)(body)));
    found.extend(field_deviations(
        "request",
        (info.undocumented_in_request)(body),
    ));
    (found, Some(verified))
}

fn check_response(
    proxy: &Proxy,
    operation: Option<OperationId>,
    path: &str,
    request_client_id: Option<&str>,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> (Vec<Deviation>, Option<bool>) {
    let Some(operation) = operation else {
        return (Vec::new(), None);
    };
    let info = operation.info();
    let mut found = Vec::new();
    if status != 200 {
        found.push(deviation(
            "response",
            "http_status",
            format!("HTTP {status}; every AlipayHK answer is 200"),
        ));
    }
    if header(headers, TRACER_ID).is_none() {
        found.push(deviation(
            "response",
            "missing_header",
            "no Tracer-Id header",
        ));
    }
    let client_id = header(headers, CLIENT_ID);
    if let (Some(sent), Some(echoed)) = (request_client_id, client_id)
        && sent != echoed
    {
        found.push(deviation(
            "response",
            "client_id",
            format!("Client-Id {echoed:?} is not the request's {sent:?}"),
        ));
    }
    let by = SignedBy {
        direction: "response",
        key: &proxy.upstream_key,
        head: Head::Response,
        window: proxy.window,
    };
    let (signed, verified) = check_signed(by, path, headers, body);
    found.extend(signed);
    if status != 200 || headers.contains_key(ENCRYPT) {
        return (found, Some(verified));
    }
    found.extend(body_deviations("response", (info.check_response)(body)));
    found.extend(field_deviations(
        "response",
        (info.undocumented_in_response)(body),
    ));
    found.extend(code_deviations(info, body));
    (found, Some(verified))
}

/// Members the spec does not document: the first sign that the docs are behind.
fn field_deviations(direction: &'static str, paths: Vec<String>) -> Vec<Deviation> {
    paths
        .into_iter()
        .map(|path| {
            deviation(
                direction,
                "undocumented_field",
                format!("{path} is not in the spec"),
            )
        })
        .collect()
}

fn body_deviations(direction: &'static str, checked: Result<(), BodyProblem>) -> Vec<Deviation> {
    match checked {
        Ok(()) => Vec::new(),
        Err(BodyProblem::Undecodable(e)) => {
            vec![deviation(
                direction,
                "body",
                format!("does not decode: {e}"),
            )]
        }
        Err(BodyProblem::Invalid(errors)) => errors
            .0
            .iter()
            .map(|violation| deviation(direction, "body", violation.to_string()))
            .collect(),
    }
}

/// The answer's code must be documented for the operation (or a gateway code), with its
/// documented status.
fn code_deviations(info: &OperationInfo, body: &[u8]) -> Vec<Deviation> {
    let Some(result) = read_result(body, info.result_field) else {
        return vec![deviation(
            "response",
            "body",
            format!("no {}.resultCode", info.result_field),
        )];
    };
    let documented = documented_code(info, &result.code).map(|(status, _)| status);
    let wire = result
        .status
        .map_or("missing".to_string(), |s| s.as_str().to_string());
    match documented {
        None => vec![deviation(
            "response",
            "undocumented_code",
            format!(
                "{} (resultStatus {wire}) is not documented for {}",
                result.code, info.id
            ),
        )],
        Some(status) if Some(status) != result.status => vec![deviation(
            "response",
            "wrong_status",
            format!(
                "{} is documented as {} but came with resultStatus {wire}",
                result.code,
                status.as_str()
            ),
        )],
        Some(_) => Vec::new(),
    }
}

fn report(
    proxy: &Proxy,
    operation: Option<OperationId>,
    tracer_id: Option<&str>,
    found: &[Deviation],
) {
    if found.is_empty() {
        return;
    }
    let operation = operation.map_or("(unknown path)", |op| op.as_str());
    let time = alipayhk_runtime::time::now_header_value();
    let mut lines = Vec::new();
    for d in found {
        eprintln!(
            "deviation: {operation} {} {}: {} (Tracer-Id {})",
            d.direction,
            d.kind,
            d.detail,
            tracer_id.unwrap_or("none")
        );
        let line = json!({
            "time": time,
            "operation": operation,
            "direction": d.direction,
            "kind": d.kind,
            "detail": d.detail,
            "tracerId": tracer_id,
        });
        lines.push(line);
    }
    append_report(proxy, &lines);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_the_spec_does_not_document_are_deviations_in_both_directions() {
        let info = OperationId::InquireAPoint.info();
        let request = br#"{"accessToken":"t","deviceId":"d1"}"#;
        let found = field_deviations("request", (info.undocumented_in_request)(request));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, "undocumented_field");
        assert_eq!(found[0].detail, "deviceId is not in the spec");
        // `accountBenefitModel` keeps unknown keys by the spec (its fields are collapsed on
        // the page), so `expiry` there is no deviation; `traceId` and `surprise` are.
        let answer = br#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"ok","traceId":"x"},"accountBenefitModel":{"benefitProductCode":"POINT","balance":1,"expiry":"2027"},"surprise":true}"#;
        assert_eq!(
            (info.undocumented_in_response)(answer),
            ["result.traceId", "surprise"]
        );
        // The spec's own example has nothing undocumented.
        assert!((info.undocumented_in_response)(info.response_example.as_bytes()).is_empty());
        assert!((info.undocumented_in_request)(info.request_example.as_bytes()).is_empty());
    }
}
