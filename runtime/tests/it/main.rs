//! Integration tests of `alipayhk-runtime`, in one binary to keep link times down.
//!
//! - `vectors`: byte-exact agreement with signatures and RSA_AES messages made by the
//!   `openssl` command line (`tests/vectors/make.sh`).
//! - `docs_vectors`: docs/vectors/, the signing and RSA_AES vectors published for partners in
//!   any language, recomputed byte for byte, and checked again by Alipay's Python SDK.
//! - `keys`: every accepted key format, and the refusals.
//! - `properties`: proptest of the header parsers and the content-to-sign builder.
//! - `http`: client and server halves over real HTTP on 127.0.0.1.
//! - `server_hostile`: connection deadlines and cap of `server::serve`, and one answer for
//!   every decryption failure (no oracle).
//! - `client_hostile`: the client against servers that answer badly on purpose (redirects,
//!   oversize bodies, stale or misaddressed signed answers).
//!
//! Tests that need a program beyond Rust (openssl, Alipay's Python SDK) are
//! `#[ignore = "needs …"]`: run them with `cargo test -- --include-ignored`, as CI does.

mod client_hostile;
mod docs_vectors;
mod http;
mod keys;
mod properties;
mod server_hostile;
mod support;
mod vectors;
