//! `alipayhk sign` and `alipayhk verify`: the signing rules, by hand, for debugging.

use std::io::{Read, Write};
use std::path::PathBuf;

use alipayhk_runtime::keys::{PrivateKey, PublicKey};
use alipayhk_runtime::signature::{
    KeySigner, SignatureAlgorithm, SignatureHeader, SignedContent, VerifyError,
};
use aws_lc_rs::digest::{SHA256, digest};
use clap::Args;
use num_bigint::BigUint;

use crate::error::CliError;
use crate::outcome::Outcome;

/// Flags of `alipayhk sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Private key file: PEM (PKCS#8 or PKCS#1), DER, or the console's bare base64.
    #[arg(long, value_name = "FILE")]
    private_key: PathBuf,
    /// The `Client-Id` header value.
    #[arg(long, value_name = "ID")]
    client_id: String,
    /// The `Request-Time` header value, signed verbatim (default: now, UTC, seconds).
    #[arg(long, value_name = "TIME")]
    request_time: Option<String>,
    /// The request path, e.g. /api/open/v1/alipayhk/promotion/benefit/userPromoBenefitQuery.
    #[arg(long, value_name = "PATH")]
    path: String,
    /// The `keyVersion` to put in the header.
    #[arg(long, value_name = "N", default_value_t = 1)]
    key_version: u32,
    /// HTTP method (AlipayHK uses POST only).
    #[arg(long, default_value = "POST")]
    method: String,
    /// Read the body from FILE instead of stdin.
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
}

/// Flags of `alipayhk verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Public key file of the signer: PEM (SPKI or PKCS#1), DER, or bare base64.
    #[arg(long, value_name = "FILE")]
    public_key: PathBuf,
    /// The `Client-Id` header value.
    #[arg(long, value_name = "ID")]
    client_id: String,
    /// The `Request-Time` (or `Response-Time`) header value, exactly as sent.
    #[arg(long, value_name = "TIME")]
    time: String,
    /// The request path.
    #[arg(long, value_name = "PATH")]
    path: String,
    /// The `Signature` header value (a leading `Signature:` is ignored).
    #[arg(long, value_name = "HEADER")]
    signature: String,
    /// HTTP method (AlipayHK uses POST only).
    #[arg(long, default_value = "POST")]
    method: String,
    /// Read the body from FILE instead of stdin.
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
}

fn read_body(file: Option<&PathBuf>) -> Result<Vec<u8>, CliError> {
    match file {
        Some(path) => std::fs::read(path)
            .map_err(|e| CliError::io(format!("cannot read body file {}", path.display()), e)),
        None => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| CliError::io("cannot read the body from stdin", e))?;
            Ok(body)
        }
    }
}

fn show_content(content: &[u8]) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "content to sign ({} bytes, between the markers):",
        content.len()
    );
    let _ = writeln!(err, "-----BEGIN CONTENT-----");
    let _ = err.write_all(content);
    let _ = writeln!(err, "\n-----END CONTENT-----");
}

/// `alipayhk sign`.
pub fn sign(args: SignArgs) -> Result<Outcome, CliError> {
    let key = PrivateKey::from_file(&args.private_key)?;
    let body = read_body(args.body_file.as_ref())?;
    let time = args
        .request_time
        .unwrap_or_else(alipayhk_runtime::time::now_header_value);
    let content = SignedContent {
        method: &args.method,
        path: &args.path,
        client_id: &args.client_id,
        time: &time,
        body: &body,
    }
    .to_bytes();
    show_content(&content);
    eprintln!("Request-Time: {time}");
    let header = KeySigner::new(key, Some(args.key_version)).sign_header_now(&content)?;
    println!("{}", header.to_header_value());
    Ok(Outcome::Success)
}

/// `alipayhk verify`.
pub fn verify(args: VerifyArgs) -> Result<Outcome, CliError> {
    let key = PublicKey::from_file(&args.public_key)?;
    let body = read_body(args.body_file.as_ref())?;
    let content = SignedContent {
        method: &args.method,
        path: &args.path,
        client_id: &args.client_id,
        time: &args.time,
        body: &body,
    }
    .to_bytes();
    show_content(&content);
    let value = strip_header_name(&args.signature);
    let header = match SignatureHeader::parse(value) {
        Ok(h) => h,
        Err(e) => {
            println!("FAIL (header decode): {e}");
            return Ok(Outcome::CheckFailed);
        }
    };
    if header.algorithm != SignatureAlgorithm::Rsa256 {
        println!(
            "FAIL (algorithm): {}",
            VerifyError::UnsupportedAlgorithm(header.algorithm)
        );
        return Ok(Outcome::CheckFailed);
    }
    let expected_len = key.bits().div_ceil(8);
    if header.signature.len() != expected_len {
        println!(
            "FAIL (signature length): the signature decodes to {} bytes, but a {}-bit key makes {}-byte signatures; the value is truncated or was made with another key",
            header.signature.len(),
            key.bits(),
            expected_len
        );
        return Ok(Outcome::CheckFailed);
    }
    match alipayhk_runtime::signature::verify(&key, &content, &header) {
        Ok(()) => {
            println!(
                "OK: signature matches (algorithm {}, keyVersion {})",
                header.algorithm,
                header
                    .key_version
                    .map_or_else(|| "absent".to_owned(), |v| v.to_string())
            );
            Ok(Outcome::Success)
        }
        Err(_) => {
            println!("{}", diagnose(&key, &header.signature, &args, &body));
            Ok(Outcome::CheckFailed)
        }
    }
}

fn strip_header_name(value: &str) -> &str {
    let trimmed = value.trim();
    match trimmed.split_once(':') {
        Some((name, rest)) if name.trim().eq_ignore_ascii_case("signature") => rest.trim(),
        _ => trimmed,
    }
}

/// DER `DigestInfo` prefix for SHA-256 (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
/// DER `DigestInfo` prefix for SHA-1 (a common mistake: `SHA1withRSA`).
const SHA1_DIGEST_INFO: [u8; 15] = [
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];

/// Explains a mismatch by opening the signature with the public key (diagnostics only:
/// the decision above was made by the crypto backend).
///
/// A valid PKCS#1 v1.5 block means the key is right and the content differs; garbage
/// means the signature was made with another key (or altered).
fn diagnose(key: &PublicKey, signature: &[u8], args: &VerifyArgs, body: &[u8]) -> String {
    let (n, e) = key.rsa_components();
    let n = BigUint::from_bytes_be(&n);
    let s = BigUint::from_bytes_be(signature);
    if n.bits() == 0 || s >= n {
        return "FAIL (key): the signature is not a valid value for this key; it was made with another key".into();
    }
    let m = s.modpow(&BigUint::from_bytes_be(&e), &n).to_bytes_be();
    let k = signature.len();
    let mut em = vec![0u8; k.saturating_sub(m.len())];
    em.extend_from_slice(&m);
    let Some(digest_info) = pkcs1_payload(&em) else {
        return format!(
            "FAIL (key): the signature was not made with the private key matching {} (or it was altered); check which key and keyVersion the signer used",
            args.public_key.display()
        );
    };
    let Some(signed_hash) = digest_info.strip_prefix(&SHA256_DIGEST_INFO[..]) else {
        if digest_info.starts_with(&SHA1_DIGEST_INFO) {
            return "FAIL (hash): the key matches, but the signer used SHA-1 (SHA1withRSA); AlipayHK requires SHA-256 (SHA256withRSA)".into();
        }
        return "FAIL (hash): the key matches, but the signer used a hash other than SHA-256"
            .into();
    };
    let hash_of = |c: &[u8]| digest(&SHA256, c).as_ref().to_vec();
    let mut hints = Vec::new();
    let variants: [(&str, Vec<u8>); 4] = [
        (
            "the body without its trailing newline (did `echo` add one? use `printf` or --body-file)",
            body.strip_suffix(b"\n").unwrap_or(body).to_vec(),
        ),
        (
            "the body without a trailing CRLF",
            body.strip_suffix(b"\r\n").unwrap_or(body).to_vec(),
        ),
        ("the body with a trailing newline", [body, b"\n"].concat()),
        ("an empty body", Vec::new()),
    ];
    for (label, alt) in variants {
        if alt != body
            && hash_of(
                &SignedContent {
                    method: &args.method,
                    path: &args.path,
                    client_id: &args.client_id,
                    time: &args.time,
                    body: &alt,
                }
                .to_bytes(),
            ) == signed_hash
        {
            hints.push(format!("it matches {label}"));
        }
    }
    let path_variant = if args.path.ends_with('/') {
        args.path.trim_end_matches('/').to_owned()
    } else {
        format!("{}/", args.path)
    };
    if hash_of(
        &SignedContent {
            method: &args.method,
            path: &path_variant,
            client_id: &args.client_id,
            time: &args.time,
            body,
        }
        .to_bytes(),
    ) == signed_hash
    {
        hints.push(format!("it matches path {path_variant:?}"));
    }
    let mut out = String::from(
        "FAIL (content): the key matches, but the signer signed different content: \
         method, path, Client-Id, time or body differ from the content shown on stderr",
    );
    for h in hints {
        out.push_str("\n  hint: ");
        out.push_str(&h);
    }
    out
}

/// `00 01 FF..FF 00 <payload>` -> payload (at least 8 bytes of FF, RFC 8017 §9.2).
fn pkcs1_payload(em: &[u8]) -> Option<&[u8]> {
    let rest = em.strip_prefix(&[0x00, 0x01])?;
    let ff = rest.iter().take_while(|&&b| b == 0xff).count();
    if ff < 8 {
        return None;
    }
    rest[ff..].strip_prefix(&[0x00])
}
