//! HTTPS for the AlipayHK API: a local CA and a server certificate, made on first start.
//!
//! `serve --tls` keeps `tls/ca.pem` (the local CA's certificate: give it to clients as an
//! extra root), `tls/server.pem` (the server certificate for `127.0.0.1`, `::1` and
//! `localhost`, then the CA) and `tls/server-key.pem` (0600) in the data directory. The
//! CA's private key is never written: it signs the one server certificate and is dropped,
//! so nobody can mint another certificate this CA vouches for, and trusting `ca.pem`
//! trusts this simulator only. Delete `tls/` to get a new pair. `--tls-cert/--tls-key`
//! serve your own certificate instead.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use alipayhk_runtime::server::{TlsConfigError, rustls, tls_server_config};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use super::config::{SimulatorConfig, TlsMode};
use super::data_dir::{self, DataDirError};

/// The names the generated server certificate is valid for.
pub const CERTIFICATE_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate could not be generated.
    #[error("cannot generate the local TLS certificates: {0}")]
    Generate(#[from] rcgen::Error),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The files could not be written.
    #[error(transparent)]
    Write(#[from] DataDirError),
    /// The certificate and key do not make a TLS configuration.
    #[error("{0}; for {1}")]
    Config(#[source] TlsConfigError, String),
}

/// What TLS the API listener uses.
#[derive(Clone)]
pub struct PreparedTls {
    /// The rustls configuration (h2 and HTTP/1.1).
    pub server_config: Arc<rustls::ServerConfig>,
    /// The local CA certificate clients should trust (`None` with your own certificate).
    pub ca_certificate: Option<PathBuf>,
}

impl std::fmt::Debug for PreparedTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedTls")
            .field("ca_certificate", &self.ca_certificate)
            .finish_non_exhaustive()
    }
}

/// Creates (on first start) or reads the certificate files; `None` without TLS.
pub fn prepare(config: &SimulatorConfig) -> Result<Option<PreparedTls>, TlsError> {
    prepare_mode(&config.tls, &config.data_dir.join("tls"))
}

/// `prepare` for any listener (the CLI's proxy too): `mode`, with a generated CA and
/// certificate kept in `generated_dir`.
pub fn prepare_mode(mode: &TlsMode, generated_dir: &Path) -> Result<Option<PreparedTls>, TlsError> {
    let (cert, key, ca) = match mode {
        TlsMode::Off => return Ok(None),
        TlsMode::Files { cert, key } => (cert.clone(), key.clone(), None),
        TlsMode::Generated => {
            let files = generated_files(generated_dir)?;
            (files.1, files.2, Some(files.0))
        }
    };
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    let server_config = tls_server_config(&read(&cert)?, &read(&key)?)
        .map_err(|e| TlsError::Config(e, format!("{} and {}", cert.display(), key.display())))?;
    Ok(Some(PreparedTls {
        server_config,
        ca_certificate: ca,
    }))
}

/// `(ca.pem, server.pem, server-key.pem)` under `dir`, generated when `server.pem` or
/// its key is missing.
fn generated_files(dir: &Path) -> Result<(PathBuf, PathBuf, PathBuf), TlsError> {
    let ca = dir.join("ca.pem");
    let cert = dir.join("server.pem");
    let key = dir.join("server-key.pem");
    if !(ca.exists() && cert.exists() && key.exists()) {
        std::fs::create_dir_all(dir).map_err(|source| TlsError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let made = generate()?;
        // The key first: a crash after it leaves no certificate without its key.
        data_dir::replace_secret_file(&key, made.server_key.as_bytes())?;
        data_dir::replace_file(&cert, made.server_chain.as_bytes())?;
        data_dir::replace_file(&ca, made.ca_certificate.as_bytes())?;
        tracing::info!(ca = %ca.display(), "created a local CA and a TLS certificate for 127.0.0.1 and localhost");
    }
    Ok((ca, cert, key))
}

/// A local CA and a server certificate it signed, in PEM.
pub struct GeneratedCertificates {
    /// The CA's certificate.
    pub ca_certificate: String,
    /// The server certificate, then the CA's.
    pub server_chain: String,
    /// The server certificate's private key (PKCS#8).
    pub server_key: String,
}

/// Makes a CA (its key is dropped on return) and a server certificate for
/// [`CERTIFICATE_NAMES`], both ECDSA P-256, valid from yesterday for ten years.
pub fn generate() -> Result<GeneratedCertificates, rcgen::Error> {
    let now = time::OffsetDateTime::now_utc();
    let (not_before, not_after) = (
        now - time::Duration::days(1),
        now + time::Duration::days(3650),
    );

    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "AlipayHK simulator local CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.not_before = not_before;
    ca_params.not_after = not_after;
    let ca_certificate = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate()?;
    let mut params = CertificateParams::new(
        CERTIFICATE_NAMES
            .iter()
            .map(|name| name.to_string())
            .collect::<Vec<_>>(),
    )?;
    params
        .distinguished_name
        .push(DnType::CommonName, "AlipayHK simulator");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = not_before;
    params.not_after = not_after;
    let server = params.signed_by(&server_key, &issuer)?;
    Ok(GeneratedCertificates {
        server_chain: format!("{}{}", server.pem(), ca_certificate.pem()),
        ca_certificate: ca_certificate.pem(),
        server_key: server_key.serialize_pem(),
    })
}
