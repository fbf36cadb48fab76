//! Gateway-level rejections and the table that maps them to documented result codes.

use std::fmt;
use std::str::FromStr;

use crate::ResultStatus;

/// Why the [`SigningLayer`](super::SigningLayer) refused a request before the handler ran.
///
/// `as_str()` gives the snake_case name the spec's `x-common-result-codes` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    /// `Client-Id`, `Request-Time` or `Signature` is absent (or not text).
    MissingHeader,
    /// The `Signature` header is malformed, names an unsupported algorithm, or does not verify.
    InvalidSignature,
    /// No key is registered for the `Client-Id`.
    UnknownClient,
    /// The client has no key with the requested `keyVersion`.
    UnknownKeyVersion,
    /// `Request-Time` is unparsable or outside the clock-skew window.
    RequestTimeOutOfWindow,
    /// `Content-Type` is not `application/json` (or `text/plain` with `Encrypt`).
    UnsupportedMediaType,
    /// The body exceeds the configured limit.
    BodyTooLarge,
    /// The `Encrypt` header is malformed or the body does not decrypt.
    DecryptionFailed,
    /// The path is not one of the configured routes.
    UnknownApi,
}

impl RejectReason {
    /// Every reason, in declaration order.
    pub const ALL: [RejectReason; 9] = [
        RejectReason::MissingHeader,
        RejectReason::InvalidSignature,
        RejectReason::UnknownClient,
        RejectReason::UnknownKeyVersion,
        RejectReason::RequestTimeOutOfWindow,
        RejectReason::UnsupportedMediaType,
        RejectReason::BodyTooLarge,
        RejectReason::DecryptionFailed,
        RejectReason::UnknownApi,
    ];

    /// The snake_case name used in the spec (`reason:` of `x-common-result-codes`).
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::MissingHeader => "missing_header",
            RejectReason::InvalidSignature => "invalid_signature",
            RejectReason::UnknownClient => "unknown_client",
            RejectReason::UnknownKeyVersion => "unknown_key_version",
            RejectReason::RequestTimeOutOfWindow => "request_time_out_of_window",
            RejectReason::UnsupportedMediaType => "unsupported_media_type",
            RejectReason::BodyTooLarge => "body_too_large",
            RejectReason::DecryptionFailed => "decryption_failed",
            RejectReason::UnknownApi => "unknown_api",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a [`RejectReason`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a reject reason; expected one of missing_header, invalid_signature, unknown_client, unknown_key_version, request_time_out_of_window, unsupported_media_type, body_too_large, decryption_failed, unknown_api"
)]
pub struct UnknownRejectReason(pub String);

impl FromStr for RejectReason {
    type Err = UnknownRejectReason;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RejectReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRejectReason(s.to_owned()))
    }
}

/// One documented gateway result code and the rejection it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonCode {
    /// The rejection this code answers.
    pub reason: RejectReason,
    /// `resultCode`, e.g. `"INVALID_SIGNATURE"`.
    pub code: String,
    /// `resultStatus`.
    pub status: ResultStatus,
    /// The documented `resultMessage`; the layer appends a short detail.
    pub message: String,
    /// HTTP status to answer with (200 per protocol.md §D7, ASSUMPTION).
    pub http_status: u16,
}

/// Why a [`RejectionTable`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectionTableError {
    /// Some reasons have no code.
    #[error("x-common-result-codes has no code for: {}; add one per reason to the spec", .0.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "))]
    Missing(Vec<RejectReason>),
    /// A reason has two codes.
    #[error("x-common-result-codes lists reason {0} twice; keep one")]
    Duplicate(RejectReason),
    /// An HTTP status is out of range.
    #[error("code {code} has HTTP status {status}, which is not a valid status (100..=599)")]
    InvalidHttpStatus {
        /// The code.
        code: String,
        /// The status given.
        status: u16,
    },
}

/// The complete mapping from [`RejectReason`] to [`CommonCode`].
#[derive(Debug, Clone)]
pub struct RejectionTable {
    codes: Vec<CommonCode>,
}

impl RejectionTable {
    /// Builds the table; every [`RejectReason`] must appear exactly once.
    pub fn new(codes: Vec<CommonCode>) -> Result<Self, RejectionTableError> {
        for (i, c) in codes.iter().enumerate() {
            if codes[..i].iter().any(|p| p.reason == c.reason) {
                return Err(RejectionTableError::Duplicate(c.reason));
            }
            if !(100..=599).contains(&c.http_status) {
                return Err(RejectionTableError::InvalidHttpStatus {
                    code: c.code.clone(),
                    status: c.http_status,
                });
            }
        }
        let missing: Vec<RejectReason> = RejectReason::ALL
            .into_iter()
            .filter(|r| !codes.iter().any(|c| c.reason == *r))
            .collect();
        if !missing.is_empty() {
            return Err(RejectionTableError::Missing(missing));
        }
        Ok(RejectionTable { codes })
    }

    /// The code for `reason`.
    pub fn get(&self, reason: RejectReason) -> &CommonCode {
        // `new` guarantees every reason is present; index 0 is never reached as a fallback.
        self.codes
            .iter()
            .find(|c| c.reason == reason)
            .unwrap_or(&self.codes[0])
    }

    /// All codes, in the order given.
    pub fn codes(&self) -> &[CommonCode] {
        &self.codes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(reason: RejectReason) -> CommonCode {
        CommonCode {
            reason,
            code: reason.as_str().to_uppercase(),
            status: ResultStatus::Failure,
            message: "m".into(),
            http_status: 200,
        }
    }

    #[test]
    fn names_round_trip() {
        for r in RejectReason::ALL {
            assert_eq!(r.as_str().parse::<RejectReason>(), Ok(r));
        }
    }

    #[test]
    fn table_must_cover_every_reason() {
        let err = RejectionTable::new(vec![code(RejectReason::MissingHeader)]).unwrap_err();
        assert!(matches!(err, RejectionTableError::Missing(ref m) if m.len() == 8));
        let all: Vec<_> = RejectReason::ALL.into_iter().map(code).collect();
        let table = RejectionTable::new(all).expect("complete");
        assert_eq!(table.get(RejectReason::UnknownApi).code, "UNKNOWN_API");
    }

    #[test]
    fn duplicates_are_refused() {
        let mut all: Vec<_> = RejectReason::ALL.into_iter().map(code).collect();
        all.push(code(RejectReason::BodyTooLarge));
        assert_eq!(
            RejectionTable::new(all).unwrap_err(),
            RejectionTableError::Duplicate(RejectReason::BodyTooLarge)
        );
    }
}
