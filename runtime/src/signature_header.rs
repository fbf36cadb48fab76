//! The `Signature` header: `algorithm=RSA256,keyVersion=1,signature=<urlencoded base64>`.
//!
//! Formatting follows the official SDKs exactly (no spaces, that key order, upper-case
//! percent-encoding, protocol.md §A4). Parsing is tolerant because AlipayHK's own samples
//! vary: spaces after commas, any key order, case-insensitive algorithm, optional
//! `keyVersion`, lower- or upper-case hex in the percent-encoding, and raw (not
//! URL-encoded) base64 are all accepted. Unknown keys are ignored; duplicate keys are not.

use std::fmt;

use base64::Engine as _;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Characters left as-is by the SDKs' form URL-encoding (`URLEncoder.encode` / `quote_plus`).
const URL_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'*');

/// The `algorithm` value of a `Signature` header.
///
/// Adding a real `Ecc224` implementation later is one new arm in
/// [`crate::signature::verify`] and in the signer, not a redesign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// `RSA256`: RSASSA-PKCS1-v1_5 with SHA-256 (protocol.md §A2).
    Rsa256,
    /// `ECC224`: named by the docs but defined nowhere public (protocol.md §C).
    /// Recognised so that it is refused with a clear error, never verified.
    Ecc224,
}

impl SignatureAlgorithm {
    /// The wire name, e.g. `"RSA256"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::Rsa256 => "RSA256",
            SignatureAlgorithm::Ecc224 => "ECC224",
        }
    }

    /// Parses a wire name, case-insensitively (protocol.md §A4: "not case-sensitive").
    pub fn from_wire(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("RSA256") {
            Some(SignatureAlgorithm::Rsa256)
        } else if name.eq_ignore_ascii_case("ECC224") {
            Some(SignatureAlgorithm::Ecc224)
        } else {
            None
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed `Signature` header value.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// `keyVersion`, absent when the sender relies on "latest version by default".
    pub key_version: Option<u32>,
    /// The raw signature bytes (already URL- and base64-decoded).
    pub signature: Vec<u8>,
}

impl fmt::Debug for SignatureHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureHeader")
            .field("algorithm", &self.algorithm)
            .field("key_version", &self.key_version)
            .field("signature_len", &self.signature.len())
            .finish()
    }
}

/// Why a `Signature` header value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureHeaderError {
    /// An item has no `=`.
    #[error(
        "Signature header item {0:?} is not `key=value`; expected `algorithm=RSA256,keyVersion=1,signature=...`"
    )]
    MalformedItem(String),
    /// A key appears twice.
    #[error("Signature header has `{0}` twice; send each key once")]
    DuplicateKey(String),
    /// A required key is missing.
    #[error(
        "Signature header has no `{0}=` item; expected `algorithm=RSA256,keyVersion=1,signature=...`"
    )]
    MissingKey(&'static str),
    /// The algorithm is not `RSA256` or `ECC224`.
    #[error("Signature algorithm {0:?} is unknown; use `algorithm=RSA256`")]
    UnknownAlgorithm(String),
    /// `keyVersion` is not a non-negative integer.
    #[error("Signature keyVersion {0:?} is not a non-negative integer")]
    InvalidKeyVersion(String),
    /// The `signature` value is not valid percent-encoding of UTF-8.
    #[error("Signature value is not valid URL-encoding: {0}")]
    InvalidUrlEncoding(String),
    /// The `signature` value is not standard base64 after URL-decoding.
    #[error("Signature value is not standard base64 after URL-decoding: {0}")]
    InvalidBase64(String),
}

impl SignatureHeader {
    /// A header for an `RSA256` signature.
    pub fn rsa256(key_version: Option<u32>, signature: Vec<u8>) -> Self {
        SignatureHeader {
            algorithm: SignatureAlgorithm::Rsa256,
            key_version,
            signature,
        }
    }

    /// Parses a header value tolerantly (see the module docs).
    pub fn parse(value: &str) -> Result<Self, SignatureHeaderError> {
        let items = parse_items(value).map_err(|e| match e {
            ItemError::Malformed(s) => SignatureHeaderError::MalformedItem(s),
            ItemError::Duplicate(s) => SignatureHeaderError::DuplicateKey(s),
        })?;
        let mut algorithm = None;
        let mut key_version = None;
        let mut signature = None;
        for (key, val) in items {
            if key.eq_ignore_ascii_case("algorithm") {
                algorithm = Some(
                    SignatureAlgorithm::from_wire(val)
                        .ok_or_else(|| SignatureHeaderError::UnknownAlgorithm(val.to_owned()))?,
                );
            } else if key.eq_ignore_ascii_case("keyVersion") {
                key_version = Some(
                    val.parse::<u32>()
                        .map_err(|_| SignatureHeaderError::InvalidKeyVersion(val.to_owned()))?,
                );
            } else if key.eq_ignore_ascii_case("signature") {
                signature = Some(val);
            }
        }
        let algorithm = algorithm.ok_or(SignatureHeaderError::MissingKey("algorithm"))?;
        let signature = signature.ok_or(SignatureHeaderError::MissingKey("signature"))?;
        let signature = decode_url_base64(signature).map_err(|e| match e {
            UrlBase64Error::Url(m) => SignatureHeaderError::InvalidUrlEncoding(m),
            UrlBase64Error::Base64(m) => SignatureHeaderError::InvalidBase64(m),
        })?;
        Ok(SignatureHeader {
            algorithm,
            key_version,
            signature,
        })
    }

    /// The header value in the SDKs' canonical form.
    pub fn to_header_value(&self) -> String {
        let sig = encode_url_base64(&self.signature);
        match self.key_version {
            Some(v) => format!(
                "algorithm={},keyVersion={v},signature={sig}",
                self.algorithm
            ),
            None => format!("algorithm={},signature={sig}", self.algorithm),
        }
    }
}

impl fmt::Display for SignatureHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_header_value())
    }
}

/// Standard base64, then form URL-encoding (`+` -> `%2B`, `/` -> `%2F`, `=` -> `%3D`).
pub fn encode_url_base64(bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    utf8_percent_encode(&b64, URL_ENCODE_SET).to_string()
}

pub(crate) enum UrlBase64Error {
    Url(String),
    Base64(String),
}

/// Reverses [`encode_url_base64`]; raw base64 passes through the URL-decoding unchanged.
pub(crate) fn decode_url_base64(value: &str) -> Result<Vec<u8>, UrlBase64Error> {
    let decoded = percent_decode_str(value)
        .decode_utf8()
        .map_err(|e| UrlBase64Error::Url(e.to_string()))?;
    // A stray `%` that is not followed by two hex digits is left as-is by the decoder;
    // base64 then rejects it, which is the right outcome.
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(decoded.trim().as_bytes())
        .map_err(|e| UrlBase64Error::Base64(e.to_string()))
}

pub(crate) enum ItemError {
    Malformed(String),
    Duplicate(String),
}

/// Splits `k=v, k2=v2` on commas, trims, splits each on the first `=`.
/// Empty items (a trailing comma) are skipped. Keys compare case-insensitively.
pub(crate) fn parse_items(value: &str) -> Result<Vec<(&str, &str)>, ItemError> {
    let mut items: Vec<(&str, &str)> = Vec::new();
    for raw in value.split(',') {
        let item = raw.trim();
        if item.is_empty() {
            continue;
        }
        let (key, val) = item
            .split_once('=')
            .ok_or_else(|| ItemError::Malformed(item.to_owned()))?;
        let key = key.trim();
        if items.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(ItemError::Duplicate(key.to_owned()));
        }
        items.push((key, val.trim()));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_matches_the_sdks() {
        let h = SignatureHeader::rsa256(Some(1), vec![0xfb, 0xff, 0xfe]);
        assert_eq!(
            h.to_header_value(),
            "algorithm=RSA256,keyVersion=1,signature=%2B%2F%2F%2B"
        );
    }

    #[test]
    fn doc_sample_with_spaces_and_lower_hex_parses() {
        let h = SignatureHeader::parse("signature=%2b%2f%2f%2b, keyVersion=2, algorithm=rsa256")
            .expect("parses");
        assert_eq!(h.algorithm, SignatureAlgorithm::Rsa256);
        assert_eq!(h.key_version, Some(2));
        assert_eq!(h.signature, vec![0xfb, 0xff, 0xfe]);
    }

    #[test]
    fn raw_base64_and_missing_key_version_parse() {
        let h = SignatureHeader::parse("algorithm=RSA256,signature=+//+").expect("parses");
        assert_eq!(h.key_version, None);
        assert_eq!(h.signature, vec![0xfb, 0xff, 0xfe]);
    }

    #[test]
    fn ecc224_is_recognised() {
        let h = SignatureHeader::parse("algorithm=ecc224,signature=AAAA").expect("parses");
        assert_eq!(h.algorithm, SignatureAlgorithm::Ecc224);
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(
            SignatureHeader::parse("algorithm=RSA256"),
            Err(SignatureHeaderError::MissingKey("signature"))
        );
        assert_eq!(
            SignatureHeader::parse("algorithm=MD5,signature=AAAA"),
            Err(SignatureHeaderError::UnknownAlgorithm("MD5".into()))
        );
        assert!(matches!(
            SignatureHeader::parse("algorithm=RSA256,signature=%%%"),
            Err(SignatureHeaderError::InvalidBase64(_))
        ));
        assert!(matches!(
            SignatureHeader::parse("algorithm=RSA256,algorithm=RSA256,signature=AA"),
            Err(SignatureHeaderError::DuplicateKey(_))
        ));
        assert!(matches!(
            SignatureHeader::parse("algorithm=RSA256,keyVersion=-1,signature=AA"),
            Err(SignatureHeaderError::InvalidKeyVersion(_))
        ));
    }
}
