//! What the layer tells the handler about a verified caller.

/// Inserted as a request extension by [`SigningLayer`](super::SigningLayer) once a request
/// has been verified; extract it in a handler with `Extension<CallerContext>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerContext {
    /// The verified `Client-Id`.
    pub client_id: String,
    /// The `keyVersion` the caller signed with, if it named one.
    pub key_version: Option<u32>,
    /// The `Tracer-Id` this response will carry (also useful in logs).
    pub tracer_id: String,
    /// Whether the request was `RSA_AES`-encrypted (the response will be too).
    pub encrypted: bool,
}

/// The plaintext of an `RSA_AES`-encrypted exchange, inserted as a response extension by
/// [`SigningLayer`](super::SigningLayer) on the answer to an encrypted request (and only
/// then). What travels on the wire is ciphertext; a recorder wrapped around the layer (a
/// request journal) reads this to show what was actually asked and answered. It never
/// leaves the process: HTTP does not send extensions. Treat it as a secret (it holds the
/// caller's access token in clear): redact before storing or showing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptedExchange {
    /// The request body after decryption (the JSON the handler saw).
    pub request: bytes::Bytes,
    /// The answer body before encryption (the JSON the handler answered).
    pub response: bytes::Bytes,
}
