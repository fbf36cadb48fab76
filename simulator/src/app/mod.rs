//! The application: configuration, the data directory, TLS, and serving. It owns the
//! state (the store and the core) and the request journal, and wires the HTTP layer
//! around them.

pub(crate) mod config;
pub(crate) mod data_dir;
pub(crate) mod serve;
pub(crate) mod tls;
