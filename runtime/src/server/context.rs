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
