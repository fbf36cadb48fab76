//! `Encrypt: algorithm=RSA_AES,...` message encryption.
//!
//! **ASSUMPTION (protocol.md §B4).** AlipayHK documents the header but not the cipher.
//! This module implements what the identical Ant gateway protocol (ZOLOZ) does:
//!
//! - a fresh AES-256 key per message, AES-ECB with PKCS#7 padding, no IV
//!   (decryption accepts 128-, 192- and 256-bit keys);
//! - the AES key wrapped with RSA PKCS#1 v1.5 under the *receiver's* public key;
//! - body = standard base64 of the ciphertext, sent as `text/plain; charset=UTF-8`;
//! - `Encrypt: algorithm=RSA_AES,keyVersion=N,symmetricKey=<urlencoded base64>`;
//! - encrypt-then-sign on the way out, verify-then-decrypt on the way in;
//!   a response is encrypted iff its request was.
//!
//! Encryption is off by default everywhere in this crate. ECB leaks equal blocks; it is
//! used only because the gateway protocol appears to require it.

use std::fmt;

use aws_lc_rs::cipher::{
    AES_128, AES_192, AES_256, PaddedBlockDecryptingKey, PaddedBlockEncryptingKey, UnboundCipherKey,
};
use aws_lc_rs::rand::SecureRandom as _;
use base64::Engine as _;

use crate::keys::{PrivateKey, PublicKey};
use crate::signature_header::{
    ItemError, UrlBase64Error, decode_url_base64, encode_url_base64, parse_items,
};

/// The `algorithm` of an `Encrypt` header. Only `RSA_AES` exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncryptAlgorithm {
    /// `RSA_AES` (older pages write `RSA`; both parse to this).
    RsaAes,
}

impl EncryptAlgorithm {
    /// The wire name, `"RSA_AES"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EncryptAlgorithm::RsaAes => "RSA_AES",
        }
    }
}

/// A parsed `Encrypt` header value.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptHeader {
    /// Always [`EncryptAlgorithm::RsaAes`] today.
    pub algorithm: EncryptAlgorithm,
    /// `keyVersion` of the receiver's key that wrapped the symmetric key.
    pub key_version: Option<u32>,
    /// The RSA-wrapped AES key (raw bytes, URL- and base64-decoded).
    pub wrapped_key: Vec<u8>,
}

impl fmt::Debug for EncryptHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptHeader")
            .field("algorithm", &self.algorithm)
            .field("key_version", &self.key_version)
            .field("wrapped_key_len", &self.wrapped_key.len())
            .finish()
    }
}

/// Why encryption or decryption failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptionError {
    /// The `Encrypt` header is malformed.
    #[error(
        "Encrypt header is malformed ({0}); expected `algorithm=RSA_AES,keyVersion=1,symmetricKey=...`"
    )]
    MalformedHeader(String),
    /// The algorithm is not `RSA_AES`.
    #[error("Encrypt algorithm {0:?} is not supported; only RSA_AES is")]
    UnsupportedAlgorithm(String),
    /// The wrapped key does not unwrap to an AES key under our private key.
    #[error(
        "symmetricKey does not unwrap to an AES key with our private key; the sender used a different public key or keyVersion"
    )]
    KeyUnwrap,
    /// The body is not base64.
    #[error("encrypted body is not standard base64: {0}")]
    BodyEncoding(String),
    /// AES decryption or padding check failed.
    #[error("encrypted body does not decrypt (wrong key or corrupted ciphertext)")]
    Decrypt,
    /// The crypto backend failed.
    #[error("the crypto backend failed to {0}")]
    Backend(&'static str),
}

impl EncryptHeader {
    /// Parses a header value with the same tolerance as the `Signature` header.
    pub fn parse(value: &str) -> Result<Self, EncryptionError> {
        let items = parse_items(value).map_err(|e| match e {
            ItemError::Malformed(s) => {
                EncryptionError::MalformedHeader(format!("item {s:?} is not key=value"))
            }
            ItemError::Duplicate(s) => {
                EncryptionError::MalformedHeader(format!("`{s}` appears twice"))
            }
        })?;
        let mut algorithm = None;
        let mut key_version = None;
        let mut wrapped = None;
        for (key, val) in items {
            if key.eq_ignore_ascii_case("algorithm") {
                // Older AlipayHK pages write `algorithm=RSA` for the same scheme (§B1).
                if val.eq_ignore_ascii_case("RSA_AES") || val.eq_ignore_ascii_case("RSA") {
                    algorithm = Some(EncryptAlgorithm::RsaAes);
                } else {
                    return Err(EncryptionError::UnsupportedAlgorithm(val.to_owned()));
                }
            } else if key.eq_ignore_ascii_case("keyVersion") {
                key_version = Some(val.parse::<u32>().map_err(|_| {
                    EncryptionError::MalformedHeader(format!("keyVersion {val:?} is not a number"))
                })?);
            } else if key.eq_ignore_ascii_case("symmetricKey") {
                wrapped = Some(val);
            }
        }
        let algorithm =
            algorithm.ok_or_else(|| EncryptionError::MalformedHeader("no algorithm".into()))?;
        let wrapped =
            wrapped.ok_or_else(|| EncryptionError::MalformedHeader("no symmetricKey".into()))?;
        let wrapped_key = decode_url_base64(wrapped).map_err(|e| match e {
            UrlBase64Error::Url(m) | UrlBase64Error::Base64(m) => {
                EncryptionError::MalformedHeader(format!("symmetricKey: {m}"))
            }
        })?;
        Ok(EncryptHeader {
            algorithm,
            key_version,
            wrapped_key,
        })
    }

    /// The canonical header value.
    pub fn to_header_value(&self) -> String {
        let key = encode_url_base64(&self.wrapped_key);
        match self.key_version {
            Some(v) => format!(
                "algorithm={},keyVersion={v},symmetricKey={key}",
                self.algorithm.as_str()
            ),
            None => format!("algorithm={},symmetricKey={key}", self.algorithm.as_str()),
        }
    }
}

impl fmt::Display for EncryptHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_header_value())
    }
}

/// The output of [`seal`]: the body to send and the `Encrypt` header to send with it.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// Base64 ciphertext (ASCII), to be sent as `text/plain; charset=UTF-8` and signed.
    pub body: Vec<u8>,
    /// The `Encrypt` header.
    pub header: EncryptHeader,
}

/// Encrypts `plaintext` for the holder of `recipient` (ASSUMPTION, see module docs).
///
/// `key_version` is the recipient key's version, announced in the header.
pub fn seal(
    recipient: &PublicKey,
    key_version: Option<u32>,
    plaintext: &[u8],
) -> Result<Sealed, EncryptionError> {
    let mut aes_key = [0u8; 32];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut aes_key)
        .map_err(|_| EncryptionError::Backend("generate an AES key"))?;
    let wrapped_key = recipient
        .encrypt_pkcs1(&aes_key)
        .ok_or(EncryptionError::Backend("wrap the AES key"))?;
    let body = aes_ecb_encrypt(&aes_key, plaintext)?;
    Ok(Sealed {
        body: base64::engine::general_purpose::STANDARD
            .encode(body)
            .into_bytes(),
        header: EncryptHeader {
            algorithm: EncryptAlgorithm::RsaAes,
            key_version,
            wrapped_key,
        },
    })
}

/// Decrypts a body sealed for `own_key` (ASSUMPTION, see module docs).
///
/// Call only after the signature over the encrypted body has been verified.
///
/// The key unwrap uses implicit rejection (as OpenSSL 3.2+ does for PKCS#1 v1.5): when
/// the wrapped key does not unwrap to a 16-, 24- or 32-byte key, decryption goes on with a
/// random key, so a bad wrap takes the same path as a bad body and a server cannot be
/// used as a padding oracle (Bleichenbacher). Servers must also answer every error of
/// this function alike; the variants are for local diagnostics only.
pub fn open(
    own_key: &PrivateKey,
    header: &EncryptHeader,
    body: &[u8],
) -> Result<Vec<u8>, EncryptionError> {
    let unwrapped = own_key
        .decrypt_pkcs1(&header.wrapped_key)
        .filter(|key| matches!(key.len(), 16 | 24 | 32));
    let unwrap_failed = unwrapped.is_none();
    let aes_key = match unwrapped {
        Some(key) => key,
        None => {
            let mut random = vec![0u8; 32];
            aws_lc_rs::rand::SystemRandom::new()
                .fill(&mut random)
                .map_err(|_| EncryptionError::Backend("generate a substitute AES key"))?;
            random
        }
    };
    let compact: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let decrypted = base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(&compact)
        .map_err(|e| EncryptionError::BodyEncoding(e.to_string()))
        .and_then(|ciphertext| aes_ecb_decrypt(&aes_key, ciphertext));
    if unwrap_failed {
        return Err(EncryptionError::KeyUnwrap);
    }
    decrypted
}

fn aes_ecb_encrypt(key: &[u8; 32], plaintext: &[u8]) -> Result<Vec<u8>, EncryptionError> {
    let key = UnboundCipherKey::new(&AES_256, key)
        .map_err(|_| EncryptionError::Backend("load the AES key"))?;
    let key = PaddedBlockEncryptingKey::ecb_pkcs7(key)
        .map_err(|_| EncryptionError::Backend("set up AES-ECB"))?;
    let mut in_out = plaintext.to_vec();
    key.encrypt(&mut in_out)
        .map_err(|_| EncryptionError::Backend("encrypt"))?;
    Ok(in_out)
}

fn aes_ecb_decrypt(key: &[u8], mut ciphertext: Vec<u8>) -> Result<Vec<u8>, EncryptionError> {
    let algorithm = match key.len() {
        16 => &AES_128,
        24 => &AES_192,
        32 => &AES_256,
        // `open` only passes 16-, 24- or 32-byte keys.
        _ => return Err(EncryptionError::Backend("load the AES key")),
    };
    let key = UnboundCipherKey::new(algorithm, key)
        .map_err(|_| EncryptionError::Backend("load the AES key"))?;
    let key = PaddedBlockDecryptingKey::ecb_pkcs7(key)
        .map_err(|_| EncryptionError::Backend("set up AES-ECB"))?;
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return Err(EncryptionError::Decrypt);
    }
    let plain = key
        .decrypt(&mut ciphertext, aws_lc_rs::cipher::DecryptionContext::None)
        .map_err(|_| EncryptionError::Decrypt)?;
    Ok(plain.to_vec())
}
