//! The wire-level request builder: signs requests with the runtime's primitives and can
//! break them on purpose (a [`Tamper`]), which the generated client never would.

use alipayhk_runtime::headers::{CLIENT_ID, CONTENT_TYPE, ENCRYPT, REQUEST_TIME, SIGNATURE};
use std::time::Duration;

use alipayhk_runtime::encryption::{self, EncryptHeader, EncryptionError};
use alipayhk_runtime::keys::{PrivateKey, PublicKey};
use alipayhk_runtime::signature::{SignatureHeader, SignedContent};
use time::OffsetDateTime;

/// `Content-Type` of a plain request (protocol.md §A4).
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=UTF-8";
/// `Content-Type` of an encrypted request (protocol.md §B3).
pub const ENCRYPTED_CONTENT_TYPE: &str = "text/plain; charset=UTF-8";
/// `Content-Type` of the wrong-media-type case.
pub const WRONG_CONTENT_TYPE: &str = "application/xml";
/// The `Client-Id` of the unknown-client case.
pub const UNKNOWN_CLIENT_ID: &str = "CONFORMANCE-UNKNOWN-CLIENT";
/// How far in the past the stale `Request-Time` lies.
pub const STALE_BY: Duration = Duration::from_secs(24 * 60 * 60);
/// Appended to the operation's path by the unknown-path case.
pub const UNKNOWN_PATH_SUFFIX: &str = "/undefined";
/// How far in the future the future `Request-Time` lies (past any sane skew window).
pub const FUTURE_BY: Duration = Duration::from_secs(2 * 60 * 60);
/// The garbage `Request-Time`.
pub const GARBAGE_TIME: &str = "not-a-time";
/// The algorithm no server supports, in the unknown-algorithm case.
pub const UNKNOWN_ALGORITHM: &str = "RSA1024MD5";
/// Added to the configured key version in the wrong-key-version case.
pub const WRONG_KEY_VERSION_OFFSET: u32 = 1000;

/// Who the suite calls as, and the key the server signs with.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The partner's `Client-Id`.
    pub client_id: String,
    /// The partner's private key (signs requests, opens encrypted responses).
    pub private_key: PrivateKey,
    /// The `keyVersion` to announce (`None`: omitted, the server's latest).
    pub key_version: Option<u32>,
    /// The server's public key (verifies responses, seals encrypted requests).
    pub server_public_key: PublicKey,
}

/// One deliberate protocol defect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// The named required header is not sent.
    OmitHeader(String),
    /// The `Signature` header is not `key=value` pairs.
    MalformedSignature,
    /// The signature is computed over content whose part differs from what is sent.
    SignOverChanged(SignedPart),
    /// A `Client-Id` the server does not know, correctly signed.
    UnknownClientId,
    /// A `keyVersion` with no registered key, correctly signed.
    WrongKeyVersion,
    /// A `Request-Time` a day old, correctly signed.
    StaleRequestTime,
    /// `Content-Type: application/xml`, correctly signed.
    WrongContentType,
    /// A body over the server's limit (the JSON followed by whitespace), correctly signed.
    OversizedBody,
    /// The operation's path with [`UNKNOWN_PATH_SUFFIX`] appended, correctly signed.
    UnknownPath,
    /// An encrypted body whose `symmetricKey` is not a key wrapped for the server,
    /// correctly signed.
    GarbledEncryption,
    /// A `Request-Time` that is wrong in another way, correctly signed over it.
    RequestTime(TimeDefect),
    /// A `Signature` header that is wrong in one way, over the right content.
    Signature(SignatureDefect),
}

/// A wrong `Request-Time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeDefect {
    /// [`FUTURE_BY`] ahead of the clock.
    Future,
    /// The current time with no offset (`2024-05-22T06:42:21`).
    WithoutOffset,
    /// [`GARBAGE_TIME`].
    Garbage,
}

/// A wrong `Signature` header over correctly signed content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureDefect {
    /// `algorithm=`[`UNKNOWN_ALGORITHM`].
    UnknownAlgorithm,
    /// No `signature=` item.
    NoSignatureKey,
    /// `keyVersion=one`.
    KeyVersionNotANumber,
    /// The signature cut to half its bytes (valid base64 of a short signature).
    Truncated,
}

/// The part of the content to sign that a [`Tamper::SignOverChanged`] alters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedPart {
    /// The body bytes.
    Body,
    /// The request path.
    Path,
    /// The `Request-Time` value.
    Time,
    /// The `Client-Id` value.
    ClientId,
}

impl Tamper {
    /// The runtime `RejectReason` name the defect must produce (the spec maps it to a code).
    pub fn reject_reason(&self) -> &'static str {
        match self {
            Tamper::OmitHeader(_) => "missing_header",
            Tamper::MalformedSignature | Tamper::SignOverChanged(_) => "invalid_signature",
            Tamper::UnknownClientId => "unknown_client",
            Tamper::WrongKeyVersion => "unknown_key_version",
            Tamper::StaleRequestTime | Tamper::RequestTime(_) => "request_time_out_of_window",
            Tamper::Signature(_) => "invalid_signature",
            Tamper::WrongContentType => "unsupported_media_type",
            Tamper::OversizedBody => "body_too_large",
            Tamper::GarbledEncryption => "decryption_failed",
            Tamper::UnknownPath => "unknown_api",
        }
    }

    /// The case name, e.g. `missing_request_time`, `signature_over_changed_path`.
    pub fn case_name(&self) -> String {
        match self {
            Tamper::OmitHeader(h) => {
                format!("missing_{}", h.to_ascii_lowercase().replace('-', "_"))
            }
            Tamper::MalformedSignature => "malformed_signature".into(),
            Tamper::SignOverChanged(part) => format!("signature_over_changed_{}", part.name()),
            Tamper::UnknownClientId => "unknown_client_id".into(),
            Tamper::WrongKeyVersion => "wrong_key_version".into(),
            Tamper::StaleRequestTime => "request_time_outside_window".into(),
            Tamper::WrongContentType => "wrong_content_type".into(),
            Tamper::OversizedBody => "oversized_body".into(),
            Tamper::GarbledEncryption => "garbled_encryption".into(),
            Tamper::UnknownPath => "unknown_path".into(),
            Tamper::RequestTime(TimeDefect::Future) => "request_time_in_future".into(),
            Tamper::RequestTime(TimeDefect::WithoutOffset) => "request_time_without_offset".into(),
            Tamper::RequestTime(TimeDefect::Garbage) => "request_time_garbage".into(),
            Tamper::Signature(SignatureDefect::UnknownAlgorithm) => {
                "signature_unknown_algorithm".into()
            }
            Tamper::Signature(SignatureDefect::NoSignatureKey) => {
                "signature_without_signature_key".into()
            }
            Tamper::Signature(SignatureDefect::KeyVersionNotANumber) => {
                "signature_key_version_not_a_number".into()
            }
            Tamper::Signature(SignatureDefect::Truncated) => "signature_truncated".into(),
        }
    }
}

impl SignedPart {
    fn name(self) -> &'static str {
        match self {
            SignedPart::Body => "body",
            SignedPart::Path => "path",
            SignedPart::Time => "time",
            SignedPart::ClientId => "client_id",
        }
    }
}

/// What to send: the path, the plaintext body and how to break it.
#[derive(Debug, Clone)]
pub struct RequestPlan<'a> {
    /// The full request path as sent (base-URL prefix included).
    pub path: &'a str,
    /// The JSON body.
    pub body: Vec<u8>,
    /// The defect, if any.
    pub tamper: Option<&'a Tamper>,
    /// Seal the body with `RSA_AES` for the server.
    pub encrypt: bool,
    /// Bytes of whitespace appended by [`Tamper::OversizedBody`].
    pub oversize_by: usize,
    /// The clock (`Request-Time` is derived from it).
    pub now: OffsetDateTime,
}

/// A request exactly as it goes on the wire.
#[derive(Debug, Clone)]
pub struct WireRequest {
    /// Always `POST`.
    pub method: String,
    /// The path as sent.
    pub path: String,
    /// Headers in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body bytes as sent (ciphertext when encrypted).
    pub body: Vec<u8>,
    /// The JSON before encryption, when encrypted.
    pub plaintext: Option<Vec<u8>>,
}

/// A response exactly as received.
#[derive(Debug, Clone)]
pub struct WireResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers (names lower-case), in the order received.
    pub headers: Vec<(String, String)>,
    /// Raw body bytes.
    pub body: Vec<u8>,
}

/// Why a request could not be built or sent.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The base URL does not parse.
    #[error("base URL {url:?} is not a valid URL ({reason}); pass e.g. http://127.0.0.1:8080")]
    BaseUrl {
        /// The URL given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// Signing failed.
    #[error("could not sign the request: {0}; check the --private-key file")]
    Sign(String),
    /// Sealing failed.
    #[error("could not encrypt the request: {0}; check the --server-public-key file")]
    Encrypt(#[from] EncryptionError),
    /// The HTTP client could not be built.
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    /// Nothing came back.
    #[error("no response from {url}: {reason}; is the server running and reachable?")]
    Send {
        /// The URL called.
        url: String,
        /// The transport error.
        reason: String,
    },
}

impl WireRequest {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl WireResponse {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Builds the request: `Request-Time` from `plan.now`, encryption, signature, then the
/// defect.
pub fn build_request(
    creds: &Credentials,
    plan: &RequestPlan<'_>,
) -> Result<WireRequest, WireError> {
    let tamper = plan.tamper;
    let path = match tamper {
        Some(Tamper::UnknownPath) => format!("{}{UNKNOWN_PATH_SUFFIX}", plan.path),
        _ => plan.path.to_owned(),
    };
    let request_time = match tamper {
        Some(Tamper::StaleRequestTime) => header_time(plan.now - STALE_BY),
        Some(Tamper::RequestTime(TimeDefect::Future)) => header_time(plan.now + FUTURE_BY),
        Some(Tamper::RequestTime(TimeDefect::WithoutOffset)) => {
            let t = header_time(plan.now);
            t.get(..19).unwrap_or(&t).to_owned()
        }
        Some(Tamper::RequestTime(TimeDefect::Garbage)) => GARBAGE_TIME.to_owned(),
        _ => header_time(plan.now),
    };
    let client_id = match tamper {
        Some(Tamper::UnknownClientId) => UNKNOWN_CLIENT_ID.to_owned(),
        _ => creds.client_id.clone(),
    };
    let key_version = match tamper {
        Some(Tamper::WrongKeyVersion) => Some(
            creds
                .key_version
                .unwrap_or(1)
                .saturating_add(WRONG_KEY_VERSION_OFFSET),
        ),
        _ => creds.key_version,
    };

    let mut body = plan.body.clone();
    if tamper == Some(&Tamper::OversizedBody) {
        body.resize(body.len() + plan.oversize_by, b' ');
    }
    let garbled = tamper == Some(&Tamper::GarbledEncryption);
    let (body, plaintext, encrypt_header, content_type) = if plan.encrypt || garbled {
        let mut sealed = encryption::seal(&creds.server_public_key, None, &body)?;
        if garbled {
            // The right length for RSA-2048, but not a PKCS#1 v1.5 block: never unwraps.
            sealed.header.wrapped_key = vec![0; 256];
        }
        (
            sealed.body,
            Some(body),
            Some(sealed.header.to_header_value()),
            ENCRYPTED_CONTENT_TYPE,
        )
    } else {
        (body, None, None, JSON_CONTENT_TYPE)
    };
    let content_type = match tamper {
        Some(Tamper::WrongContentType) => WRONG_CONTENT_TYPE,
        _ => content_type,
    };

    let sent = SentParts {
        path: &path,
        client_id: &client_id,
        time: &request_time,
        body: &body,
    };
    let signature = signature_value(creds, plan.now, tamper, &sent, key_version)?;
    let mut headers = vec![
        (CONTENT_TYPE.to_owned(), content_type.to_owned()),
        (CLIENT_ID.to_owned(), client_id),
        (REQUEST_TIME.to_owned(), request_time),
        (SIGNATURE.to_owned(), signature),
    ];
    if let Some(value) = encrypt_header {
        headers.push((ENCRYPT.to_owned(), value));
    }
    if let Some(Tamper::OmitHeader(name)) = tamper {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }
    Ok(WireRequest {
        method: "POST".to_owned(),
        path,
        headers,
        body,
        plaintext,
    })
}

/// What goes on the wire, before the signature over it is computed.
struct SentParts<'a> {
    path: &'a str,
    client_id: &'a str,
    time: &'a str,
    body: &'a [u8],
}

/// The `Signature` value over `sent`, or over a changed copy for the signature defects.
fn signature_value(
    creds: &Credentials,
    now: OffsetDateTime,
    tamper: Option<&Tamper>,
    sent: &SentParts<'_>,
    key_version: Option<u32>,
) -> Result<String, WireError> {
    if tamper == Some(&Tamper::MalformedSignature) {
        return Ok("not-a-signature".to_owned());
    }
    let changed = match tamper {
        Some(Tamper::SignOverChanged(part)) => Some(*part),
        _ => None,
    };
    let path = match changed {
        Some(SignedPart::Path) => format!("{}/changed", sent.path),
        _ => sent.path.to_owned(),
    };
    let client_id = match changed {
        Some(SignedPart::ClientId) => format!("{}-changed", sent.client_id),
        _ => sent.client_id.to_owned(),
    };
    let time = match changed {
        Some(SignedPart::Time) => header_time(now - Duration::from_secs(60)),
        _ => sent.time.to_owned(),
    };
    let body: &[u8] = match changed {
        Some(SignedPart::Body) => b"{}",
        _ => sent.body,
    };
    let content = SignedContent {
        method: "POST",
        path: &path,
        client_id: &client_id,
        time: &time,
        body,
    }
    .to_bytes();
    let signature = creds
        .private_key
        .sign_rsa_sha256(&content)
        .map_err(|e| WireError::Sign(e.to_string()))?;
    let mut signature = signature;
    if tamper == Some(&Tamper::Signature(SignatureDefect::Truncated)) {
        signature.truncate(signature.len() / 2);
    }
    let value = SignatureHeader::rsa256(key_version, signature).to_header_value();
    let Some(Tamper::Signature(defect)) = tamper else {
        return Ok(value);
    };
    let items = value.split(',').filter_map(|item| {
        let (key, val) = item.split_once('=')?;
        let val = match (defect, key) {
            (SignatureDefect::UnknownAlgorithm, "algorithm") => UNKNOWN_ALGORITHM.to_owned(),
            (SignatureDefect::NoSignatureKey, "signature") => return None,
            (SignatureDefect::KeyVersionNotANumber, "keyVersion") => "one".to_owned(),
            _ => val.to_owned(),
        };
        Some(format!("{key}={val}"))
    });
    let mut items: Vec<String> = items.collect();
    if *defect == SignatureDefect::KeyVersionNotANumber
        && !items.iter().any(|i| i.starts_with("keyVersion="))
    {
        items.insert(1, "keyVersion=one".to_owned());
    }
    Ok(items.join(","))
}

/// `Request-Time` as the AlipayHK pages show it: ISO-8601, seconds, with an offset.
pub fn header_time(t: OffsetDateTime) -> String {
    alipayhk_runtime::time::format_time(t)
}

/// Sends [`WireRequest`]s to one server.
#[derive(Debug, Clone)]
pub struct Wire {
    http: reqwest::Client,
    base_url: reqwest::Url,
}

impl Wire {
    /// A client for `base_url` (no redirects, no connection reuse, 30 s timeout).
    pub fn new(base_url: &str) -> Result<Wire, WireError> {
        let parsed = reqwest::Url::parse(base_url).map_err(|e| WireError::BaseUrl {
            url: base_url.to_owned(),
            reason: e.to_string(),
        })?;
        if parsed.cannot_be_a_base() || !matches!(parsed.scheme(), "http" | "https") {
            return Err(WireError::BaseUrl {
                url: base_url.to_owned(),
                reason: "expected an http or https URL".to_owned(),
            });
        }
        // A fresh connection per request: a server that refuses a body early (oversized)
        // closes its connection, and a pooled one would fail the next case spuriously.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| WireError::Client(e.to_string()))?;
        Ok(Wire {
            http,
            base_url: parsed,
        })
    }

    /// The full path of `operation_path` under the base URL (what is sent and signed).
    pub fn path_for(&self, operation_path: &str) -> String {
        let prefix = self.base_url.path().trim_end_matches('/');
        format!("{prefix}{operation_path}")
    }

    /// The base URL's origin plus `path`.
    fn url_for(&self, path: &str) -> String {
        let mut url = self.base_url.clone();
        url.set_path(path);
        url.set_query(None);
        url.to_string()
    }

    /// Sends `request` and returns the response as received, whatever its content.
    pub async fn send(&self, request: &WireRequest) -> Result<WireResponse, WireError> {
        let url = self.url_for(&request.path);
        let mut builder = self.http.post(&url).body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let send_error = |e: reqwest::Error| WireError::Send {
            url: url.clone(),
            reason: error_chain(&e),
        };
        let response = builder.send().await.map_err(send_error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.bytes().await.map_err(send_error)?.to_vec();
        Ok(WireResponse {
            status,
            headers,
            body,
        })
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// Opens an encrypted response body with the partner's private key.
pub fn open_response(
    creds: &Credentials,
    encrypt_header: &str,
    body: &[u8],
) -> Result<Vec<u8>, EncryptionError> {
    let header = EncryptHeader::parse(encrypt_header)?;
    encryption::open(&creds.private_key, &header, body)
}

#[cfg(test)]
mod tests {
    use alipayhk_runtime::signature::verify;

    use super::*;

    fn creds() -> Credentials {
        let key = PrivateKey::generate_rsa2048().expect("key");
        Credentials {
            client_id: "CID".into(),
            server_public_key: key.public_key(),
            private_key: key,
            key_version: Some(1),
        }
    }

    fn build(creds: &Credentials, tamper: Option<&Tamper>) -> WireRequest {
        let plan = RequestPlan {
            path: "/p",
            body: br#"{"a":1}"#.to_vec(),
            tamper,
            encrypt: false,
            oversize_by: 10,
            now: OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_716_360_141),
        };
        build_request(creds, &plan).expect("build")
    }

    /// Whether the request's signature verifies over what was actually sent.
    fn verifies(creds: &Credentials, r: &WireRequest) -> bool {
        let header =
            SignatureHeader::parse(r.header(SIGNATURE).unwrap_or_default()).expect("parse");
        let content = SignedContent {
            method: "POST",
            path: &r.path,
            client_id: r.header(CLIENT_ID).unwrap_or_default(),
            time: r.header(REQUEST_TIME).unwrap_or_default(),
            body: &r.body,
        }
        .to_bytes();
        verify(&creds.private_key.public_key(), &content, &header).is_ok()
    }

    #[test]
    fn an_untampered_request_is_signed_over_what_is_sent() {
        let c = creds();
        let r = build(&c, None);
        assert!(verifies(&c, &r));
        assert_eq!(r.header(REQUEST_TIME), Some("2024-05-22T06:42:21+00:00"));
        assert_eq!(r.header(CONTENT_TYPE), Some(JSON_CONTENT_TYPE));
    }

    #[test]
    fn a_signature_over_any_changed_part_does_not_verify() {
        let c = creds();
        for part in [
            SignedPart::Body,
            SignedPart::Path,
            SignedPart::Time,
            SignedPart::ClientId,
        ] {
            let r = build(&c, Some(&Tamper::SignOverChanged(part)));
            assert!(!verifies(&c, &r), "{part:?}");
            assert_eq!(r.body, br#"{"a":1}"#, "the sent body is the original");
        }
    }

    #[test]
    fn omitting_a_header_removes_only_that_header() {
        let c = creds();
        let r = build(&c, Some(&Tamper::OmitHeader(REQUEST_TIME.into())));
        assert_eq!(r.header(REQUEST_TIME), None);
        assert!(r.header(CLIENT_ID).is_some() && r.header(SIGNATURE).is_some());
    }

    #[test]
    fn defects_other_than_the_signature_are_correctly_signed() {
        let c = creds();
        for tamper in [
            Tamper::UnknownClientId,
            Tamper::WrongKeyVersion,
            Tamper::StaleRequestTime,
            Tamper::WrongContentType,
            Tamper::OversizedBody,
            Tamper::UnknownPath,
        ] {
            assert!(verifies(&c, &build(&c, Some(&tamper))), "{tamper:?}");
        }
        let stale = build(&c, Some(&Tamper::StaleRequestTime));
        assert_eq!(
            stale.header(REQUEST_TIME),
            Some("2024-05-21T06:42:21+00:00")
        );
        let wrong = build(&c, Some(&Tamper::WrongKeyVersion));
        assert!(
            wrong
                .header(SIGNATURE)
                .is_some_and(|s| s.contains("keyVersion=1001"))
        );
        assert_eq!(build(&c, Some(&Tamper::OversizedBody)).body.len(), 7 + 10);
        assert_eq!(build(&c, Some(&Tamper::UnknownPath)).path, "/p/undefined");
    }

    #[test]
    fn an_encrypted_request_opens_with_the_server_key() {
        let c = creds();
        let plan = RequestPlan {
            path: "/p",
            body: br#"{"a":1}"#.to_vec(),
            tamper: None,
            encrypt: true,
            oversize_by: 0,
            now: OffsetDateTime::now_utc(),
        };
        let r = build_request(&c, &plan).expect("build");
        assert_eq!(r.header(CONTENT_TYPE), Some(ENCRYPTED_CONTENT_TYPE));
        let header = EncryptHeader::parse(r.header(ENCRYPT).unwrap_or_default()).expect("parse");
        let plain = encryption::open(&c.private_key, &header, &r.body).expect("open");
        assert_eq!(plain, br#"{"a":1}"#);
        assert!(verifies(&c, &r), "encrypt, then sign the ciphertext");
    }
}
