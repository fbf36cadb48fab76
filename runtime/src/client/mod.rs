//! The client half: sign, (encrypt), send over HTTPS, verify, (decrypt).
//!
//! [`Transport`] knows nothing about operations: generated clients serialize a request
//! once and hand the bytes to [`Transport::send`] with the operation path. The same bytes
//! are signed and sent on every attempt (protocol.md §A1, §E).
//!
//! Anything that leaves the outcome in doubt is an error whose
//! [`TransportError::outcome_unknown`] is `true`: a timeout after sending, a non-200
//! status, a missing or invalid response signature, and also:
//!
//! - a redirect (any 3xx): redirects are never followed, so the signed body is never
//!   re-sent to another host; the error names the refused `Location` (sanitised);
//! - a body larger than [`ClientConfig::max_response_bytes`] (checked against
//!   `Content-Length` up front and while reading, chunk by chunk);
//! - a validly signed response whose `Client-Id` is not ours, or whose `Response-Time`
//!   does not parse or lies outside [`ClientConfig::response_time_window`] of our clock
//!   (a replayed old answer, say a `SUCCESS` for another `bizNo`).
//!
//! Treat those like a `U` result: retry with the same business id, or inquire. Never
//! treat them as success.
//!
//! [`ClientSettings`] reads the `client-config.toml` that `alipayhk serve` writes (or the
//! `ALIPAYHK_*` environment) into a [`ClientConfig`].

mod config_file;
mod transport;

pub use config_file::{ClientSettings, ConfigFileError};
pub use transport::{
    ClientConfig, ConfigError, DEFAULT_MAX_RESPONSE_BYTES, EncryptionConfig, RawResponse,
    RetryPolicy, SendError, Transport, TransportError,
};
