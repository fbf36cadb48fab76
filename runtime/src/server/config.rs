//! Server-side configuration: what a deployment chooses (keys, limits), as opposed to
//! what the spec says ([`ServedApi`](super::ServedApi)).

use std::sync::Arc;
use std::time::Duration;

use crate::keys::PrivateKey;
use crate::signature::Signer;
use crate::time::DEFAULT_CLOCK_SKEW;

use super::ClientKeyStore;

/// Default request body limit (1 MiB): far above any documented request.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// A deployment's settings for [`SigningLayer`](super::SigningLayer): its keys and limits.
#[derive(Clone)]
pub struct ServerConfig {
    /// Signs responses (the server's own key).
    pub signer: Arc<dyn Signer>,
    /// Unwraps the AES key of encrypted requests; `None` refuses encrypted requests
    /// with `DecryptionFailed`.
    pub decryption_key: Option<PrivateKey>,
    /// Callers' public keys.
    pub key_store: Arc<dyn ClientKeyStore>,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Largest accepted distance between `Request-Time` and the server clock.
    pub clock_skew: Duration,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("signer", &self.signer)
            .field("decryption_key", &self.decryption_key)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("clock_skew", &self.clock_skew)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// A config with the default body limit (1 MiB), clock skew (5 min) and no decryption.
    pub fn new(signer: Arc<dyn Signer>, key_store: Arc<dyn ClientKeyStore>) -> Self {
        ServerConfig {
            signer,
            decryption_key: None,
            key_store,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            clock_skew: DEFAULT_CLOCK_SKEW,
        }
    }

    /// Accepts `RSA_AES`-encrypted requests wrapped for `key` (ASSUMPTION, protocol.md §B4).
    pub fn with_decryption_key(mut self, key: PrivateKey) -> Self {
        self.decryption_key = Some(key);
        self
    }

    /// Sets the body limit.
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Sets the clock-skew window.
    pub fn with_clock_skew(mut self, window: Duration) -> Self {
        self.clock_skew = window;
        self
    }
}
