//! `PrivateKey::parse` / `PublicKey::parse` (and the format-specific entry points) on
//! arbitrary bytes: PEM, DER and bare base64 sniffing, the DER size peek, the backend.
//!
//! Invariants: an accepted key has at least 2048 bits, and every export of it (PKCS#8
//! PEM, SPKI DER/PEM/base64) parses back to the same key; a private key signs what its
//! public key verifies.
#![no_main]

use alipayhk_runtime::keys::{PrivateKey, PublicKey, MIN_RSA_BITS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match PrivateKey::parse(data, "fuzz input") {
        Ok(key) => check_private(&key),
        Err(error) => {
            let _ = error.to_string();
        }
    }
    match PublicKey::parse(data, "fuzz input") {
        Ok(key) => check_public(&key),
        Err(error) => {
            let _ = error.to_string();
        }
    }
    // The format-specific constructors take the same paths without sniffing.
    let _ = PrivateKey::from_der(data).map_err(|e| e.to_string());
    let _ = PublicKey::from_der(data).map_err(|e| e.to_string());
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PrivateKey::from_pem(text).map_err(|e| e.to_string());
        let _ = PrivateKey::from_base64(text).map_err(|e| e.to_string());
        let _ = PublicKey::from_pem(text).map_err(|e| e.to_string());
        let _ = PublicKey::from_base64(text).map_err(|e| e.to_string());
    }
});

fn check_private(key: &PrivateKey) {
    assert!(
        key.bits() >= MIN_RSA_BITS,
        "accepted a {}-bit private key",
        key.bits()
    );
    let public = key.public_key();
    check_public(&public);
    let pem = key.to_pkcs8_pem().expect("an accepted key exports");
    let again = PrivateKey::parse(pem.as_bytes(), "re-export").expect("exported PKCS#8 PEM parses");
    assert_eq!(
        again.public_key(),
        public,
        "PKCS#8 re-export is another key"
    );
    let message = b"POST /fuzz\nclient.2024-05-22T06:42:21+00:00.{}";
    let signature = key.sign_rsa_sha256(message).expect("an accepted key signs");
    assert!(
        public.verify_rsa_sha256(message, &signature),
        "own signature does not verify"
    );
    assert!(again.public_key().verify_rsa_sha256(message, &signature));
}

fn check_public(key: &PublicKey) {
    assert!(
        key.bits() >= MIN_RSA_BITS,
        "accepted a {}-bit public key",
        key.bits()
    );
    let der = key.to_spki_der();
    let from_der = PublicKey::from_der(&der).expect("exported SPKI DER parses");
    assert_eq!(&from_der, key);
    assert_eq!(from_der.bits(), key.bits());
    let from_pem = PublicKey::from_pem(&key.to_spki_pem()).expect("exported SPKI PEM parses");
    assert_eq!(&from_pem, key);
    let from_base64 = PublicKey::from_base64(&key.to_base64()).expect("exported base64 parses");
    assert_eq!(&from_base64, key);
    let sniffed =
        PublicKey::parse(key.to_spki_pem().as_bytes(), "re-export").expect("sniffed PEM parses");
    assert_eq!(&sniffed, key);
    let (n, e) = key.rsa_components();
    assert!(
        !n.is_empty() && !e.is_empty(),
        "components of an accepted key are empty"
    );
}
