//! A conformance case: one thing the server must do, on one operation.

use std::collections::BTreeSet;
use std::path::PathBuf;

use alipayhk_runtime::ResultStatus;
use serde_json::Value;

use crate::invalid::Breach;
use crate::wire::Tamper;

/// One case of the suite, derived from the spec by [`crate::derive`].
#[derive(Debug, Clone)]
pub struct Case {
    /// The `operationId` the case calls.
    pub operation: String,
    /// The case's name within the operation, e.g. `missing_signature`; stable, it names
    /// the snapshot file.
    pub name: String,
    /// What the case sends.
    pub kind: CaseKind,
    /// What a conforming server answers (the last response, for multi-call cases).
    pub expect: Expectation,
    /// Set when the spec lacks what the case needs; the case is reported as skipped.
    pub skip: Option<String>,
    /// The `x-assumption` the case rests on: its failure is reported as "assumption not
    /// held", apart from the pages' facts (`None`: a fact).
    pub assumption: Option<String>,
}

/// What a case sends.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseKind {
    /// The spec example, correctly signed.
    Success,
    /// The spec example after asking the server's admin API to answer `code` once.
    ScriptedCode {
        /// The code the server is told to answer.
        code: String,
    },
    /// The spec example with one protocol defect.
    Protocol(Tamper),
    /// The spec example encrypted with `RSA_AES`; the response must come back encrypted.
    EncryptedRoundTrip,
    /// The same request twice (fresh time and signature): the same result both times.
    IdempotentReplay,
    /// The same idempotency key with a changed amount: the second call is refused.
    InconsistentReplay,
    /// The spec example made to break one rule of the request table.
    InvalidRequest(Breach),
    /// `--generate`: `count` requests built from the schemas with `seed`; valid ones (any
    /// documented code of the operation), or mutants breaking one rule (`*_ILLEGAL`).
    Generated {
        /// Valid requests, or mutants.
        valid: bool,
        /// How many.
        count: u32,
        /// The seed.
        seed: u64,
    },
    /// A business rule over the public API, with the test user.
    Business(crate::business::Sequence),
    /// `--recording DIR`: a recorded request sent again, its answer compared with the
    /// recorded one.
    Recorded(Box<Recorded>),
}

/// What the response must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// HTTP status.
    pub http_status: u16,
    /// The body property holding the result object (`result` or `resultInfo`).
    pub result_field: String,
    /// `resultCode` in the result object.
    pub result_code: String,
    /// Its documented `resultStatus`.
    pub result_status: ResultStatus,
}

impl Case {
    /// `<operationId>/<name>`: what `--only` matches and reports print.
    pub fn id(&self) -> String {
        format!("{}/{}", self.operation, self.name)
    }

    /// `<operationId>__<name>`: the snapshot name (file-system safe: `/` becomes `__`,
    /// brackets and dots stay).
    pub fn snapshot_name(&self) -> String {
        let name: String = self
            .name
            .replace('/', "__")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_-.[]".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{}__{name}", self.operation)
    }

    /// Whether the case needs the server's admin API.
    pub fn needs_admin(&self) -> bool {
        matches!(self.kind, CaseKind::ScriptedCode { .. })
    }
}

/// A case built from one recorded exchange: what to send and what to compare with.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The file, relative to the recording folder.
    pub file: PathBuf,
    /// The exchange as recorded.
    pub exchange: alipayhk_recording::Exchange,
    /// The body to send: the recorded one, secrets restored, idempotency key fresh.
    pub body: Value,
    /// Whether to send it encrypted.
    pub encrypt: bool,
    /// Why it cannot be sent (a secret placeholder no secrets file restores).
    pub unsendable: Option<String>,
    /// What the exchange's label says besides the file (e.g. sent plain though recorded
    /// encrypted).
    pub note: Option<String>,
    /// The answer properties not compared.
    pub ignored: BTreeSet<String>,
    /// The recording's placeholder key and the secret property names: a received secret
    /// is compared by its placeholder.
    pub placeholder_key: Vec<u8>,
    /// The secret property names.
    pub secret_fields: Vec<String>,
}

/// The idempotency keys (`bizNo`) are at most this long (protocol.md §E1).
const MAX_IDEMPOTENCY_KEY_LEN: usize = 64;

/// `name` + `suffix`, at most [`MAX_IDEMPOTENCY_KEY_LEN`] characters: the name is cut, the
/// run's suffix kept (two runs must not share keys).
pub(crate) fn idempotency_key(name: &str, suffix: &str) -> String {
    let room = MAX_IDEMPOTENCY_KEY_LEN.saturating_sub(suffix.chars().count());
    let mut key: String = name.chars().take(room).collect();
    key.push_str(suffix);
    key.chars().take(MAX_IDEMPOTENCY_KEY_LEN).collect()
}
