//! The generated server trait, implemented on [`Simulator`] (phase 2: waits for `alipayhk_api::server`).

use std::sync::Arc;

use alipayhk_runtime::server::{ClientKeyStore, ServerConfig};
use alipayhk_runtime::signature::Signer;

use crate::Simulator;

/// The server configuration for the spec's routes and rejection codes.
pub fn server_config(_signer: Arc<dyn Signer>, _key_store: Arc<dyn ClientKeyStore>) -> Result<ServerConfig, String> {
    Err("the generated server (alipayhk_api::server) is not available yet".into())
}

/// The signed AlipayHK API router.
pub fn router(_simulator: Simulator, _config: ServerConfig) -> Result<axum::Router, String> {
    Err("the generated server (alipayhk_api::server) is not available yet".into())
}
