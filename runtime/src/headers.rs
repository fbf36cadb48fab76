//! The header names and content types of AlipayHK's protocol, spelled once.
//!
//! Names are in the documentation's spelling; HTTP compares header names without regard
//! to case, so these work for lookups in any `HeaderMap` and for setting headers.

/// The partner's client id; echoed on every response.
pub const CLIENT_ID: &str = "Client-Id";
/// When the request was signed (signed verbatim).
pub const REQUEST_TIME: &str = "Request-Time";
/// When the response was signed.
pub const RESPONSE_TIME: &str = "Response-Time";
/// `algorithm=RSA256, keyVersion=1, signature=...` over the content to sign.
pub const SIGNATURE: &str = "Signature";
/// `RSA_AES` encryption parameters (ASSUMPTION, protocol.md §B4).
pub const ENCRYPT: &str = "Encrypt";
/// The id AlipayHK support asks for, set on every response.
pub const TRACER_ID: &str = "Tracer-Id";
/// `Content-Type`.
pub const CONTENT_TYPE: &str = "Content-Type";

/// `Content-Type` of a plain JSON request or response.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=UTF-8";
/// `Content-Type` of an `RSA_AES`-encrypted body (base64 text).
pub const ENCRYPTED_CONTENT_TYPE: &str = "text/plain; charset=UTF-8";
