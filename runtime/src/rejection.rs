//! Why a server refuses a request before its handler runs (plain data: the client side and
//! conformance tools name the reasons too).

use std::fmt;
use std::str::FromStr;

/// Why the server's `SigningLayer` refused a request before the handler ran.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in RejectReason::ALL {
            assert_eq!(r.as_str().parse::<RejectReason>(), Ok(r));
        }
    }
}
