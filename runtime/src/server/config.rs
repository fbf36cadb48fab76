//! Server-side configuration: keys, routes, limits.

use std::sync::Arc;
use std::time::Duration;

use crate::keys::PrivateKey;
use crate::signature::Signer;
use crate::time::DEFAULT_CLOCK_SKEW;

use super::{ClientKeyStore, RejectionTable};

/// Default request body limit (1 MiB): far above any documented request.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// One API path the layer serves and where its result object lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The exact request path, e.g. `/api/open/alipay/v1/ipass/pass/manage/updatePass`.
    pub path: String,
    /// The response property carrying the result object: `"result"` or `"resultInfo"`.
    pub result_field: String,
}

impl Route {
    /// A route whose result object is under `result_field`.
    pub fn new(path: impl Into<String>, result_field: impl Into<String>) -> Self {
        Route {
            path: path.into(),
            result_field: result_field.into(),
        }
    }
}

/// Everything [`SigningLayer`](super::SigningLayer) needs.
#[derive(Clone)]
pub struct ServerConfig {
    /// Signs responses (the server's own key).
    pub signer: Arc<dyn Signer>,
    /// Unwraps the AES key of encrypted requests; `None` refuses encrypted requests
    /// with `DecryptionFailed`.
    pub decryption_key: Option<PrivateKey>,
    /// Callers' public keys.
    pub key_store: Arc<dyn ClientKeyStore>,
    /// Result codes for rejections.
    pub rejections: RejectionTable,
    /// The served paths; any other path is answered with `UnknownApi`.
    pub routes: Vec<Route>,
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
            .field("routes", &self.routes)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("clock_skew", &self.clock_skew)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// A config with the default body limit (1 MiB), clock skew (5 min) and no decryption.
    pub fn new(
        signer: Arc<dyn Signer>,
        key_store: Arc<dyn ClientKeyStore>,
        rejections: RejectionTable,
        routes: Vec<Route>,
    ) -> Self {
        ServerConfig {
            signer,
            decryption_key: None,
            key_store,
            rejections,
            routes,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            clock_skew: DEFAULT_CLOCK_SKEW,
        }
    }

    /// Accepts `RSA_AES`-encrypted requests wrapped for `key` (ASSUMPTION, protocol.md §B4).
    pub fn with_decryption_key(mut self, key: PrivateKey) -> Self {
        self.decryption_key = Some(key);
        self
    }

    /// Replaces the rejection table (the generated router fills it from the spec).
    pub fn with_rejections(mut self, rejections: RejectionTable) -> Self {
        self.rejections = rejections;
        self
    }

    /// Replaces the served routes (the generated router fills them from the spec).
    pub fn with_routes(mut self, routes: Vec<Route>) -> Self {
        self.routes = routes;
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

    pub(crate) fn route(&self, path: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.path == path)
    }
}
