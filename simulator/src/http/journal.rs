//! The request journal: what the API listener saw and answered, for the admin API and the
//! console.
//!
//! [`record`] wraps the signed API router from outside, so it sees the request exactly as it
//! arrived and the answer exactly as it left (signed, encrypted or not). Each exchange
//! becomes one [`JournalEntry`] in a bounded ring (the newest `capacity`, default 1,000),
//! and is sent to live subscribers (the admin API's event stream). Secrets never enter
//! it: `Signature` and `Encrypt` values and access tokens are masked. An encrypted body is
//! shown by its size, and beside it the plaintext the signing layer decrypted and answered
//! (the runtime's [`DecryptedExchange`] extension), masked the same way; the result code
//! and ledger entries of an encrypted exchange come from that plaintext. When a request's signature does not verify, the entry says what
//! the simulator expected to be signed and which common mistake, if any, explains the
//! signature the partner sent ([`crate::diagnosis`]). While a recording is replayed, the
//! entry names the file that answered, or the near miss (the replay middleware's
//! `ReplayNote` response extension).
//!
//! Recording is cheap on purpose (it runs for every request): the ring keeps the raw parts
//! (`Recorded`: header maps and body bytes, shared, not copied), and the redacted
//! [`JournalEntry`] with its ledger entries is built only when someone reads it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use alipayhk_api::OperationId;
use alipayhk_api::spec::COMMON_RESULT_CODES;
use alipayhk_runtime::headers::{CLIENT_ID, ENCRYPT, SIGNATURE, TRACER_ID};
use alipayhk_runtime::server::{ClientKeyStore, DecryptedExchange};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

use super::diagnosis::{self, Diagnosis};
use super::replay::ReplayNote;
use crate::core::Simulator;
use crate::domain::ledger::{LedgerEntry, RequestEntries};

/// Default number of entries kept.
pub const DEFAULT_CAPACITY: usize = 1000;

/// Bodies longer than this are cut in the journal (never on the wire).
const SHOWN_BODY_BYTES: usize = 16 * 1024;

/// One request the API listener answered.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// When the request arrived (RFC 3339, UTC).
    pub time: String,
    /// The answer's `Tracer-Id`.
    pub tracer_id: Option<String>,
    /// The request's `Client-Id`.
    pub client_id: Option<String>,
    /// `POST`, normally.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The operation at that path, if it is one.
    pub operation: Option<OperationId>,
    /// Whether the gateway checks passed, or which one refused the request.
    pub verification: Verification,
    /// The answer's `resultCode` (unreadable when the answer is encrypted).
    pub result_code: Option<String>,
    /// The answer's `resultStatus`.
    pub result_status: Option<String>,
    /// The HTTP status.
    pub http_status: u16,
    /// From the first byte of the head to the last byte of the answer, in milliseconds.
    pub latency_ms: f64,
    /// The ledger entries the request moved (Issue and Redeem).
    pub ledger_entries: Vec<LedgerEntry>,
    /// The request, redacted.
    pub request: Message,
    /// The answer, redacted.
    pub response: Message,
    /// For a signature that did not verify: what was expected, and the likely mistake.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
    /// While a recording is replayed: the file that answered, or the near miss.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayNote>,
}

/// The outcome of the gateway checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum Verification {
    /// Every check passed; the operation ran.
    Ok,
    /// A check refused the request with a gateway code.
    Rejected {
        /// The check, as the spec's `x-common-result-codes` name it (`invalid_signature`, ...).
        reason: String,
    },
}

/// Headers and body of one message, with secrets masked.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body as text (JSON as sent), or a note for a body that cannot be shown.
    pub body: String,
    /// For an `RSA_AES`-encrypted body: the JSON it decrypts to (secrets masked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decrypted: Option<String>,
}

/// What a listing may filter on.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JournalFilter {
    /// Only this operation.
    pub operation: Option<OperationId>,
    /// Only this `Client-Id`.
    pub client_id: Option<String>,
    /// Only this `Tracer-Id`.
    pub tracer_id: Option<String>,
    /// Only this `resultCode`.
    pub result_code: Option<String>,
    /// At most this many (newest first).
    pub limit: Option<usize>,
}

impl JournalFilter {
    /// Whether a recorded exchange passes (the limit aside); the body is parsed only when
    /// filtering by result code.
    pub fn matches_recorded(&self, recorded: &Recorded) -> bool {
        self.operation
            .is_none_or(|op| recorded.operation() == Some(op))
            && self
                .client_id
                .as_deref()
                .is_none_or(|c| recorded.client_id() == Some(c))
            && self
                .tracer_id
                .as_deref()
                .is_none_or(|t| recorded.tracer_id() == Some(t))
            && self
                .result_code
                .as_ref()
                .is_none_or(|c| recorded.result().map(|(code, _)| code).as_ref() == Some(c))
    }
}

/// One exchange as recorded: raw parts, turned into a [`JournalEntry`] when read.
#[derive(Debug)]
pub struct Recorded {
    time: time::OffsetDateTime,
    method: http::Method,
    path: String,
    request_headers: http::HeaderMap,
    /// `None` when over the body limit or unreadable.
    request_body: Option<Bytes>,
    status: http::StatusCode,
    response_headers: http::HeaderMap,
    response_body: Bytes,
    latency: std::time::Duration,
    diagnosis: Option<Diagnosis>,
    /// The plaintext of an encrypted exchange, from the signing layer.
    plaintext: Option<DecryptedExchange>,
    /// What the replay did (a response extension of the replay middleware).
    replay: Option<ReplayNote>,
}

impl Recorded {
    fn tracer_id(&self) -> Option<&str> {
        self.response_headers
            .get(TRACER_ID)
            .and_then(|v| v.to_str().ok())
    }

    fn operation(&self) -> Option<OperationId> {
        OperationId::from_path(&self.path)
    }

    fn client_id(&self) -> Option<&str> {
        self.request_headers
            .get(CLIENT_ID)
            .and_then(|v| v.to_str().ok())
    }

    /// The answer as JSON: the wire body, or the plaintext of an encrypted answer.
    fn response_json(&self) -> Option<&[u8]> {
        if self.response_headers.contains_key(ENCRYPT) {
            return self.plaintext.as_ref().map(|p| p.response.as_ref());
        }
        Some(&self.response_body)
    }

    /// The request as JSON: the wire body, or the plaintext of an encrypted request.
    fn request_json(&self) -> Option<&[u8]> {
        if self.request_headers.contains_key(ENCRYPT) {
            return self.plaintext.as_ref().map(|p| p.request.as_ref());
        }
        self.request_body.as_deref()
    }

    /// `resultCode` and `resultStatus` (of the plaintext, when the answer is encrypted).
    fn result(&self) -> Option<(String, Option<String>)> {
        serde_json::from_slice::<Value>(self.response_json()?)
            .ok()
            .and_then(|v| result_object(&v))
    }

    /// The redacted entry, without ledger entries (see [`Journal::complete`]).
    pub fn entry(&self) -> JournalEntry {
        let result = self.result();
        let result_code = result.as_ref().map(|(code, _)| code.clone());
        JournalEntry {
            time: self
                .time
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            tracer_id: self.tracer_id().map(str::to_owned),
            client_id: self.client_id().map(str::to_owned),
            method: self.method.to_string(),
            path: self.path.clone(),
            operation: self.operation(),
            verification: verification(result_code.as_deref()),
            result_code,
            result_status: result.and_then(|(_, status)| status),
            http_status: self.status.as_u16(),
            latency_ms: self.latency.as_secs_f64() * 1000.0,
            ledger_entries: Vec::new(),
            request: Message {
                headers: redact_headers(&self.request_headers),
                body: shown_body(
                    self.request_body.as_deref(),
                    self.request_headers.contains_key(ENCRYPT),
                ),
                decrypted: self
                    .plaintext
                    .as_ref()
                    .map(|p| shown_body(Some(&p.request), false)),
            },
            response: Message {
                headers: redact_headers(&self.response_headers),
                body: shown_body(
                    Some(&self.response_body),
                    self.response_headers.contains_key(ENCRYPT),
                ),
                decrypted: self
                    .plaintext
                    .as_ref()
                    .map(|p| shown_body(Some(&p.response), false)),
            },
            diagnosis: self.diagnosis.clone(),
            replay: self.replay.clone(),
        }
    }

    /// The bizNo an Issue or Redeem request carried, for its ledger entries.
    fn biz_no(&self) -> Option<String> {
        if !matches!(
            self.operation(),
            Some(OperationId::IssueAPoint | OperationId::RedeemAPoint)
        ) {
            return None;
        }
        serde_json::from_slice::<Value>(self.request_json()?)
            .ok()?
            .get("bizNo")?
            .as_str()
            .map(str::to_owned)
    }
}

fn verification(result_code: Option<&str>) -> Verification {
    match result_code.and_then(|code| COMMON_RESULT_CODES.iter().find(|c| c.code == code)) {
        Some(common) => Verification::Rejected {
            reason: common.reason.as_str().to_owned(),
        },
        None => Verification::Ok,
    }
}

/// The ring of recent exchanges and its live subscribers.
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<Arc<Recorded>>>,
    live: broadcast::Sender<Arc<Recorded>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// A journal keeping the newest `capacity` exchanges (0 records nothing).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(DEFAULT_CAPACITY))),
            live: broadcast::channel(256).0,
        }
    }

    /// Whether anything is recorded at all.
    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Adds an exchange, dropping the oldest beyond the capacity, and tells subscribers.
    fn push(&self, recorded: Recorded) {
        if !self.enabled() {
            return;
        }
        let recorded = Arc::new(recorded);
        {
            let mut entries = self.lock();
            if entries.len() == self.capacity {
                entries.pop_front();
            }
            entries.push_back(recorded.clone());
        }
        // Nobody listening is fine.
        let _ = self.live.send(recorded);
    }

    /// Matching entries, newest first (without ledger entries: see [`Journal::complete`]).
    pub(crate) fn list(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        let limit = filter.limit.unwrap_or(usize::MAX);
        let recorded: Vec<Arc<Recorded>> = self.lock().iter().rev().cloned().collect();
        recorded
            .iter()
            .filter(|r| filter.matches_recorded(r))
            .take(limit)
            .map(|r| r.entry())
            .collect()
    }

    /// The exchange with this `Tracer-Id`.
    pub(crate) fn get(&self, tracer_id: &str) -> Option<Arc<Recorded>> {
        self.lock()
            .iter()
            .rev()
            .find(|r| r.tracer_id() == Some(tracer_id))
            .cloned()
    }

    /// Forgets every entry.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// New exchanges as they are recorded (a slow subscriber skips what it missed).
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Recorded>> {
        self.live.subscribe()
    }

    /// `entry` with the ledger entries its Issue or Redeem moved: this client's entries under
    /// the request's bizNo, posted while the request ran.
    pub(crate) async fn complete(simulator: &Simulator, recorded: &Recorded) -> JournalEntry {
        let mut entry = recorded.entry();
        if let (Some(biz_no), Some(client_id), Verification::Ok) = (
            recorded.biz_no(),
            entry.client_id.clone(),
            &entry.verification,
        ) {
            let from_ms = (recorded.time.unix_timestamp_nanos() / 1_000_000) as i64;
            let to_ms = from_ms + recorded.latency.as_millis() as i64 + 1;
            let request = RequestEntries {
                client_id,
                biz_no,
                from_ms,
                to_ms,
            };
            entry.ledger_entries = simulator
                .store()
                .request_entries(request)
                .await
                .unwrap_or_default();
        }
        entry
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Recorded>>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What [`record`] needs.
#[derive(Clone)]
pub struct Recorder {
    /// The journal written to.
    pub journal: Arc<Journal>,
    /// The partners' keys, to diagnose signatures that do not verify.
    pub key_store: Arc<dyn ClientKeyStore>,
    /// The API's body limit: a longer body is passed on unread (the signing layer refuses it).
    pub max_body_bytes: usize,
}

/// Axum middleware (`from_fn_with_state`) around the signed API router.
pub async fn record(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    let journal = recorder.journal.clone();
    if !journal.enabled() {
        return next.run(request).await;
    }
    let started = Instant::now();
    let time = time::OffsetDateTime::now_utc();
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Read at most one byte over the limit: enough for the layer to refuse the body as too
    // large, never more than the limit in memory.
    let (request_body, body) = if declared.is_some_and(|n| n > recorder.max_body_bytes as u64) {
        (None, body)
    } else {
        match collect_at_most(body, recorder.max_body_bytes + 1).await {
            Some(bytes) => (Some(bytes.clone()), Body::from(bytes)),
            None => (None, Body::empty()),
        }
    };
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let request_headers = parts.headers.clone();
    let signed_head = diagnosis::SignedHead::from_parts(&parts);

    let response = next.run(Request::from_parts(parts, body)).await;

    let (response_parts, response_body) = response.into_parts();
    // An answer whose body fails is a connection closed without an answer (a scripted
    // transport fault, or an inner failure): record that, and fail the body again so the
    // partner sees the same thing.
    let (response_body, failure) = match response_body.collect().await {
        Ok(collected) => (collected.to_bytes(), None),
        Err(error) => (
            Bytes::from(format!("(no answer: the connection was closed: {error})")),
            Some(error.to_string()),
        ),
    };
    let mut recorded = Recorded {
        time,
        method,
        path,
        request_headers,
        request_body,
        status: response_parts.status,
        response_headers: response_parts.headers.clone(),
        response_body: response_body.clone(),
        latency: started.elapsed(),
        diagnosis: None,
        plaintext: response_parts
            .extensions
            .get::<DecryptedExchange>()
            .cloned(),
        replay: response_parts.extensions.get::<ReplayNote>().cloned(),
    };
    // Only a refused signature costs more than keeping the parts: diagnose it now, while
    // the keys it was checked against are the current ones.
    let refused_signature = matches!(
        verification(recorded.result().map(|(code, _)| code).as_deref()),
        Verification::Rejected { ref reason } if reason == "invalid_signature"
    );
    if refused_signature && let (Some(head), Some(body)) = (&signed_head, &recorded.request_body) {
        recorded.diagnosis = Some(diagnosis::diagnose(head, body, recorder.key_store.as_ref()));
    }
    journal.push(recorded);
    match failure {
        None => Response::from_parts(response_parts, Body::from(response_body)),
        Some(error) => {
            let failed = futures_util::stream::once(async move {
                Err::<Bytes, _>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    error,
                ))
            });
            Response::from_parts(response_parts, Body::from_stream(failed))
        }
    }
}

/// `2026-12-01T10:00:00Z redeemAPoint POINT_NOT_ENOUGH (F) 3.1 ms client DEMO... tracer 5f...`
pub fn one_line(entry: &JournalEntry) -> String {
    let operation = entry
        .operation
        .map_or_else(|| entry.path.clone(), |op| op.to_string());
    let outcome = match &entry.verification {
        Verification::Ok => String::new(),
        Verification::Rejected { reason } => format!(" rejected: {reason}"),
    };
    let replay = entry
        .replay
        .as_ref()
        .map(|note| format!(" ({})", note.summary()))
        .unwrap_or_default();
    format!(
        "{} {operation} {} ({}){outcome} {:.1} ms client {} tracer {}{replay}",
        entry.time,
        entry.result_code.as_deref().unwrap_or("-"),
        entry.result_status.as_deref().unwrap_or("-"),
        entry.latency_ms,
        entry.client_id.as_deref().unwrap_or("-"),
        entry.tracer_id.as_deref().unwrap_or("-"),
    )
}

/// The body, stopping once `limit` bytes are read; `None` if it could not be read.
async fn collect_at_most(mut body: Body, limit: usize) -> Option<Bytes> {
    let mut collected = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.ok()?;
        if let Ok(data) = frame.into_data() {
            let room = limit - collected.len();
            collected.extend_from_slice(&data[..data.len().min(room)]);
            if collected.len() == limit {
                break;
            }
        }
    }
    Some(Bytes::from(collected))
}

/// `{"result": {...}}` or `{"resultInfo": {...}}`: the code and status.
fn result_object(body: &Value) -> Option<(String, Option<String>)> {
    let object = body.as_object()?;
    let result = object
        .values()
        .find(|v| v.get("resultCode").is_some_and(Value::is_string))?;
    Some((
        result.get("resultCode")?.as_str()?.to_owned(),
        result
            .get("resultStatus")
            .and_then(Value::as_str)
            .map(str::to_owned),
    ))
}

/// Every header, with the values that carry key material masked.
fn redact_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let shown = if name.as_str().eq_ignore_ascii_case(SIGNATURE) {
                mask_parameter(&text, "signature")
            } else if name.as_str().eq_ignore_ascii_case(ENCRYPT) {
                mask_parameter(&text, "symmetricKey")
            } else if name == http::header::AUTHORIZATION || name == http::header::COOKIE {
                "(redacted)".to_owned()
            } else {
                text
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// `algorithm=RSA256, keyVersion=1, signature=abc...` with the secret parameter's value
/// replaced by its length (the rest stays: it is what partners get wrong).
fn mask_parameter(value: &str, secret: &str) -> String {
    value
        .split(',')
        .map(|part| match part.split_once('=') {
            Some((key, v)) if key.trim().eq_ignore_ascii_case(secret) => {
                format!("{key}=(redacted, {} characters)", v.trim().len())
            }
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The body as text for the journal: JSON with access tokens masked, or a note.
fn shown_body(body: Option<&[u8]>, encrypted: bool) -> String {
    let Some(body) = body else {
        return "(not recorded: over the body limit or unreadable)".to_owned();
    };
    if encrypted {
        return format!("(RSA_AES-encrypted, {} bytes)", body.len());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            mask_tokens(&mut value);
            value.to_string()
        }
        Err(_) => {
            let text = String::from_utf8_lossy(&body[..body.len().min(SHOWN_BODY_BYTES)]);
            if body.len() > SHOWN_BODY_BYTES {
                format!("{text}... ({} bytes in all)", body.len())
            } else {
                text.into_owned()
            }
        }
    }
}

/// Masks every string under a key that names a token (`accessToken`, ...), at any depth.
fn mask_tokens(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key.to_ascii_lowercase().contains("token")
                    && let Value::String(s) = v
                {
                    let prefix: String = s.chars().take(4).collect();
                    *s = format!("{prefix}... (redacted, {} characters)", s.chars().count());
                    continue;
                }
                mask_tokens(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_tokens),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(tracer: &str, code: &str) -> Recorded {
        let mut response_headers = http::HeaderMap::new();
        response_headers.insert(TRACER_ID, tracer.parse().unwrap());
        Recorded {
            time: time::OffsetDateTime::now_utc(),
            method: http::Method::POST,
            path: alipayhk_api::spec::paths::REDEEM_A_POINT.into(),
            request_headers: http::HeaderMap::new(),
            request_body: Some(Bytes::from_static(b"{}")),
            status: http::StatusCode::OK,
            response_headers,
            response_body: Bytes::from(format!(
                r#"{{"result":{{"resultCode":"{code}","resultStatus":"F"}}}}"#
            )),
            latency: std::time::Duration::from_millis(1),
            diagnosis: None,
            plaintext: None,
            replay: None,
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_and_lists_them_first() {
        let journal = Journal::new(2);
        for (tracer, code) in [
            ("t1", "SUCCESS"),
            ("t2", "POINT_NOT_ENOUGH"),
            ("t3", "SUCCESS"),
        ] {
            journal.push(recorded(tracer, code));
        }
        let all: Vec<_> = journal
            .list(&JournalFilter::default())
            .iter()
            .map(|e| e.tracer_id.clone().unwrap())
            .collect();
        assert_eq!(all, ["t3", "t2"]);
        assert!(journal.get("t1").is_none());
        let failed = journal.list(&JournalFilter {
            result_code: Some("POINT_NOT_ENOUGH".into()),
            ..JournalFilter::default()
        });
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].operation, Some(OperationId::RedeemAPoint));
        journal.clear();
        assert!(journal.list(&JournalFilter::default()).is_empty());
    }

    #[test]
    fn secrets_are_masked() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            SIGNATURE,
            "algorithm=RSA256,keyVersion=1,signature=c2VjcmV0"
                .parse()
                .unwrap(),
        );
        let shown = redact_headers(&headers);
        assert_eq!(
            shown[0].1,
            "algorithm=RSA256,keyVersion=1,signature=(redacted, 8 characters)"
        );
        let body = shown_body(
            Some(br#"{"accessToken":"281001133486932346","x":1}"#),
            false,
        );
        assert!(!body.contains("281001133486932346"), "{body}");
        assert!(body.contains("2810... (redacted, 18 characters)"), "{body}");
        assert_eq!(
            shown_body(Some(b"QUJD"), true),
            "(RSA_AES-encrypted, 4 bytes)"
        );
    }
}
