//! The request journal: what the API listener saw and answered, for the admin API and the
//! console.
//!
//! [`record`] wraps the signed API router from outside, so it sees the request exactly as it
//! arrived and the answer exactly as it left (signed, encrypted or not). Each exchange
//! becomes one [`JournalEntry`] in a bounded ring (the newest `capacity`, default 1,000),
//! and is sent to live subscribers (the admin API's event stream). Secrets never enter
//! it: `Signature` and `Encrypt` values and access tokens are masked, encrypted bodies
//! are shown by size only. When a request's signature does not verify, the entry says what
//! the simulator expected to be signed and which common mistake, if any, explains the
//! signature the partner sent ([`crate::diagnosis`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use alipayhk_api::OperationId;
use alipayhk_api::spec::COMMON_RESULT_CODES;
use alipayhk_runtime::headers::{CLIENT_ID, ENCRYPT, SIGNATURE, TRACER_ID};
use alipayhk_runtime::server::ClientKeyStore;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

use crate::diagnosis::{self, Diagnosis};
use crate::ledger::{LedgerEntry, PointLedger};
use crate::operations::Simulator;
use crate::store::StoreError;

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
    /// Whether `entry` passes (the limit aside).
    pub fn matches(&self, entry: &JournalEntry) -> bool {
        self.operation.is_none_or(|op| entry.operation == Some(op))
            && self
                .client_id
                .as_ref()
                .is_none_or(|c| entry.client_id.as_ref() == Some(c))
            && self
                .tracer_id
                .as_ref()
                .is_none_or(|t| entry.tracer_id.as_ref() == Some(t))
            && self
                .result_code
                .as_ref()
                .is_none_or(|c| entry.result_code.as_ref() == Some(c))
    }
}

/// The ring of recent entries and its live subscribers.
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<Arc<JournalEntry>>>,
    live: broadcast::Sender<Arc<JournalEntry>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// A journal keeping the newest `capacity` entries (0 records nothing).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(DEFAULT_CAPACITY))),
            live: broadcast::channel(256).0,
        }
    }

    /// Whether anything is recorded at all.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Adds an entry, dropping the oldest beyond the capacity, and tells subscribers.
    pub fn push(&self, entry: JournalEntry) {
        if !self.enabled() {
            return;
        }
        let entry = Arc::new(entry);
        {
            let mut entries = self.lock();
            if entries.len() == self.capacity {
                entries.pop_front();
            }
            entries.push_back(entry.clone());
        }
        // Nobody listening is fine.
        let _ = self.live.send(entry);
    }

    /// Matching entries, newest first.
    pub fn list(&self, filter: &JournalFilter) -> Vec<Arc<JournalEntry>> {
        let limit = filter.limit.unwrap_or(usize::MAX);
        self.lock()
            .iter()
            .rev()
            .filter(|e| filter.matches(e))
            .take(limit)
            .cloned()
            .collect()
    }

    /// The entry with this `Tracer-Id`.
    pub fn get(&self, tracer_id: &str) -> Option<Arc<JournalEntry>> {
        self.lock()
            .iter()
            .rev()
            .find(|e| e.tracer_id.as_deref() == Some(tracer_id))
            .cloned()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// New entries as they are recorded (a slow subscriber skips what it missed).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<JournalEntry>> {
        self.live.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<JournalEntry>>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What [`record`] needs.
#[derive(Clone)]
pub struct Recorder {
    /// The journal written to.
    pub simulator: Simulator,
    /// The partners' keys, to diagnose signatures that do not verify.
    pub key_store: Arc<dyn ClientKeyStore>,
    /// The API's body limit: a longer body is passed on unread (the signing layer refuses it).
    pub max_body_bytes: usize,
}

/// Axum middleware (`from_fn_with_state`) around the signed API router.
pub async fn record(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    let journal = recorder.simulator.journal().clone();
    if !journal.enabled() {
        return next.run(request).await;
    }
    let started = Instant::now();
    let time = now_rfc3339();
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
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let operation = OperationId::from_path(&path);
    let request_headers = redact_headers(&parts.headers);
    let client_id = header(&parts.headers, CLIENT_ID);
    let encrypted_request = parts.headers.contains_key(ENCRYPT);
    let before = match operation {
        Some(OperationId::IssueAPoint | OperationId::RedeemAPoint) => {
            last_entry_id(&recorder.simulator).await
        }
        _ => None,
    };
    let signed_head = diagnosis::SignedHead::from_parts(&parts);

    let response = next.run(Request::from_parts(parts, body)).await;

    let (response_parts, response_body) = response.into_parts();
    let response_bytes = response_body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let encrypted_response = response_parts.headers.contains_key(ENCRYPT);
    let result = (!encrypted_response)
        .then(|| serde_json::from_slice::<Value>(&response_bytes).ok())
        .flatten()
        .and_then(|v| result_object(&v));
    let result_code = result.as_ref().map(|(code, _)| code.clone());
    let verification = match result_code
        .as_deref()
        .and_then(|code| COMMON_RESULT_CODES.iter().find(|c| c.code == code))
    {
        Some(common) => Verification::Rejected {
            reason: common.reason.as_str().to_owned(),
        },
        None => Verification::Ok,
    };
    let diagnosis = match (&verification, &request_body) {
        (Verification::Rejected { reason }, Some(body)) if reason == "invalid_signature" => {
            signed_head
                .as_ref()
                .map(|head| diagnosis::diagnose(head, body, recorder.key_store.as_ref()))
        }
        _ => None,
    };
    let ledger_entries = match (before, &request_body, &client_id) {
        (Some(before), Some(body), Some(client_id)) if verification == Verification::Ok => {
            moved_entries(&recorder.simulator, before, client_id, body).await
        }
        _ => Vec::new(),
    };
    journal.push(JournalEntry {
        time,
        tracer_id: header(&response_parts.headers, TRACER_ID),
        client_id,
        method,
        path,
        operation,
        verification,
        result_code,
        result_status: result.and_then(|(_, status)| status),
        http_status: response_parts.status.as_u16(),
        latency_ms,
        ledger_entries,
        request: Message {
            headers: request_headers,
            body: shown_body(request_body.as_deref(), encrypted_request),
        },
        response: Message {
            headers: redact_headers(&response_parts.headers),
            body: shown_body(Some(&response_bytes), encrypted_response),
        },
        diagnosis,
    });
    Response::from_parts(response_parts, Body::from(response_bytes))
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
    format!(
        "{} {operation} {} ({}){outcome} {:.1} ms client {} tracer {}",
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

fn header(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
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

/// `text` with every token value found in the JSON `body` masked in place (the rest of the
/// text, byte for byte as it was).
pub fn mask_tokens_in_text(text: &str, body: &[u8]) -> String {
    fn collect(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match v {
                        Value::String(s) if key.to_ascii_lowercase().contains("token") => {
                            found.push(s.clone())
                        }
                        other => collect(other, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, found)),
            _ => {}
        }
    }
    let mut tokens = Vec::new();
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        collect(&value, &mut tokens);
    }
    let mut out = text.to_owned();
    for token in tokens.iter().filter(|t| !t.is_empty()) {
        let prefix: String = token.chars().take(4).collect();
        let masked = format!(
            "{prefix}... (redacted, {} characters)",
            token.chars().count()
        );
        out = out.replace(token.as_str(), &masked);
    }
    out
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

async fn last_entry_id(simulator: &Simulator) -> Option<i64> {
    simulator
        .store()
        .read_async(|db| PointLedger::new(db).last_entry_id())
        .await
        .ok()
}

/// The ledger entries after `before` that carry this client's bizNo from `body`.
async fn moved_entries(
    simulator: &Simulator,
    before: i64,
    client_id: &str,
    body: &[u8],
) -> Vec<LedgerEntry> {
    let Some(biz_no) = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("bizNo").and_then(Value::as_str).map(str::to_owned))
    else {
        return Vec::new();
    };
    let client_id = client_id.to_owned();
    simulator
        .store()
        .read_async(move |db| -> Result<_, StoreError> {
            PointLedger::new(db).entries_since(before, &client_id, &biz_no)
        })
        .await
        .unwrap_or_default()
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(tracer: &str, code: &str) -> JournalEntry {
        JournalEntry {
            time: String::new(),
            tracer_id: Some(tracer.into()),
            client_id: Some("C".into()),
            method: "POST".into(),
            path: "/p".into(),
            operation: Some(OperationId::RedeemAPoint),
            verification: Verification::Ok,
            result_code: Some(code.into()),
            result_status: None,
            http_status: 200,
            latency_ms: 1.0,
            ledger_entries: Vec::new(),
            request: Message {
                headers: Vec::new(),
                body: String::new(),
            },
            response: Message {
                headers: Vec::new(),
                body: String::new(),
            },
            diagnosis: None,
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
            journal.push(entry(tracer, code));
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
