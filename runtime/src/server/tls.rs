//! The TLS configuration of [`serve_tls`](super::serve_tls): a certificate chain and its
//! private key in PEM, on rustls with aws-lc-rs, offering h2 and HTTP/1.1 by ALPN.

use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why a certificate and key cannot serve TLS. Never contains key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsConfigError {
    /// The certificate file holds no PEM certificate.
    #[error("the TLS certificate is not PEM (-----BEGIN CERTIFICATE-----): {0}")]
    Certificate(String),
    /// The key file holds no PEM private key.
    #[error("the TLS private key is not a PEM private key (PKCS#8, PKCS#1 or SEC1): {0}")]
    Key(String),
    /// rustls refused the pair (say the key does not match the certificate).
    #[error("the TLS certificate and key cannot be used together: {0}")]
    Pair(String),
}

/// A rustls server configuration for `cert_chain_pem` (leaf first) and `key_pem`,
/// negotiating h2 or HTTP/1.1.
pub fn tls_server_config(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<rustls::ServerConfig>, TlsConfigError> {
    let chain = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsConfigError::Certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(TlsConfigError::Certificate("no certificate found".into()));
    }
    // The key parser's errors name the PEM section, never its contents.
    let key =
        PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsConfigError::Key(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Pair(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsConfigError::Pair(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
