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

use crate::ResultStatus;
use crate::client::{RawResponse, TransportError};

/// Why a call did not return a successful response. `C` is the operation's result-code enum.
#[derive(Debug)]
pub enum CallError<C> {
    /// The request failed `validate()`; nothing was sent.
    Invalid(ValidationErrors),
    /// Nothing reached the server (e.g. signing failed); safe to fix and send again.
    NotSent(TransportError),
    /// A documented `F` result: final, nothing was done. Match on `code`.
    Failed {
        /// The result code.
        code: C,
        /// The server's `resultMessage` (for people; do not branch on it).
        message: Option<String>,
    },
    /// The outcome is unknown: retry with the same business id (`bizNo`) or inquire.
    Unknown(UnknownOutcome),
}

impl<C> CallError<C> {
    /// Sorts a transport error: unknown outcome if the request may have been sent.
    pub fn from_transport(error: TransportError) -> Self {
        if error.outcome_unknown() {
            CallError::Unknown(UnknownOutcome::Transport(error))
        } else {
            CallError::NotSent(error)
        }
    }

    /// `true` for [`CallError::Unknown`]: the caller must retry or inquire, never assume.
    pub fn is_unknown(&self) -> bool {
        matches!(self, CallError::Unknown(_))
    }

    /// The documented failure code, for [`CallError::Failed`].
    pub fn failed_code(&self) -> Option<&C> {
        match self {
            CallError::Failed { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl<C: fmt::Display> fmt::Display for CallError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Invalid(errors) => write!(f, "request not sent: {errors}"),
            CallError::NotSent(error) => write!(f, "{error}"),
            CallError::Failed {
                code,
                message: Some(message),
            } => {
                write!(f, "failed with {code}: {message}")
            }
            CallError::Failed {
                code,
                message: None,
            } => write!(f, "failed with {code}"),
            CallError::Unknown(outcome) => write!(f, "{outcome}"),
        }
    }
}

impl<C: fmt::Debug + fmt::Display> std::error::Error for CallError<C> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CallError::NotSent(error) | CallError::Unknown(UnknownOutcome::Transport(error)) => {
                Some(error)
            }
            _ => None,
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

/// One field that breaks a constraint of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// JSON path of the field, e.g. `benefitRedeemInfos[0].amount`.
    pub path: String,
    /// What is wrong, e.g. `is 0, below the minimum 1`.
    pub problem: String,
}

impl FieldViolation {
    /// A violation at `path`.
    pub fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        FieldViolation {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(body)"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.problem)
    }
}

/// Every violation found in one value (validation never stops at the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldViolation>);

impl ValidationErrors {
    /// `Ok` when `violations` is empty.
    pub fn check(violations: Vec<FieldViolation>) -> Result<(), ValidationErrors> {
        if violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(violations))
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// `field_path("", "a") == "a"`, `field_path("a", "b") == "a.b"`.
pub fn field_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// `index_path("infos", 0) == "infos[0]"`.
pub fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// A generated result-code enum (`<Op>ResultCode`).
pub trait ResultCode: for<'a> From<&'a str> {
    /// The documented status, or `None` for a code the table does not list.
    fn documented_status(&self) -> Option<ResultStatus>;
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

/// The status a result ends with. A documented code keeps its documented status (so Redeem's
/// `UNKNOWN_EXCEPTION` stays `F`, as its page says); an undocumented code goes by its
/// `resultStatus`. When `resultStatus` is missing or not `S`/`F`/`U` (the spec requires it),
/// or contradicts the table (say `SUCCESS` with `F`), nobody can tell what happened: `U`.
pub fn decide<C: ResultCode>(result: &ResultView) -> (C, ResultStatus) {
    let code = C::from(result.code.as_str());
    let status = match (code.documented_status(), result.status) {
        (_, None) => ResultStatus::Unknown,
        (Some(documented), Some(wire)) if documented != wire => ResultStatus::Unknown,
        (Some(documented), Some(_)) => documented,
        (None, Some(wire)) => wire,
    };
    (code, status)
}

/// `true` when the response is a `U` result (the transport's retry trigger).
pub fn is_unknown_result<C: ResultCode>(body: &[u8], result_field: &str) -> bool {
    read_result(body, result_field)
        .is_some_and(|result| decide::<C>(&result).1 == ResultStatus::Unknown)
}

/// Turns a verified response into the call's outcome.
pub fn settle<T: DeserializeOwned, C: ResultCode>(
    response: &RawResponse,
    result_field: &str,
) -> Result<T, CallError<C>> {
    let Some(result) = read_result(&response.body, result_field) else {
        return Err(CallError::Unknown(UnknownOutcome::Undecodable {
            problem: format!("no {result_field}.resultCode in the body"),
        }));
    };
    match decide::<C>(&result) {
        (_, ResultStatus::Success) => serde_json::from_slice(&response.body).map_err(|error| {
            CallError::Unknown(UnknownOutcome::Undecodable {
                problem: error.to_string(),
            })
        }),
        (code, ResultStatus::Failure) => Err(CallError::Failed {
            code,
            message: result.message,
        }),
        (_, ResultStatus::Unknown) => Err(CallError::Unknown(UnknownOutcome::ResultUnknown {
            code: result.code,
            message: result.message,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Code {
        Success,
        UnknownException,
        Other(String),
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
    fn paths_join_with_dots_and_brackets() {
        assert_eq!(field_path("", "a"), "a");
        assert_eq!(index_path(&field_path("a", "b"), 2), "a.b[2]");
    }
}
