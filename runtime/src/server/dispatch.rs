//! One dispatch for every operation: decode the verified body, validate it strictly,
//! call the handler, and turn its result into the answer.
//!
//! Generated code only declares what differs between operations (an [`Operation`] impl:
//! the model types and how to build the three stock answers) and calls [`dispatch`].

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::validation::{Assumptions, ValidationErrors, assumption_at};

/// What [`dispatch`] needs to know about one operation; generated per operation.
pub trait Operation {
    /// The spec's `operationId`, for logs.
    const ID: &'static str;
    /// The request model.
    type Request: DeserializeOwned;
    /// The response model.
    type Response: Serialize;
    /// The operation's documented failure codes (never `SUCCESS`).
    type Failure: fmt::Display;

    /// Where the request's constraints rest on an `x-assumption`, so that a body that does
    /// not decode says so too (`validate()` marks its own violations).
    const ASSUMPTIONS: Assumptions = &[];

    /// Every constraint the spec states on the request.
    fn validate(request: &Self::Request) -> Result<(), ValidationErrors>;
    /// The answer to a request that breaks the spec: the operation's `*_ILLEGAL` code, its
    /// documented message followed by `detail`.
    fn illegal(detail: &str) -> Self::Response;
    /// The answer for a documented failure: its status, and `message` or the documented one.
    fn failure(code: Self::Failure, message: Option<String>) -> Self::Response;
    /// The answer when the handler failed: `UNKNOWN_EXCEPTION` (`U`).
    fn unknown_exception() -> Self::Response;
}

/// Why a handler did not produce a response.
///
/// `?` turns any error into [`HandlerError::Internal`]: it is logged with its source chain
/// and answered with `UNKNOWN_EXCEPTION`, so nothing of it reaches the caller. A documented
/// failure is answered with [`HandlerError::failure`] (or by returning the operation's
/// response built from the code).
pub enum HandlerError<F> {
    /// Answer this documented failure code, with its documented status.
    Failure {
        /// The code.
        code: F,
        /// Replaces the documented message when set.
        message: Option<String>,
    },
    /// Something went wrong inside the handler.
    Internal(Box<dyn StdError + Send + Sync + 'static>),
}

impl<F> HandlerError<F> {
    /// Answer the documented failure `code`.
    pub fn failure(code: F) -> Self {
        HandlerError::Failure {
            code,
            message: None,
        }
    }

    /// Answer the documented failure `code` with `message` instead of the documented one.
    pub fn failure_with_message(code: F, message: impl Into<String>) -> Self {
        HandlerError::Failure {
            code,
            message: Some(message.into()),
        }
    }

    /// An internal error with only a message (for the log).
    pub fn msg(message: impl fmt::Display) -> Self {
        HandlerError::Internal(message.to_string().into())
    }
}

// Like `anyhow::Error`, `HandlerError` is not itself an `Error`, which is what lets `?`
// convert every error type into it.
impl<F, E> From<E> for HandlerError<F>
where
    E: StdError + Send + Sync + 'static,
{
    fn from(error: E) -> Self {
        HandlerError::Internal(Box::new(error))
    }
}

impl<F: fmt::Display> fmt::Debug for HandlerError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::Failure { code, message } => f
                .debug_struct("Failure")
                .field("code", &format_args!("{code}"))
                .field("message", message)
                .finish(),
            HandlerError::Internal(error) => f.debug_tuple("Internal").field(error).finish(),
        }
    }
}

impl<F: fmt::Display> fmt::Display for HandlerError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::Failure { code, .. } => write!(f, "documented failure {code}"),
            HandlerError::Internal(error) => {
                write!(f, "{error}")?;
                let mut source = error.source();
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
        }
    }
}

/// Decodes `body` into `O::Request`, validates it, calls `handle` and answers.
///
/// A body that does not decode or breaks a constraint is answered with the `*_ILLEGAL`
/// code and `handle` is not called; a [`HandlerError::Internal`] is logged and answered
/// with `UNKNOWN_EXCEPTION`.
pub async fn dispatch<O, H, Fut>(body: &[u8], handle: H) -> Response
where
    O: Operation,
    H: FnOnce(O::Request) -> Fut,
    Fut: Future<Output = Result<O::Response, HandlerError<O::Failure>>>,
{
    let request: O::Request = match decode::<O>(body) {
        Ok(request) => request,
        Err(detail) => return answer(O::illegal(&detail)),
    };
    if let Err(errors) = O::validate(&request) {
        return answer(O::illegal(&format!("({errors})")));
    }
    match handle(request).await {
        Ok(response) => answer(response),
        Err(HandlerError::Failure { code, message }) => answer(O::failure(code, message)),
        Err(error @ HandlerError::Internal(_)) => {
            tracing::warn!(
                operation = O::ID,
                error = %error,
                "handler failed; answering the unknown-exception code"
            );
            answer(O::unknown_exception())
        }
    }
}

/// Decodes a request body; on failure, the detail of the `*_ILLEGAL` answer: where it
/// failed, what was wrong, and the assumption the broken rule rests on, if any.
fn decode<O: Operation>(body: &[u8]) -> Result<O::Request, String> {
    if !is_json_object(body) {
        return Err(NOT_AN_OBJECT.to_owned());
    }
    // The plain decoder on the hot path; a body that fails is decoded again with its path
    // tracked, to say where and which assumption the broken rule rests on.
    serde_json::from_slice(body).map_err(|plain| {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        match serde_path_to_error::deserialize::<_, O::Request>(&mut deserializer) {
            Err(error) => {
                let path = error.path().to_string();
                let note = assumption_at(O::ASSUMPTIONS, if path == "." { "" } else { &path })
                    .map(|note| format!(" (assumption: {note})"))
                    .unwrap_or_default();
                format!("(body: {error}{note})")
            }
            // Decodes, so what failed is after the value (trailing characters).
            Ok(_) => format!("(body: {plain})"),
        }
    })
}

fn answer(response: impl Serialize) -> Response {
    Json(response).into_response()
}

/// Why a body that is not a JSON object is refused.
const NOT_AN_OBJECT: &str = "(body: not a JSON object)";

/// Whether `body` starts (after JSON whitespace) as an object. Every request body of the
/// spec is an object (the generator takes only a component schema, a struct or a map);
/// serde's derived decoder of a struct would also take a JSON array of the values in
/// field order, which no page documents.
fn is_json_object(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|b| *b == b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_object_is_a_request_body() {
        assert!(is_json_object(b" \r\n\t{\"a\":1}"));
        assert!(!is_json_object(b"[\"token\"]"), "an array of the values");
        assert!(!is_json_object(b"\"x\""));
        assert!(!is_json_object(b""));
        assert!(
            !is_json_object(b"\x0c{}"),
            "form feed is not JSON whitespace"
        );
    }

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("ledger write failed")
        }
    }

    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    fn fails() -> Result<(), HandlerError<&'static str>> {
        Err(Outer(std::io::Error::other("disk full")))?;
        Ok(())
    }

    #[test]
    fn question_mark_keeps_the_source_chain() {
        let error = fails().unwrap_err();
        assert!(matches!(error, HandlerError::Internal(_)));
        assert_eq!(error.to_string(), "ledger write failed: disk full");
    }

    #[test]
    fn failures_carry_their_code_and_message() {
        let error: HandlerError<&str> = HandlerError::failure_with_message("POINT_NOT_ENOUGH", "m");
        assert_eq!(error.to_string(), "documented failure POINT_NOT_ENOUGH");
        assert!(matches!(
            error,
            HandlerError::Failure { code: "POINT_NOT_ENOUGH", message: Some(ref m) } if m == "m"
        ));
    }
}
