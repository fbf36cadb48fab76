//! Key formats that load, and the ones that are refused with a useful message.

use alipayhk_runtime::keys::{KeyError, PrivateKey, PublicKey};

use crate::support::*;

#[test]
fn every_public_key_format_loads_to_the_same_key() {
    let reference = test_public_key();
    for file in [
        "test_pub_spki.pem",
        "test_pub_pkcs1.pem",
        "test_pub_spki.der",
        "test_pub_spki.b64",
    ] {
        let key = PublicKey::from_file(vector_path(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key, reference, "{file}");
        assert_eq!(key.bits(), 2048);
    }
}

#[test]
fn private_key_derives_the_openssl_public_key() {
    assert_eq!(test_private_key().public_key(), test_public_key());
}

#[test]
fn keys_under_2048_bits_are_refused_with_their_size() {
    let err = PrivateKey::from_file(vector_path("weak_1024_test_key.pem")).unwrap_err();
    assert!(
        matches!(err, KeyError::TooSmall { bits: 1024, .. }),
        "{err}"
    );
    let err = PublicKey::from_file(vector_path("weak_1024_test_pub.pem")).unwrap_err();
    assert!(
        matches!(err, KeyError::TooSmall { bits: 1024, .. }),
        "{err}"
    );
}

#[test]
fn format_errors_name_the_file_and_the_expected_format() {
    let path = vector_path("vectors.tsv");
    let err = PrivateKey::from_file(&path).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("vectors.tsv"), "{msg}");
    assert!(msg.contains("PKCS#8"), "{msg}");
    // A public key where a private key is expected.
    let err = PrivateKey::from_file(vector_path("test_pub_spki.pem")).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::Format {
                kind: "private",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let err = PublicKey::from_file("/nonexistent/alipayhk.pem").unwrap_err();
    assert!(matches!(err, KeyError::Io { ref path, .. } if path == "/nonexistent/alipayhk.pem"));
}

#[test]
fn generated_keys_export_pem_that_openssl_format_loaders_read_back() {
    let key = PrivateKey::generate_rsa2048().expect("generates");
    let pem = key.to_pkcs8_pem().expect("exports");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let again = PrivateKey::from_pem(&pem).expect("reloads");
    assert_eq!(again.public_key(), key.public_key());
    let public_pem = key.public_key().to_spki_pem();
    assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    assert_eq!(
        PublicKey::from_pem(&public_pem).expect("reloads"),
        key.public_key()
    );
    assert_eq!(
        PublicKey::from_base64(&key.public_key().to_base64()).expect("reloads"),
        key.public_key()
    );
}

#[test]
fn debug_output_never_contains_key_material() {
    let key = test_private_key();
    let b64 = read_vector_text("test_key_pkcs8.b64");
    let debug = format!("{key:?} {:?}", key.public_key());
    assert!(debug.contains("redacted"));
    assert!(!debug.contains(&b64[40..60]));
    assert!(debug.len() < 80, "{debug}");
}

#[test]
fn console_base64_with_line_breaks_and_spaces_loads() {
    let b64 = read_vector_text("test_key_pkcs8.b64");
    let wrapped: String = b64
        .as_bytes()
        .chunks(50)
        .map(|c| format!("  {}\r\n", std::str::from_utf8(c).expect("ascii")))
        .collect();
    let key = PrivateKey::from_base64(&wrapped).expect("loads");
    assert_eq!(key.public_key(), test_public_key());
}

#[test]
fn password_protected_pem_is_refused_with_a_hint() {
    let pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let err = PrivateKey::parse(pem.as_bytes(), "partner.pem").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("password-protected"), "{msg}");
    assert!(msg.contains("openssl pkey"), "{msg}");
}
