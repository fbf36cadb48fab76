//! Typed outcomes of one API call, shared by every generated operation.
//!
//! A call ends in exactly one of: the typed response (`S`), [`CallError::Failed`] (a
//! documented `F` code: final), [`CallError::Unknown`] (a `U` code, a transport failure after
//! sending, a refused redirect, an oversize body, a bad or missing response signature, a
//! stale or misaddressed answer, an undecodable body: retry with the same
//! `bizNo` or inquire), [`CallError::Invalid`] (the request failed `validate()`; nothing was
//! sent) or [`CallError::NotSent`] (signing or encryption failed; nothing was sent).
//!
//! Which status a result code has is decided by the operation's documented table first
//! (redeem documents `UNKNOWN_EXCEPTION` as `F`, and that is honoured) and by the response's
//! `resultStatus` only for codes the table does not know.

use std::fmt;

use serde::de::DeserializeOwned;

use crate::client::{RawResponse, TransportError};
pub use crate::response_meta::ResponseMeta;
use crate::result_code::ResultCode;
use crate::result_status::ResultStatus;
// Generated clients name these through `outcome` (their bytes do not change); the
// documented path is `validation`.
#[doc(hidden)]
pub use crate::validation::{FieldViolation, ValidationErrors};

/// A successful (`S`) call: the typed response with its [`ResponseMeta`] and the
/// idempotency key it was sent with. Derefs to the response.
#[derive(Debug, Clone)]
pub struct ResponseValue<T> {
    inner: T,
    response: ResponseMeta,
    idempotency_key: Option<String>,
}

impl<T> ResponseValue<T> {
    /// Wraps a decoded response.
    pub fn new(inner: T, response: ResponseMeta, idempotency_key: Option<String>) -> Self {
        ResponseValue {
            inner,
            response,
            idempotency_key,
        }
    }

    /// The typed response.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// Status and headers of the answer.
    pub fn response(&self) -> &ResponseMeta {
        &self.response
    }

    /// `Tracer-Id` of the answer, for AlipayHK support.
    pub fn tracer_id(&self) -> Option<&str> {
        self.response.tracer_id.as_deref()
    }

    /// `Response-Time` of the answer, as received.
    pub fn response_time(&self) -> Option<&str> {
        self.response.response_time.as_deref()
    }

    /// HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.response.status
    }

    /// The idempotency key (`bizNo`) the request carried: the caller's, or the one the
    /// client assigned. `None` for operations without one.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    /// Applies `f` to the response, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ResponseValue<U> {
        ResponseValue {
            inner: f(self.inner),
            response: self.response,
            idempotency_key: self.idempotency_key,
        }
    }
}

impl<T> std::ops::Deref for ResponseValue<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> std::ops::DerefMut for ResponseValue<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

/// Why a call did not return a successful response. `F` is the operation's failure-code
/// enum (`<Op>Failure`), which has no `SUCCESS`.
#[derive(Debug)]
pub enum CallError<F> {
    /// The request failed `validate()`; nothing was sent.
    Invalid(ValidationErrors),
    /// Nothing reached the server (e.g. signing failed); safe to fix and send again.
    NotSent(NotSent),
    /// A documented `F` result: final, nothing was done. Match on `code`.
    Failed {
        /// The result code.
        code: F,
        /// The server's `resultMessage` (for people; do not branch on it).
        message: Option<String>,
        /// The (verified) answer's status and headers, `Tracer-Id` included (boxed to keep
        /// `Result`s small).
        response: Box<ResponseMeta>,
        /// The idempotency key the request carried, if the operation has one.
        idempotency_key: Option<String>,
    },
    /// The outcome is unknown: retry with the same idempotency key (`bizNo`) or inquire.
    Unknown {
        /// Why the outcome is unknown.
        reason: UnknownOutcome,
        /// The answer's status and headers, when an answer came back at all.
        response: Option<Box<ResponseMeta>>,
        /// The idempotency key to retry with, if the operation has one.
        idempotency_key: Option<String>,
    },
}

impl<F> CallError<F> {
    /// Sorts a transport error: unknown outcome if the request may have been sent.
    pub fn from_transport(error: TransportError) -> Self {
        CallError::from_send(crate::client::SendError {
            error,
            response: None,
        })
    }

    /// Sorts a [`SendError`](crate::client::SendError), keeping the answer's metadata.
    pub fn from_send(error: crate::client::SendError) -> Self {
        match NotSent::try_from(error.error) {
            Ok(not_sent) => CallError::NotSent(not_sent),
            Err(sent) => CallError::Unknown {
                reason: UnknownOutcome::Transport(sent),
                response: error.response.map(Box::new),
                idempotency_key: None,
            },
        }
    }

    /// Sets the idempotency key on [`Failed`](CallError::Failed) and
    /// [`Unknown`](CallError::Unknown) (nothing else was sent).
    pub fn with_idempotency_key(mut self, key: Option<String>) -> Self {
        match &mut self {
            CallError::Failed {
                idempotency_key, ..
            }
            | CallError::Unknown {
                idempotency_key, ..
            } => *idempotency_key = key,
            CallError::Invalid(_) | CallError::NotSent(_) => {}
        }
        self
    }

    /// `true` for [`CallError::Unknown`]: the caller must retry or inquire, never assume.
    pub fn is_unknown(&self) -> bool {
        matches!(self, CallError::Unknown { .. })
    }

    /// The documented failure code, for [`CallError::Failed`].
    pub fn failed_code(&self) -> Option<&F> {
        match self {
            CallError::Failed { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Why the outcome is unknown, for [`CallError::Unknown`].
    pub fn unknown_reason(&self) -> Option<&UnknownOutcome> {
        match self {
            CallError::Unknown { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The answer's status and headers, if an answer came back.
    pub fn response(&self) -> Option<&ResponseMeta> {
        match self {
            CallError::Failed { response, .. } => Some(response),
            CallError::Unknown { response, .. } => response.as_deref(),
            CallError::Invalid(_) | CallError::NotSent(_) => None,
        }
    }

    /// `Tracer-Id` of the answer, for AlipayHK support.
    pub fn tracer_id(&self) -> Option<&str> {
        self.response()?.tracer_id.as_deref()
    }

    /// The idempotency key (`bizNo`) the request was sent with: retry with exactly this one.
    pub fn idempotency_key(&self) -> Option<&str> {
        match self {
            CallError::Failed {
                idempotency_key, ..
            }
            | CallError::Unknown {
                idempotency_key, ..
            } => idempotency_key.as_deref(),
            CallError::Invalid(_) | CallError::NotSent(_) => None,
        }
    }
}

impl<F: fmt::Display> fmt::Display for CallError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Invalid(errors) => write!(f, "request not sent: {errors}")?,
            CallError::NotSent(error) => write!(f, "{error}")?,
            CallError::Failed { code, message, .. } => {
                write!(f, "failed with {code}")?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
            }
            CallError::Unknown { reason, .. } => write!(f, "{reason}")?,
        }
        if let Some(key) = self.idempotency_key() {
            write!(f, " [idempotency key {key}]")?;
        }
        if let Some(tracer) = self.tracer_id() {
            write!(f, " [Tracer-Id {tracer}]")?;
        }
        Ok(())
    }
}

impl<F: fmt::Debug + fmt::Display> std::error::Error for CallError<F> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CallError::NotSent(error) => Some(error),
            CallError::Unknown {
                reason: UnknownOutcome::Transport(error),
                ..
            } => Some(error),
            _ => None,
        }
    }
}

/// Why a request was never sent. Nothing reached the server, so there is no outcome to
/// reconcile and no answer to hold: fix the cause and send again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotSent {
    /// Signing failed.
    #[error("request not sent: {0}")]
    Sign(#[source] crate::signature::SignError),
    /// Encryption failed.
    #[error("request not sent: encryption failed: {0}")]
    Encrypt(#[source] crate::encryption::EncryptionError),
    /// The path, a header value or the request itself was invalid.
    #[error("request not sent: {0}")]
    InvalidRequest(String),
    /// Connecting failed.
    #[error("cannot connect to {url}: {source}; check base_url and the network (nothing was sent)")]
    Connect {
        /// The URL.
        url: String,
        /// The error.
        #[source]
        source: reqwest::Error,
    },
}

impl TryFrom<TransportError> for NotSent {
    type Error = TransportError;

    /// The transport errors that happen before a byte is sent; any other is given back (its
    /// outcome is unknown).
    fn try_from(error: TransportError) -> Result<Self, TransportError> {
        match error {
            TransportError::Sign(e) => Ok(NotSent::Sign(e)),
            TransportError::Encrypt(e) => Ok(NotSent::Encrypt(e)),
            TransportError::InvalidRequest(e) => Ok(NotSent::InvalidRequest(e)),
            TransportError::Connect { url, source } => Ok(NotSent::Connect { url, source }),
            sent => Err(sent),
        }
    }
}

/// Why the outcome of a call is not known.
#[derive(Debug)]
#[non_exhaustive]
pub enum UnknownOutcome {
    /// The result said `U` (by the documented table, or by `resultStatus` for an
    /// undocumented code).
    ResultUnknown {
        /// The `resultCode` as received.
        code: String,
        /// The `resultMessage`, if any.
        message: Option<String>,
    },
    /// The request may have been sent but no verified response came back (timeout,
    /// non-200 status, a refused redirect, an oversize body, missing or invalid response
    /// signature, a stale or misaddressed answer, decryption failure).
    Transport(TransportError),
    /// A verified response whose body could not be decoded.
    Undecodable {
        /// What was wrong with the body.
        problem: String,
    },
}

impl fmt::Display for UnknownOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnknownOutcome::ResultUnknown { code, message } => {
                write!(f, "outcome unknown: result {code}")?;
                if let Some(message) = message {
                    write!(f, " ({message})")?;
                }
                write!(f, "; retry with the same business id or inquire")
            }
            UnknownOutcome::Transport(error) => write!(f, "{error}"),
            UnknownOutcome::Undecodable { problem } => write!(
                f,
                "outcome unknown: the verified response could not be decoded ({problem}); inquire"
            ),
        }
    }
}

#[doc(hidden)]
/// A fresh idempotency key (`bizNo`) for a request whose caller gave none: 32 lowercase hex
/// digits from 128 random bits, so two calls never share one.
pub fn new_idempotency_key() -> Result<String, NotSent> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| NotSent::InvalidRequest("no randomness for an idempotency key".into()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The result object of a response, read loosely (every field optional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultView {
    /// `resultCode`.
    pub code: String,
    /// `resultStatus`, if it is `S`, `F` or `U`; `None` when missing or anything else.
    pub status: Option<ResultStatus>,
    /// `resultMessage`.
    pub message: Option<String>,
}

/// Reads `{"<result_field>": {"resultCode", "resultStatus", "resultMessage"}}` from a body.
pub fn read_result(body: &[u8], result_field: &str) -> Option<ResultView> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let result = value.get(result_field)?;
    Some(ResultView {
        code: result.get("resultCode")?.as_str()?.to_string(),
        status: result
            .get("resultStatus")
            .and_then(|s| s.as_str())
            .and_then(|s| s.parse().ok()),
        message: result
            .get("resultMessage")
            .and_then(|m| m.as_str())
            .map(String::from),
    })
}

#[doc(hidden)]
/// The code of a result and the status it ends with ([`ResultStatus::decide`] over the
/// code's documented status).
pub fn decide<C: ResultCode>(result: &ResultView) -> (C, ResultStatus) {
    let code = C::from(result.code.as_str());
    let status = ResultStatus::decide(code.documented_status(), result.status);
    (code, status)
}

#[doc(hidden)]
/// `true` when the response is a `U` result (the transport's retry trigger).
pub fn is_unknown_result<C: ResultCode>(body: &[u8], result_field: &str) -> bool {
    read_result(body, result_field)
        .is_some_and(|result| decide::<C>(&result).1 == ResultStatus::Unknown)
}

#[doc(hidden)]
/// Turns a verified response into the call's outcome; `idempotency_key` is the key the
/// request carried, returned with every outcome.
pub fn settle<T: DeserializeOwned, C: ResultCode>(
    response: &RawResponse,
    result_field: &str,
    idempotency_key: Option<String>,
) -> Result<ResponseValue<T>, CallError<C::Failure>> {
    let meta = response.meta();
    let unknown = |reason, meta| CallError::Unknown {
        reason,
        response: Some(Box::new(meta)),
        idempotency_key: idempotency_key.clone(),
    };
    let Some(result) = read_result(&response.body, result_field) else {
        let problem = format!("no {result_field}.resultCode in the body");
        return Err(unknown(UnknownOutcome::Undecodable { problem }, meta));
    };
    match decide::<C>(&result) {
        (_, ResultStatus::Success) => match serde_json::from_slice(&response.body) {
            Ok(value) => Ok(ResponseValue::new(value, meta, idempotency_key)),
            Err(error) => {
                let problem = error.to_string();
                Err(unknown(UnknownOutcome::Undecodable { problem }, meta))
            }
        },
        (code, ResultStatus::Failure) => match code.into_failure() {
            Ok(code) => Err(CallError::Failed {
                code,
                message: result.message,
                response: Box::new(meta),
                idempotency_key,
            }),
            // A success code said `F`: `decide` already makes that `U`; kept safe anyway.
            Err(_) => Err(unknown(
                UnknownOutcome::ResultUnknown {
                    code: result.code,
                    message: result.message,
                },
                meta,
            )),
        },
        (_, ResultStatus::Unknown) => Err(unknown(
            UnknownOutcome::ResultUnknown {
                code: result.code,
                message: result.message,
            },
            meta,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{field_path, index_path};
    use http::HeaderMap;

    #[derive(Debug, PartialEq)]
    enum Code {
        Success,
        UnknownException,
        Other(String),
    }

    impl fmt::Display for Code {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{self:?}")
        }
    }

    impl From<&str> for Code {
        fn from(code: &str) -> Self {
            match code {
                "SUCCESS" => Code::Success,
                "UNKNOWN_EXCEPTION" => Code::UnknownException,
                other => Code::Other(other.to_string()),
            }
        }
    }

    impl ResultCode for Code {
        type Failure = Code;

        fn into_failure(self) -> Result<Code, Code> {
            match self {
                Code::Success => Err(Code::Success),
                other => Ok(other),
            }
        }

        fn documented_status(&self) -> Option<ResultStatus> {
            match self {
                Code::Success => Some(ResultStatus::Success),
                // Documented as F (as redeem does), whatever the wire says.
                Code::UnknownException => Some(ResultStatus::Failure),
                Code::Other(_) => None,
            }
        }
    }

    fn view(code: &str, status: &str) -> ResultView {
        let body = format!(r#"{{"result":{{"resultCode":"{code}","resultStatus":"{status}"}}}}"#);
        read_result(body.as_bytes(), "result").expect("result object")
    }

    #[test]
    fn documented_status_holds_when_the_wire_agrees() {
        assert_eq!(
            decide::<Code>(&view("UNKNOWN_EXCEPTION", "F")).1,
            ResultStatus::Failure
        );
        assert_eq!(
            decide::<Code>(&view("SUCCESS", "S")).1,
            ResultStatus::Success
        );
    }

    #[test]
    fn a_wire_status_that_contradicts_the_table_is_unknown() {
        // Neither "success" nor "final failure" can be trusted then.
        assert_eq!(
            decide::<Code>(&view("SUCCESS", "F")).1,
            ResultStatus::Unknown
        );
        assert_eq!(
            decide::<Code>(&view("UNKNOWN_EXCEPTION", "U")).1,
            ResultStatus::Unknown
        );
    }

    #[test]
    fn a_missing_or_malformed_status_is_unknown_even_for_success() {
        let body = br#"{"result":{"resultCode":"SUCCESS"}}"#;
        let missing = read_result(body, "result").expect("result object");
        assert_eq!(decide::<Code>(&missing).1, ResultStatus::Unknown);
        for malformed in ["X", "s", ""] {
            assert_eq!(
                decide::<Code>(&view("SUCCESS", malformed)).1,
                ResultStatus::Unknown,
                "{malformed:?}"
            );
        }
    }

    #[test]
    fn undocumented_code_goes_by_result_status() {
        assert_eq!(
            decide::<Code>(&view("NEW_CODE", "F")).1,
            ResultStatus::Failure
        );
        assert_eq!(
            decide::<Code>(&view("NEW_CODE", "U")).1,
            ResultStatus::Unknown
        );
        assert_eq!(
            decide::<Code>(&view("NEW_CODE", "X")).1,
            ResultStatus::Unknown
        );
    }

    #[test]
    fn assigned_idempotency_keys_are_distinct_hex() {
        let a = new_idempotency_key().expect("key");
        let b = new_idempotency_key().expect("key");
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn a_failure_carries_the_answer_metadata_and_the_key() {
        let mut headers = HeaderMap::new();
        headers.insert("Tracer-Id", "T-1".parse().expect("header"));
        headers.insert(
            "Response-Time",
            "2024-05-22T06:42:21+08:00".parse().expect("header"),
        );
        let response = RawResponse {
            status: 200,
            headers,
            body: br#"{"result":{"resultCode":"UNKNOWN_EXCEPTION","resultStatus":"F"}}"#.to_vec(),
        };
        let error = settle::<serde_json::Value, Code>(&response, "result", Some("K".into()))
            .expect_err("F");
        assert_eq!(error.tracer_id(), Some("T-1"));
        assert_eq!(error.idempotency_key(), Some("K"));
        assert_eq!(error.failed_code(), Some(&Code::UnknownException));
        let meta = error.response().expect("answered");
        assert_eq!(
            meta.response_time.as_deref(),
            Some("2024-05-22T06:42:21+08:00")
        );
        assert!(meta.verified);
        assert!(error.to_string().contains("Tracer-Id T-1"), "{error}");
    }

    #[test]
    fn paths_join_with_dots_and_brackets() {
        assert_eq!(field_path("", "a"), "a");
        assert_eq!(index_path(&field_path("a", "b"), 2), "a.b[2]");
    }
}
