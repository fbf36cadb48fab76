//! Content to sign, the [`Signer`] trait, and signature verification (protocol.md §A).
//!
//! ```text
//! POST /api/open/alipay/v1/promotion/benefit/issue\n<Client-Id>.<Request-Time>.<raw body>
//! ```
//!
//! The time is copied verbatim from the header and the body is the exact bytes on the
//! wire (after encryption, when encrypted); nothing is normalised. Responses use the same
//! method and request path with `Response-Time` and the raw response body.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::keys::{KeyError, PrivateKey, PublicKey};
pub use crate::signature_header::{
    SignatureAlgorithm, SignatureHeader, SignatureHeaderError, encode_url_base64,
};

/// What one signature covers (protocol.md §A1), by name, so the parts cannot be swapped:
/// `<method> <path>\n<client_id>.<time>.<body>`.
///
/// `time` is `Request-Time` for requests and `Response-Time` for responses, verbatim;
/// `body` is the raw bytes sent (after encryption, if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedContent<'a> {
    /// `POST` for every operation (the layer also signs `HEAD` answers).
    pub method: &'a str,
    /// The request path, e.g. `/api/open/alipay/v1/promotion/benefit/issue`.
    pub path: &'a str,
    /// The `Client-Id` header.
    pub client_id: &'a str,
    /// The `Request-Time` or `Response-Time` header.
    pub time: &'a str,
    /// The body bytes as sent.
    pub body: &'a [u8],
}

impl SignedContent<'_> {
    /// The bytes to sign or verify.
    pub fn to_bytes(&self) -> Vec<u8> {
        let SignedContent {
            method,
            path,
            client_id,
            time,
            body,
        } = *self;
        let mut out = Vec::with_capacity(
            method.len() + path.len() + client_id.len() + time.len() + body.len() + 4,
        );
        out.extend_from_slice(method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(path.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(client_id.as_bytes());
        out.push(b'.');
        out.extend_from_slice(time.as_bytes());
        out.push(b'.');
        out.extend_from_slice(body);
        out
    }
}

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The local key could not sign.
    #[error("signing failed: {0}")]
    Key(#[from] KeyError),
    /// The signer does not implement the requested algorithm.
    #[error("signature algorithm {0} is not supported: no public definition; use RSA256")]
    UnsupportedAlgorithm(SignatureAlgorithm),
    /// A remote signer (KMS/HSM) failed; the message comes from its implementation.
    #[error("remote signer failed: {0}; check the signer's credentials and reachability")]
    Remote(String),
}

/// The future returned by [`Signer::sign`]; boxed so that `dyn Signer` works.
pub type SignFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, SignError>> + Send + 'a>>;

/// Something that can produce signatures: a local key ([`KeySigner`]) or a KMS/HSM.
///
/// Implementations must never log the content or key material.
pub trait Signer: Send + Sync + fmt::Debug {
    /// The algorithm the signatures use.
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::Rsa256
    }

    /// The `keyVersion` to announce in the header, if any.
    fn key_version(&self) -> Option<u32>;

    /// Signs `content` (the output of [`SignedContent::to_bytes`]) and returns the raw signature.
    fn sign<'a>(&'a self, content: &'a [u8]) -> SignFuture<'a>;
}

/// Signs `content` with `signer` and wraps the result in a [`SignatureHeader`].
pub async fn sign_header(
    signer: &dyn Signer,
    content: &[u8],
) -> Result<SignatureHeader, SignError> {
    let signature = signer.sign(content).await?;
    Ok(SignatureHeader {
        algorithm: signer.algorithm(),
        key_version: signer.key_version(),
        signature,
    })
}

/// The default [`Signer`]: an RSA private key held in memory (loaded from a file).
#[derive(Debug, Clone)]
pub struct KeySigner {
    key: PrivateKey,
    key_version: Option<u32>,
}

impl KeySigner {
    /// A signer announcing `keyVersion=<key_version>` (the SDKs default to `Some(1)`).
    pub fn new(key: PrivateKey, key_version: Option<u32>) -> Self {
        KeySigner { key, key_version }
    }

    /// The key this signer uses.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// Signs synchronously (the local key never blocks on I/O).
    pub fn sign_now(&self, content: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(self.key.sign_rsa_sha256(content)?)
    }

    /// Signs synchronously and returns the full header.
    pub fn sign_header_now(&self, content: &[u8]) -> Result<SignatureHeader, SignError> {
        Ok(SignatureHeader::rsa256(
            self.key_version,
            self.sign_now(content)?,
        ))
    }
}

impl Signer for KeySigner {
    fn key_version(&self) -> Option<u32> {
        self.key_version
    }

    fn sign<'a>(&'a self, content: &'a [u8]) -> SignFuture<'a> {
        Box::pin(async move { self.sign_now(content) })
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The header names an algorithm this crate refuses (fail closed).
    #[error(
        "signature algorithm {0} is not supported: no public definition; ask the sender to use RSA256"
    )]
    UnsupportedAlgorithm(SignatureAlgorithm),
    /// The signature does not match the content under this key.
    #[error(
        "signature does not match: the content to sign (method, path, Client-Id, time, body) or the key differs from the signer's"
    )]
    Mismatch,
}

/// Verifies `header` over `content` with `key`.
///
/// The caller chooses `key` from `Client-Id` and `header.key_version`.
pub fn verify(
    key: &PublicKey,
    content: &[u8],
    header: &SignatureHeader,
) -> Result<(), VerifyError> {
    match header.algorithm {
        SignatureAlgorithm::Rsa256 => {
            if key.verify_rsa_sha256(content, &header.signature) {
                Ok(())
            } else {
                Err(VerifyError::Mismatch)
            }
        }
        // ASSUMPTION (protocol.md §C): ECC224 is named but not defined anywhere public.
        SignatureAlgorithm::Ecc224 => Err(VerifyError::UnsupportedAlgorithm(header.algorithm)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_layout_is_method_space_path_lf_id_dot_time_dot_body() {
        let c = SignedContent {
            method: "POST",
            path: "/a/b",
            client_id: "CID",
            time: "2024-05-22T06:42:21+05:30",
            body: b"{}",
        }
        .to_bytes();
        assert_eq!(c, b"POST /a/b\nCID.2024-05-22T06:42:21+05:30.{}".to_vec());
    }

    #[test]
    fn empty_body_ends_with_a_dot() {
        assert!(
            SignedContent {
                method: "POST",
                path: "/p",
                client_id: "c",
                time: "t",
                body: b""
            }
            .to_bytes()
            .ends_with(b"t.")
        );
    }
}
