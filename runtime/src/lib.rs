//! The hand-written runtime that generated AlipayHK clients and server stubs call.
//!
//! AlipayHK's partner API is plain JSON over HTTPS POST, made trustworthy by headers:
//! every request and response carries a `Signature` over
//! `POST <path>\n<Client-Id>.<time>.<raw body>` (RSASSA-PKCS1-v1_5, SHA-256, RSA-2048),
//! and may carry an `Encrypt` header when the body is `RSA_AES`-encrypted. This crate
//! implements those rules once, for both sides of the wire.
//!
//! # Map
//!
//! | module | what it does |
//! |---|---|
//! | [`keys`] | load RSA keys from PEM, DER or the console's bare base64; generate and export |
//! | [`signature`] | [`SignedContent`](signature::SignedContent) (what is signed, by name), the [`Signer`](signature::Signer) trait (local key or KMS/HSM), [`verify`](signature::verify) |
//! | [`encryption`] | `RSA_AES` [`seal`](encryption::seal) / [`open`](encryption::open) and the `Encrypt` header (an **assumption**, off by default) |
//! | [`headers`] | the protocol's header names and content types, spelled once |
//! | [`time`] | `Request-Time` formatting, parsing and the clock-skew window |
//! | [`validation`] | what a model's `validate()` reports ([`ValidationErrors`](validation::ValidationErrors)) |
//! | [`client`] | [`Transport`](client::Transport): sign, send with reqwest, verify, retry; [`ClientSettings`](client::ClientSettings) from `client-config.toml` (feature `client`) |
//! | [`outcome`] | typed call outcomes (`S` / `F` / `U`, invalid, [`NotSent`](outcome::NotSent)) for generated clients (feature `client`) |
//! | [`server`] | [`SigningLayer`](server::SigningLayer) (a tower layer for an axum `Router`), [`serve`](server::serve) (feature `server`) |
//!
//! At the root, what both sides share:
//!
//! | item | what it is |
//! |---|---|
//! | [`check_signed_head`], [`SignedHead`], [`Head`], [`HeadProblem`] | the one check of a signed head (headers, `Signature`, signed content, signature, time window) that the client, the server layer, `alipayhk proxy` and the conformance suite share, and which step failed |
//! | [`ResultStatus`] | `S` / `F` / `U`, and [`ResultStatus::decide`]: the one rule from a documented status and the wire's to the outcome |
//! | [`ResultCode`] | the trait generated result-code enums implement |
//! | [`RejectReason`] | why the server layer refuses a request before its handler runs |
//!
//! Imports run one way: `client` and `server` build on `signature`, `encryption`, `time`
//! and the shared head check; `outcome` builds on `client`; nothing imports back up.
//! Glue that only generated code calls (`outcome::settle`, `server::dispatch`,
//! `validation::field_path`, ...) is public so generated crates can reach it, but hidden
//! from these docs: it is no API of its own.
//!
//! Features: `client` (reqwest, toml) and `server` (axum, tower, hyper), both on by default.
//! A client-only build (`default-features = false, features = ["client"]`) has no axum.
//!
//! # Calling AlipayHK (client side)
//!
//! ```no_run
//! use std::sync::Arc;
//! use alipayhk_runtime::client::{ClientConfig, RetryPolicy, Transport};
//! use alipayhk_runtime::keys::{PrivateKey, PublicKey};
//! use alipayhk_runtime::signature::KeySigner;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let key = PrivateKey::from_file("partner_private.pem")?;   // PEM, DER or console base64
//! let alipay = PublicKey::from_file("alipayhk_public.pem")?;
//! let config = ClientConfig::new(
//!     "https://open-sea.alipay.hk",
//!     "MY_CLIENT_ID",
//!     Arc::new(KeySigner::new(key, Some(1))),
//!     alipay,
//! )
//! .with_retry(RetryPolicy::default());
//! let transport = Transport::new(config)?;
//!
//! let body = br#"{"bizNo":"20261121-0001"}"#.to_vec();
//! // `is_unknown` tells the transport which responses are `U` results worth retrying.
//! let response = transport
//!     .send("/api/open/alipay/v1/promotion/benefit/inquire", body, &|_resp| false)
//!     .await?;
//! println!("{}", String::from_utf8_lossy(&response.body));
//! # Ok(()) }
//! ```
//!
//! The response returned by [`Transport::send`](client::Transport::send) has a verified
//! signature, our `Client-Id` and a `Response-Time` within
//! [`response_time_window`](client::ClientConfig::response_time_window) of our clock.
//! Every doubt (timeout after sending, HTTP status other than 200, a redirect, which is never
//! followed, a body over [`max_response_bytes`](client::ClientConfig::max_response_bytes),
//! missing or bad response signature, a stale or misaddressed answer) is an error whose
//! [`outcome_unknown()`](client::TransportError::outcome_unknown) is `true`: handle it
//! like a `U` result (retry with the same business id, or inquire), never as success.
//!
//! # Serving the API (server side, e.g. the simulator)
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{Extension, Router, routing::post};
//! use alipayhk_runtime::keys::PrivateKey;
//! use alipayhk_runtime::signature::KeySigner;
//! use alipayhk_runtime::RejectReason;
//! use alipayhk_runtime::server::*;
//!
//! # fn build(code_for: impl FnMut(RejectReason) -> CommonCode, partner: alipayhk_runtime::keys::PublicKey)
//! #     -> Result<Router, Box<dyn std::error::Error>> {
//! // What the spec says (generated code has it ready: `alipayhk_api::spec::served_api()`).
//! let api = ServedApi {
//!     routes: vec![Route::new("/api/open/alipay/v1/promotion/benefit/inquire", "result")],
//!     rejections: RejectionTable::from_fn(code_for), // a code for every reason, by construction
//! };
//! // What the deployment chooses: keys and limits.
//! let server_key = PrivateKey::generate_rsa2048()?;
//! let clients = InMemoryKeyStore::new().with_key("MY_CLIENT_ID", 1, partner);
//! let config = ServerConfig::new(Arc::new(KeySigner::new(server_key, Some(1))), Arc::new(clients));
//! let app = Router::new()
//!     .route(
//!         "/api/open/alipay/v1/promotion/benefit/inquire",
//!         post(|Extension(caller): Extension<CallerContext>, body: String| async move {
//!             // `body` is verified (and decrypted) JSON from `caller.client_id`.
//!             body
//!         }),
//!     )
//!     // `Router::layer` also wraps the fallback: unknown paths get `UnknownApi`.
//!     .layer(SigningLayer::new(api, config));
//! # Ok(app) }
//! ```
//!
//! # Invariants
//!
//! - Bytes are signed exactly as sent: the body is serialized once and never re-encoded;
//!   `Request-Time` is signed verbatim.
//! - Fail closed: an unknown or unsupported algorithm (`ECC224`), a missing header or a
//!   bad signature is an error, never a pass.
//! - Keys never appear in `Debug` output or logs; bodies are never logged.
//! - No panics on input from the network or from files.
//! - Cryptography is `aws-lc-rs` only (RSA and AES); keys under 2048 bits are refused.

#![warn(missing_docs)]

#[cfg(feature = "client")]
pub mod client;
pub mod encryption;
pub mod headers;
pub mod keys;
#[cfg(feature = "client")]
pub mod outcome;
mod rejection;
#[cfg(feature = "client")]
mod response_meta;
mod result_code;
mod result_status;
#[cfg(feature = "server")]
pub mod server;
pub mod signature;
mod signature_header;
mod signed_head;
pub mod time;
pub mod validation;

pub use rejection::{RejectReason, UnknownRejectReason};
pub use result_code::ResultCode;
pub use result_status::{InvalidResultStatus, ResultStatus};
pub use signed_head::{Head, HeadProblem, SignedHead, check_signed_head};
