//! RSA key loading, generation and export.
//!
//! Partner consoles hand out keys in several shapes; [`PrivateKey::parse`] and
//! [`PublicKey::parse`] accept all of them and say which format they expected when
//! nothing fits:
//!
//! | key     | accepted                                                                 |
//! |---------|--------------------------------------------------------------------------|
//! | private | PEM `PRIVATE KEY` (PKCS#8), PEM `RSA PRIVATE KEY` (PKCS#1), DER of either, bare base64 of either (the console string) |
//! | public  | PEM `PUBLIC KEY` (SPKI), PEM `RSA PUBLIC KEY` (PKCS#1), DER of either, bare base64 of either |
//!
//! Keys under 2048 bits are refused (protocol.md §A2: AlipayHK requires RSA-2048).
//! Neither type prints key material in `Debug` output.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{
    KeyPair, KeySize, Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey, PrivateDecryptingKey,
    PublicEncryptingKey,
};
use aws_lc_rs::signature::{KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine as _;

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;

const PRIVATE_FORMATS: &str = "a PEM `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) block, \
     DER of either, or the bare base64 PKCS#8 string from the partner console";
const PUBLIC_FORMATS: &str = "a PEM `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1) block, \
     DER of either, or a bare base64 string of either";

/// What went wrong while loading or producing a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key file could not be read.
    #[error("cannot read key file {path}: {source}; check the path and its permissions")]
    Io {
        /// The file that was read.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not a key in any accepted format.
    #[error("{source_name} is not a valid RSA {kind} key ({detail}); expected {expected}")]
    Format {
        /// Where the input came from (a file path or a description).
        source_name: String,
        /// `"private"` or `"public"`.
        kind: &'static str,
        /// What was expected.
        expected: &'static str,
        /// The first concrete problem found.
        detail: String,
    },
    /// The key is smaller than [`MIN_RSA_BITS`].
    #[error(
        "{source_name} holds a {bits}-bit RSA key; AlipayHK requires at least 2048 bits, generate a new key with `alipayhk keygen`"
    )]
    TooSmall {
        /// Where the input came from.
        source_name: String,
        /// The key's modulus size.
        bits: usize,
    },
    /// The crypto backend failed to generate or export a key.
    #[error("the crypto backend failed to {0}; this is a bug or an exhausted system resource")]
    Backend(&'static str),
}

/// An RSA private key (at least 2048 bits) used to sign and to unwrap `RSA_AES` keys.
///
/// Cheap to clone (shared). `Debug` shows only the key size.
#[derive(Clone)]
pub struct PrivateKey {
    inner: Arc<PrivateInner>,
}

struct PrivateInner {
    pair: KeyPair,
    decrypting: Pkcs1PrivateDecryptingKey,
    public: PublicKey,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(RSA-{}, redacted)", self.bits())
    }
}

impl PrivateKey {
    /// Generates a fresh RSA-2048 key pair (for `alipayhk keygen` and tests).
    pub fn generate_rsa2048() -> Result<Self, KeyError> {
        let pair =
            KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Backend("generate a key"))?;
        let pkcs8: Pkcs8V1Der<'static> = pair
            .as_der()
            .map_err(|_| KeyError::Backend("export a key"))?;
        Self::from_pkcs8_der(pkcs8.as_ref(), "generated key")
    }

    /// Reads and parses a private key file in any accepted format; errors name the file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        Self::parse(&bytes, &path.display().to_string())
    }

    /// Parses a private key in any accepted format (PEM, DER or bare base64).
    ///
    /// `source_name` names the input in error messages (e.g. a file path).
    pub fn parse(input: &[u8], source_name: &str) -> Result<Self, KeyError> {
        let der = to_der(input).map_err(|detail| private_format(source_name, detail))?;
        Self::from_der_any(&der, source_name)
    }

    /// Parses a PEM `PRIVATE KEY` or `RSA PRIVATE KEY` block.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_to_der(pem).map_err(|detail| private_format("PEM input", detail))?;
        Self::from_der_any(&der, "PEM input")
    }

    /// Parses DER: PKCS#8 `PrivateKeyInfo` or PKCS#1 `RSAPrivateKey`.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::from_der_any(der, "DER input")
    }

    /// Parses the bare base64 string (PKCS#8 or PKCS#1 DER) that partner consoles show.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let der =
            decode_base64_lenient(text).map_err(|detail| private_format("base64 input", detail))?;
        Self::from_der_any(&der, "base64 input")
    }

    fn from_der_any(der: &[u8], source_name: &str) -> Result<Self, KeyError> {
        // Peek at the modulus first so a short key gets the size error rather than a
        // generic "rejected" from the backend (which refuses < 2048 bits anyway).
        if let Some(bits) = private_modulus_bits(der)
            && bits < MIN_RSA_BITS
        {
            return Err(KeyError::TooSmall {
                source_name: source_name.to_owned(),
                bits,
            });
        }
        if let Ok(pair) = KeyPair::from_pkcs8(der) {
            return Self::from_pair(pair, der, source_name);
        }
        match KeyPair::from_der(der) {
            Ok(pair) => {
                let pkcs8: Pkcs8V1Der<'static> = pair
                    .as_der()
                    .map_err(|_| KeyError::Backend("convert PKCS#1 to PKCS#8"))?;
                Self::from_pkcs8_der(pkcs8.as_ref(), source_name)
            }
            Err(e) => Err(private_format(
                source_name,
                format!("not PKCS#8 or PKCS#1 RSA DER: {e}"),
            )),
        }
    }

    fn from_pkcs8_der(pkcs8: &[u8], source_name: &str) -> Result<Self, KeyError> {
        let pair = KeyPair::from_pkcs8(pkcs8)
            .map_err(|e| private_format(source_name, format!("PKCS#8 rejected: {e}")))?;
        Self::from_pair(pair, pkcs8, source_name)
    }

    fn from_pair(pair: KeyPair, pkcs8: &[u8], source_name: &str) -> Result<Self, KeyError> {
        let bits = pair.public_modulus_len() * 8;
        if bits < MIN_RSA_BITS {
            return Err(KeyError::TooSmall {
                source_name: source_name.to_owned(),
                bits,
            });
        }
        let decrypting = PrivateDecryptingKey::from_pkcs8(pkcs8)
            .ok()
            .and_then(|k| Pkcs1PrivateDecryptingKey::new(k).ok())
            .ok_or_else(|| private_format(source_name, "not usable for RSA decryption".into()))?;
        let public = PublicKey::from_der_any(pair.public_key().as_ref(), source_name)?;
        Ok(PrivateKey {
            inner: Arc::new(PrivateInner {
                pair,
                decrypting,
                public,
            }),
        })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.inner.pair.public_modulus_len() * 8
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        self.inner.public.clone()
    }

    /// Exports the key as a PKCS#8 PEM block (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// The returned string is secret: write it to a file with mode 0600, never log it.
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        let der: Pkcs8V1Der<'static> = self
            .inner
            .pair
            .as_der()
            .map_err(|_| KeyError::Backend("export a key"))?;
        Ok(der_to_pem("PRIVATE KEY", der.as_ref()))
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message` (deterministic).
    pub fn sign_rsa_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut sig = vec![0u8; self.inner.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.inner
            .pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &rng,
                message,
                &mut sig,
            )
            .map_err(|_| KeyError::Backend("sign"))?;
        Ok(sig)
    }

    /// RSA PKCS#1 v1.5 decryption (used to unwrap `RSA_AES` symmetric keys).
    pub(crate) fn decrypt_pkcs1(&self, ciphertext: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![0u8; self.inner.decrypting.min_output_size()];
        let plain = self.inner.decrypting.decrypt(ciphertext, &mut out).ok()?;
        Some(plain.to_vec())
    }
}

/// An RSA public key (at least 2048 bits) used to verify signatures and wrap `RSA_AES` keys.
///
/// Cheap to clone. Public keys are not secret, but `Debug` stays short anyway.
#[derive(Clone)]
pub struct PublicKey {
    inner: Arc<PublicInner>,
}

struct PublicInner {
    spki: Vec<u8>,
    verifying: ParsedPublicKey,
    encrypting: Pkcs1PublicEncryptingKey,
    bits: usize,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(RSA-{})", self.inner.bits)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.inner.spki == other.inner.spki
    }
}

impl Eq for PublicKey {}

impl PublicKey {
    /// Reads and parses a public key file in any accepted format; errors name the file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        Self::parse(&bytes, &path.display().to_string())
    }

    /// Parses a public key in any accepted format (PEM, DER or bare base64).
    pub fn parse(input: &[u8], source_name: &str) -> Result<Self, KeyError> {
        let der = to_der(input).map_err(|detail| public_format(source_name, detail))?;
        Self::from_der_any(&der, source_name)
    }

    /// Parses a PEM `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1) block.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_to_der(pem).map_err(|detail| public_format("PEM input", detail))?;
        Self::from_der_any(&der, "PEM input")
    }

    /// Parses DER: SPKI or PKCS#1 `RSAPublicKey`.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::from_der_any(der, "DER input")
    }

    /// Parses a bare base64 string of SPKI or PKCS#1 DER.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let der =
            decode_base64_lenient(text).map_err(|detail| public_format("base64 input", detail))?;
        Self::from_der_any(&der, "base64 input")
    }

    fn from_der_any(der: &[u8], source_name: &str) -> Result<Self, KeyError> {
        let parsed = aws_lc_rs::rsa::PublicKey::from_der(der)
            .map_err(|e| public_format(source_name, format!("not SPKI or PKCS#1 RSA DER: {e}")))?;
        let bits = parsed.modulus_len() * 8;
        if bits < MIN_RSA_BITS {
            return Err(KeyError::TooSmall {
                source_name: source_name.to_owned(),
                bits,
            });
        }
        // Normalise to SPKI: the encryption API only takes SPKI.
        let spki: PublicKeyX509Der<'static> = parsed
            .as_der()
            .map_err(|_| KeyError::Backend("export a public key"))?;
        let spki = spki.as_ref().to_vec();
        let verifying = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki)
            .map_err(|e| public_format(source_name, format!("not usable for RSA verify: {e}")))?;
        let encrypting = PublicEncryptingKey::from_der(&spki)
            .ok()
            .and_then(|k| Pkcs1PublicEncryptingKey::new(k).ok())
            .ok_or_else(|| public_format(source_name, "not usable for RSA encryption".into()))?;
        Ok(PublicKey {
            inner: Arc::new(PublicInner {
                spki,
                verifying,
                encrypting,
                bits,
            }),
        })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.inner.bits
    }

    /// The DER `SubjectPublicKeyInfo` bytes.
    pub fn to_spki_der(&self) -> Vec<u8> {
        self.inner.spki.clone()
    }

    /// Exports the key as an SPKI PEM block (`-----BEGIN PUBLIC KEY-----`).
    pub fn to_spki_pem(&self) -> String {
        der_to_pem("PUBLIC KEY", &self.inner.spki)
    }

    /// The modulus `n` and public exponent `e`, big-endian without leading zeros.
    ///
    /// For diagnostics (e.g. `alipayhk verify` explaining *why* a signature fails);
    /// verification itself never needs them.
    pub fn rsa_components(&self) -> (Vec<u8>, Vec<u8>) {
        match aws_lc_rs::rsa::PublicKey::from_der(&self.inner.spki) {
            Ok(k) => (
                k.modulus().big_endian_without_leading_zero().to_vec(),
                k.exponent().big_endian_without_leading_zero().to_vec(),
            ),
            // Unreachable: the SPKI was produced by the same backend from a valid key.
            Err(_) => (Vec::new(), Vec::new()),
        }
    }

    /// The bare base64 SPKI string, the shape partner consoles ask for.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.inner.spki)
    }

    /// Checks an RSASSA-PKCS1-v1_5 SHA-256 signature; `true` when it matches.
    pub fn verify_rsa_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.inner.verifying.verify_sig(message, signature).is_ok()
    }

    /// RSA PKCS#1 v1.5 encryption (used to wrap `RSA_AES` symmetric keys).
    pub(crate) fn encrypt_pkcs1(&self, plaintext: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![0u8; self.inner.encrypting.ciphertext_size()];
        let ct = self.inner.encrypting.encrypt(plaintext, &mut out).ok()?;
        Some(ct.to_vec())
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn private_format(source_name: &str, detail: String) -> KeyError {
    KeyError::Format {
        source_name: source_name.to_owned(),
        kind: "private",
        expected: PRIVATE_FORMATS,
        detail,
    }
}

fn public_format(source_name: &str, detail: String) -> KeyError {
    KeyError::Format {
        source_name: source_name.to_owned(),
        kind: "public",
        expected: PUBLIC_FORMATS,
        detail,
    }
}

/// Turns PEM, bare base64 or DER input into DER bytes (format sniffing only, no parsing).
fn to_der(input: &[u8]) -> Result<Vec<u8>, String> {
    // DER always starts with a SEQUENCE tag; text formats never do.
    if input.first() == Some(&0x30) {
        return Ok(input.to_vec());
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| "input is neither DER (starts with 0x30) nor UTF-8 text".to_owned())?;
    if text.contains("-----BEGIN") {
        pem_to_der(text)
    } else {
        decode_base64_lenient(text)
    }
}

/// Extracts the first PEM block's payload. Encrypted PEM is refused with a hint.
fn pem_to_der(text: &str) -> Result<Vec<u8>, String> {
    let begin = text
        .find("-----BEGIN ")
        .ok_or_else(|| "no `-----BEGIN ...-----` line".to_owned())?;
    let rest = &text[begin + "-----BEGIN ".len()..];
    let label_end = rest
        .find("-----")
        .ok_or_else(|| "unterminated BEGIN line".to_owned())?;
    let label = &rest[..label_end];
    if label.contains("ENCRYPTED") {
        return Err(format!(
            "PEM block `{label}` is password-protected; decrypt it first with `openssl pkey -in FILE -out PLAIN.pem`"
        ));
    }
    let body = &rest[label_end + 5..];
    let end_marker = format!("-----END {label}-----");
    let end = body
        .find(&end_marker)
        .ok_or_else(|| format!("missing `{end_marker}` line"))?;
    let payload = &body[..end];
    if payload.contains("Proc-Type:") {
        return Err("PEM block has encryption headers (Proc-Type); decrypt it first".to_owned());
    }
    decode_base64_lenient(payload).map_err(|e| format!("PEM `{label}` payload: {e}"))
}

/// Standard base64 ignoring ASCII whitespace and padding.
fn decode_base64_lenient(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err("input is empty".to_owned());
    }
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(compact.as_bytes())
        .map_err(|e| format!("invalid base64: {e}"))
}

fn der_to_pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Best-effort modulus size of a PKCS#1 or PKCS#8 RSA private key, for a clear
/// "too small" message. `None` when the DER is not recognised.
fn private_modulus_bits(der: &[u8]) -> Option<usize> {
    // PKCS#8: SEQUENCE { INTEGER 0, SEQUENCE { OID, NULL }, OCTET STRING { RSAPrivateKey } }
    // PKCS#1: SEQUENCE { INTEGER 0, INTEGER n, ... }
    let (outer, _) = der_element(der, 0x30)?;
    let (_version, rest) = der_element(outer, 0x02)?;
    if let Some((modulus, _)) = der_element(rest, 0x02) {
        return Some(integer_bits(modulus));
    }
    let (_alg, rest) = der_element(rest, 0x30)?;
    let (octets, _) = der_element(rest, 0x04)?;
    private_modulus_bits(octets)
}

fn integer_bits(int: &[u8]) -> usize {
    let trimmed: &[u8] = match int.iter().position(|&b| b != 0) {
        Some(i) => &int[i..],
        None => return 0,
    };
    trimmed.len() * 8 - trimmed[0].leading_zeros() as usize
}

/// Splits one DER TLV with the expected tag off the front: (contents, remainder).
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = input.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some(rest.split_at(len))
}
