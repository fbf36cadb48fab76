//! The server half: a tower [`Layer`](tower::Layer) that puts AlipayHK's signing rules in
//! front of an axum `Router`.
//!
//! On the way in, [`SigningLayer`] checks, in this order: the path is a configured
//! [`Route`]; the body size; `Content-Type` (`application/json`, or `text/plain` with an
//! `Encrypt` header); the `Client-Id`, `Request-Time` and `Signature` headers; the caller's
//! key (by `Client-Id` and `keyVersion`, from a [`ClientKeyStore`]); `Request-Time`
//! within the clock-skew window; the signature over the raw body; then it decrypts. The
//! handler receives the plaintext JSON body and a [`CallerContext`] extension.
//!
//! On the way out it encrypts (iff the request was encrypted), sets `Response-Time`,
//! `Client-Id` (echoed) and `Tracer-Id`, and signs
//! `POST <request path>\n<Client-Id>.<Response-Time>.<raw response body>`.
//!
//! A refused request never reaches the handler. It is answered with the code that the
//! [`RejectionTable`] maps its [`RejectReason`](crate::RejectReason) to, as
//! `{"<result_field>":{"resultCode":..,"resultStatus":..,"resultMessage":..}}`, signed
//! like any response and never encrypted. `resultMessage` is the documented message
//! followed by a short detail naming the header or problem, except for decryption
//! failures: those all get the same answer with no detail, whatever went wrong, so the
//! server is no padding (Bleichenbacher) or signing oracle. An `Encrypt` header is
//! honoured only on a `text/plain` body; on a JSON body it is refused.
//!
//! The checks of the head (size by `Content-Length`, headers, key, time window) run before
//! a byte of the body is read. [`serve`] runs a router with a
//! connection cap and deadlines for heads, bodies and idle connections; [`serve_tls`] the
//! same over TLS (HTTP/1.1 or h2 by ALPN), configured by [`tls_server_config`].
//!
//! Generated servers route each operation through `dispatch` (glue hidden from these docs): decode, validate strictly
//! (`*_ILLEGAL`), call the handler, answer; a [`HandlerError`] is either a documented
//! failure code or an internal error answered with `UNKNOWN_EXCEPTION`.

mod config;
mod context;
mod dispatch;
mod keystore;
mod layer;
mod listener;
mod rejection_table;
mod served_api;
mod tls;

pub use config::{DEFAULT_MAX_BODY_BYTES, ServerConfig};
pub use context::{CallerContext, DecryptedExchange};
pub use dispatch::HandlerError;
// Glue that only generated servers call.
#[doc(hidden)]
pub use dispatch::{Operation, dispatch};
pub use keystore::{ClientKeyStore, InMemoryKeyStore, KeyLookup};
pub use layer::{SigningLayer, SigningService};
pub use listener::{ListenerLimits, MAX_H2_STREAMS, serve, serve_tls};
pub use rejection_table::{CommonCode, RejectionTable};
pub use served_api::{Route, ServedApi};
pub use tls::{TlsConfigError, tls_server_config};
/// The rustls that [`serve_tls`] runs on (re-exported so callers name the same version).
pub use tokio_rustls::rustls;
