//! One recorded exchange: what a reviewer reads and what replay answers from.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The format of every file this crate writes and the only one it reads. A new version is a
/// new string; readers refuse versions they do not know.
pub const FORMAT: &str = "alipayhk-recording/1";

/// One request and its answer, as they passed through `alipayhk proxy --record`.
///
/// Never holds keys, signatures, or the `Signature` and `Encrypt` headers. Secrets in bodies
/// are placeholders (see [`Redactor`](crate::Redactor)). The body of an encrypted message is
/// kept only when the recording was asked for plaintext; otherwise it is `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Exchange {
    /// Always [`FORMAT`].
    pub format: String,
    /// The operation id of the spec (`inquireAPoint`, ...).
    pub operation: String,
    /// The request path.
    pub path: String,
    /// The request.
    pub request: Request,
    /// The answer.
    pub answer: Answer,
    /// From the first request byte sent to the last answer byte read, in milliseconds.
    pub latency_ms: u64,
    /// Whether each signature verified (`None`: not checked, e.g. no key for it).
    pub signatures: Signatures,
    /// What the proxy found wrong with the exchange (empty: nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
}

/// The request half of an [`Exchange`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    /// The `Client-Id` header.
    pub client_id: String,
    /// Whether the body was `RSA_AES`-encrypted on the wire.
    #[serde(default)]
    pub encrypted: bool,
    /// The JSON body, secrets replaced; `None` for an encrypted body recorded without
    /// plaintext, or a body that was not JSON.
    pub body: Option<Value>,
}

/// The answer half of an [`Exchange`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Answer {
    /// The HTTP status.
    pub http_status: u16,
    /// The documented result code (`resultCode` of the result object), if there was one.
    pub result_code: Option<String>,
    /// Its status, `S`, `F` or `U`, as the answer gave it.
    pub result_status: Option<String>,
    /// The `Tracer-Id` header, if any.
    pub tracer_id: Option<String>,
    /// Whether the body was `RSA_AES`-encrypted on the wire.
    #[serde(default)]
    pub encrypted: bool,
    /// The JSON body, secrets replaced (see [`Request::body`]).
    pub body: Option<Value>,
}

/// Whether the two signatures of an exchange verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Signatures {
    /// The request's, checked with the partner's public key.
    pub request: Option<bool>,
    /// The answer's, checked with AlipayHK's public key.
    pub response: Option<bool>,
}

impl Exchange {
    /// A name for this exchange's file: `<operation>/<n>-<resultCode>.yaml`, `n` zero-padded.
    /// Without a result code, `HTTP<status>` stands in. Only `[A-Za-z0-9_-]` reach the name.
    pub fn file_name(&self, n: u32) -> String {
        let code = match &self.answer.result_code {
            Some(code) => safe_segment(code),
            None => format!("HTTP{}", self.answer.http_status),
        };
        format!("{}/{n:04}-{code}.yaml", safe_segment(&self.operation))
    }
}

/// `text` with every character outside `[A-Za-z0-9_-]` replaced by `_`, at most 64 long and
/// never empty: safe as one path segment.
pub(crate) fn safe_segment(text: &str) -> String {
    let safe: String = text
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() { "_".into() } else { safe }
}
