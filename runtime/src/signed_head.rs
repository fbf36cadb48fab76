//! The signed head of a request or an answer, checked once for every party: the server's
//! layer, the client's transport, the proxy and the conformance suite.
//!
//! A head is checked in steps, each written once here: [`SignedHead::read`] (the three
//! signing headers, the `Signature` parsed), [`SignedHead::verify`] (the signature over
//! [`SignedContent`]) and [`SignedHead::check_time`] (the clock window).
//! [`check_signed_head`] runs them all for a known key (the client's answers); the server
//! runs them one by one, since it finds the caller's key from the head and checks the time
//! before it reads a byte of the body; the proxy and the conformance suite read and verify,
//! and report a stale time beside any other finding. Every failure is a [`HeadProblem`] naming the step; each party words it its
//! own way (a rejection reason, a [`TransportError`](crate::client::TransportError), a
//! finding).

use std::time::Duration;

use http::HeaderMap;
use time::OffsetDateTime;

use crate::headers::{CLIENT_ID, REQUEST_TIME, RESPONSE_TIME, SIGNATURE};
use crate::keys::PublicKey;
use crate::signature::{SignatureHeader, SignatureHeaderError, SignedContent, VerifyError, verify};
use crate::time::{TimeError, check_window};

/// Which head: a request's (timed by `Request-Time`) or an answer's (`Response-Time`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// A request: `Client-Id`, `Request-Time`, `Signature`.
    Request,
    /// An answer: `Signature`, `Response-Time`, `Client-Id` (the echoed one).
    Response,
}

impl Head {
    /// The header holding the signed time.
    pub fn time_header(self) -> &'static str {
        match self {
            Head::Request => REQUEST_TIME,
            Head::Response => RESPONSE_TIME,
        }
    }
}

/// Which step of the check failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeadProblem {
    /// A signing header is absent.
    #[error("{0} header is missing")]
    MissingHeader(&'static str),
    /// A signing header is not visible ASCII.
    #[error("{0} header is not visible ASCII")]
    UnreadableHeader(&'static str),
    /// The `Signature` header does not parse.
    #[error("Signature header is malformed: {0}")]
    MalformedSignature(#[source] SignatureHeaderError),
    /// The signature does not verify (or its algorithm is not supported).
    #[error("{0}")]
    Signature(#[source] VerifyError),
    /// The signed time does not parse or lies outside the window.
    #[error("{0}")]
    Time(#[source] TimeError),
}

/// The signing headers of one head, as received, with the `Signature` parsed.
#[derive(Debug, Clone)]
pub struct SignedHead<'a> {
    /// `Client-Id`.
    pub client_id: &'a str,
    /// `Request-Time` or `Response-Time`, verbatim (it is signed as sent).
    pub time: &'a str,
    /// The parsed `Signature`.
    pub signature: SignatureHeader,
}

impl<'a> SignedHead<'a> {
    /// Reads the signing headers of `head` from an HTTP header map.
    pub fn from_headers(head: Head, headers: &'a HeaderMap) -> Result<Self, HeadProblem> {
        SignedHead::read(head, |name| match headers.get(name) {
            None => Err(HeadProblem::MissingHeader(name)),
            Some(value) => value
                .to_str()
                .map_err(|_| HeadProblem::UnreadableHeader(name)),
        })
    }

    /// Reads the signing headers of `head` through `header` (a header's text, or the
    /// problem with it), and parses the `Signature`.
    ///
    /// The first problem wins, in the order each side has always named them: a request's
    /// `Client-Id`, `Request-Time`, `Signature`; an answer's `Signature` (parsed first),
    /// `Response-Time`, `Client-Id`.
    pub fn read(
        head: Head,
        header: impl Fn(&'static str) -> Result<&'a str, HeadProblem>,
    ) -> Result<Self, HeadProblem> {
        let parse = |value| SignatureHeader::parse(value).map_err(HeadProblem::MalformedSignature);
        let time_header = head.time_header();
        let (client_id, time, signature) = match head {
            Head::Request => {
                let client_id = header(CLIENT_ID)?;
                let time = header(time_header)?;
                (client_id, time, parse(header(SIGNATURE)?)?)
            }
            Head::Response => {
                let signature = parse(header(SIGNATURE)?)?;
                let time = header(time_header)?;
                (header(CLIENT_ID)?, time, signature)
            }
        };
        Ok(SignedHead {
            client_id,
            time,
            signature,
        })
    }

    /// What this head signs: `<method> <path>\n<Client-Id>.<time>.<body>`.
    fn content(&self, method: &str, path: &str, body: &[u8]) -> Vec<u8> {
        SignedContent {
            method,
            path,
            client_id: self.client_id,
            time: self.time,
            body,
        }
        .to_bytes()
    }

    /// Verifies the signature over `method`, `path` and the raw `body` with `key`.
    pub fn verify(
        &self,
        key: &PublicKey,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<(), HeadProblem> {
        verify(key, &self.content(method, path, body), &self.signature)
            .map_err(HeadProblem::Signature)
    }

    /// The signed time parses and lies within `window` of `now`: a validly signed old head
    /// may be a replay.
    pub fn check_time(
        &self,
        now: OffsetDateTime,
        window: Duration,
    ) -> Result<OffsetDateTime, HeadProblem> {
        check_window(self.time, now, window).map_err(HeadProblem::Time)
    }
}

/// Checks a signed head with a known key: headers, parsed `Signature`, signed content,
/// signature, then the time window (against the clock now).
pub fn check_signed_head<'a>(
    head: Head,
    headers: &'a HeaderMap,
    key: &PublicKey,
    method: &str,
    path: &str,
    body: &[u8],
    window: Duration,
) -> Result<SignedHead<'a>, HeadProblem> {
    let signed = SignedHead::from_headers(head, headers)?;
    signed.verify(key, method, path, body)?;
    signed.check_time(OffsetDateTime::now_utc(), window)?;
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PrivateKey;
    use crate::signature::KeySigner;
    use crate::time::now_header_value;

    fn signed_headers(signer: &KeySigner, time: &str, body: &[u8]) -> HeaderMap {
        let content = SignedContent {
            method: "POST",
            path: "/p",
            client_id: "C",
            time,
            body,
        }
        .to_bytes();
        let signature = signer.sign_header_now(&content).expect("signs");
        let mut headers = HeaderMap::new();
        headers.insert(CLIENT_ID, "C".parse().expect("value"));
        headers.insert(RESPONSE_TIME, time.parse().expect("value"));
        headers.insert(
            SIGNATURE,
            signature.to_header_value().parse().expect("value"),
        );
        headers
    }

    #[test]
    fn each_step_names_its_own_problem() {
        let key = PrivateKey::generate_rsa2048().expect("key");
        let public = key.public_key();
        let signer = KeySigner::new(key, Some(1));
        let window = Duration::from_secs(300);
        let check = |headers: &HeaderMap, body: &[u8]| {
            check_signed_head(Head::Response, headers, &public, "POST", "/p", body, window)
                .map(|h| h.client_id.to_owned())
        };

        let good = signed_headers(&signer, &now_header_value(), b"{}");
        assert_eq!(check(&good, b"{}"), Ok("C".to_owned()));
        assert_eq!(
            check(&good, b"{ }"),
            Err(HeadProblem::Signature(VerifyError::Mismatch))
        );

        let stale = signed_headers(&signer, "2020-01-01T00:00:00Z", b"{}");
        assert!(matches!(
            check(&stale, b"{}"),
            Err(HeadProblem::Time(TimeError::OutOfWindow { .. }))
        ));

        let mut malformed = good.clone();
        malformed.insert(SIGNATURE, "algorithm=RSA256".parse().expect("value"));
        assert_eq!(
            check(&malformed, b"{}"),
            Err(HeadProblem::MalformedSignature(
                SignatureHeaderError::MissingKey("signature")
            ))
        );

        // An answer names its Signature first, a request its Client-Id.
        let empty = HeaderMap::new();
        assert_eq!(
            check(&empty, b"{}").unwrap_err(),
            HeadProblem::MissingHeader(SIGNATURE)
        );
        assert_eq!(
            SignedHead::from_headers(Head::Request, &empty).unwrap_err(),
            HeadProblem::MissingHeader(CLIENT_ID)
        );
        let mut opaque = good;
        opaque.insert(
            CLIENT_ID,
            http::HeaderValue::from_bytes(b"\xff").expect("value"),
        );
        assert_eq!(
            check(&opaque, b"{}").unwrap_err(),
            HeadProblem::UnreadableHeader(CLIENT_ID)
        );
    }
}
