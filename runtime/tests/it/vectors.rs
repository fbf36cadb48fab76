//! Agreement with openssl-made vectors (`tests/vectors/make.sh`).

use alipayhk_runtime::encryption::{EncryptHeader, open, seal};
use alipayhk_runtime::keys::PublicKey;
use alipayhk_runtime::server::{ClientKeyStore, InMemoryKeyStore, KeyLookup};
use alipayhk_runtime::signature::encode_url_base64;
use alipayhk_runtime::signature::{KeySigner, SignatureHeader, SignedContent, VerifyError, verify};
use base64::Engine as _;

use crate::support::*;

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("vector base64")
}

#[test]
fn content_to_sign_matches_the_bytes_openssl_signed() {
    for v in vectors() {
        let ours = v.content();
        assert_eq!(
            ours,
            read_vector(&format!("{}.content", v.name)),
            "{}",
            v.name
        );
    }
}

#[test]
fn signer_reproduces_openssl_signatures_byte_for_byte() {
    let signer = KeySigner::new(test_private_key(), Some(1));
    for v in vectors() {
        let content = v.content();
        let header = signer.sign_header_now(&content).expect("signs");
        assert_eq!(header.signature, b64(&v.signature_b64), "{}", v.name);
        let expected = format!(
            "algorithm=RSA256,keyVersion=1,signature={}",
            encode_url_base64(&b64(&v.signature_b64))
        );
        assert_eq!(header.to_header_value(), expected, "{}", v.name);
    }
}

#[test]
fn every_private_key_format_signs_identically() {
    let v = &vectors()[0];
    let content = v.content();
    for file in [
        "test_key_pkcs8.pem",
        "test_key_pkcs1.pem",
        "test_key_pkcs8.der",
        "test_key_pkcs1.der",
        "test_key_pkcs8.b64",
    ] {
        let key = alipayhk_runtime::keys::PrivateKey::from_file(vector_path(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let sig = key.sign_rsa_sha256(&content).expect("signs");
        assert_eq!(sig, b64(&v.signature_b64), "{file}");
    }
}

#[test]
fn openssl_signatures_verify_from_raw_and_url_encoded_headers() {
    let key = test_public_key();
    for v in vectors() {
        let content = v.content();
        for header in [
            format!(
                "algorithm=RSA256,keyVersion=1,signature={}",
                v.signature_b64
            ),
            format!(
                "algorithm=rsa256, signature={}",
                encode_url_base64(&b64(&v.signature_b64)).to_lowercase_hex()
            ),
        ] {
            let parsed = SignatureHeader::parse(&header).expect("header parses");
            assert_eq!(verify(&key, &content, &parsed), Ok(()), "{}", v.name);
        }
    }
}

/// Lower-cases the hex digits of percent escapes only (as .NET's UrlEncode emits).
trait LowerHex {
    fn to_lowercase_hex(&self) -> String;
}

impl LowerHex for String {
    fn to_lowercase_hex(&self) -> String {
        let mut out = String::new();
        let mut chars = self.chars();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '%' {
                for _ in 0..2 {
                    if let Some(h) = chars.next() {
                        out.push(h.to_ascii_lowercase());
                    }
                }
            }
        }
        out
    }
}

#[test]
fn verification_rejects_any_change_of_path_client_id_time_or_body() {
    let key = test_public_key();
    for v in vectors() {
        let sig = SignatureHeader::rsa256(Some(1), b64(&v.signature_b64));
        let changed = [
            SignedContent {
                method: &v.method,
                path: &format!("{}x", v.path),
                client_id: &v.client_id,
                time: &v.time,
                body: &v.body,
            }
            .to_bytes(),
            SignedContent {
                method: &v.method,
                path: &v.path,
                client_id: &format!("{}0", v.client_id),
                time: &v.time,
                body: &v.body,
            }
            .to_bytes(),
            SignedContent {
                method: &v.method,
                path: &v.path,
                client_id: &v.client_id,
                time: &v.time.replace('2', "3"),
                body: &v.body,
            }
            .to_bytes(),
            SignedContent {
                method: &v.method,
                path: &v.path,
                client_id: &v.client_id,
                time: &v.time,
                body: &[&v.body[..], b" "].concat(),
            }
            .to_bytes(),
            SignedContent {
                method: "GET",
                path: &v.path,
                client_id: &v.client_id,
                time: &v.time,
                body: &v.body,
            }
            .to_bytes(),
        ];
        for (i, content) in changed.iter().enumerate() {
            assert_eq!(
                verify(&key, content, &sig),
                Err(VerifyError::Mismatch),
                "{} change #{i}",
                v.name
            );
        }
    }
}

#[test]
fn verification_rejects_another_key_and_a_flipped_signature_bit() {
    let other = PublicKey::from_file(vector_path("other_test_pub_spki.pem")).expect("loads");
    let key = test_public_key();
    let v = &vectors()[1];
    let content = v.content();
    let mut sig = SignatureHeader::rsa256(Some(1), b64(&v.signature_b64));
    assert_eq!(verify(&other, &content, &sig), Err(VerifyError::Mismatch));
    sig.signature[17] ^= 0x01;
    assert_eq!(verify(&key, &content, &sig), Err(VerifyError::Mismatch));
}

#[test]
fn a_signature_claiming_another_key_version_is_checked_against_that_versions_key() {
    // keyVersion selects the key; the openssl signature was made with version 1's key.
    let store = InMemoryKeyStore::new()
        .with_key("TEST_CLIENT_01", 1, test_public_key())
        .with_key(
            "TEST_CLIENT_01",
            2,
            PublicKey::from_file(vector_path("other_test_pub_spki.pem")).expect("loads"),
        );
    let v = &vectors()[1];
    let content = v.content();
    for (version, expected) in [(1, Ok(())), (2, Err(VerifyError::Mismatch))] {
        let sig = SignatureHeader::rsa256(Some(version), b64(&v.signature_b64));
        let KeyLookup::Found(key) = store.lookup(&v.client_id, sig.key_version) else {
            panic!("version {version} is registered");
        };
        assert_eq!(
            verify(&key, &content, &sig),
            expected,
            "keyVersion={version}"
        );
    }
    assert!(matches!(
        store.lookup(&v.client_id, Some(3)),
        KeyLookup::UnknownKeyVersion
    ));
}

#[test]
fn ecc224_is_refused_as_not_supported() {
    let v = &vectors()[0];
    let content = v.content();
    let header = SignatureHeader::parse(&format!(
        "algorithm=ECC224,keyVersion=1,signature={}",
        v.signature_b64
    ))
    .expect("ECC224 is recognised");
    let err = verify(&test_public_key(), &content, &header).unwrap_err();
    assert!(matches!(err, VerifyError::UnsupportedAlgorithm(_)));
    assert!(
        err.to_string()
            .contains("not supported: no public definition")
    );
}

#[test]
fn open_decrypts_openssl_rsa_aes_messages_with_256_and_128_bit_keys() {
    let key = test_private_key();
    for name in ["rsa_aes_256", "rsa_aes_128"] {
        let header = EncryptHeader::parse(&read_vector_text(&format!("{name}.encrypt_header")))
            .expect("Encrypt header parses");
        assert_eq!(header.key_version, Some(1));
        let plain = open(&key, &header, &read_vector(&format!("{name}.body"))).expect(name);
        assert_eq!(plain, read_vector(&format!("{name}.plain")), "{name}");
    }
}

#[test]
fn open_refuses_a_message_wrapped_for_another_key() {
    let other =
        alipayhk_runtime::keys::PrivateKey::from_file(vector_path("other_test_key_pkcs8.pem"))
            .expect("loads");
    let header =
        EncryptHeader::parse(&read_vector_text("rsa_aes_256.encrypt_header")).expect("parses");
    assert!(open(&other, &header, &read_vector("rsa_aes_256.body")).is_err());
}

#[test]
fn seal_then_open_round_trips_and_uses_a_fresh_key_each_time() {
    let plain = read_vector("rsa_aes_256.plain");
    let a = seal(&test_public_key(), Some(1), &plain).expect("seals");
    let b = seal(&test_public_key(), Some(1), &plain).expect("seals");
    assert_ne!(a.body, b.body);
    let reparsed = EncryptHeader::parse(&a.header.to_header_value()).expect("parses");
    assert_eq!(reparsed, a.header);
    assert_eq!(
        open(&test_private_key(), &reparsed, &a.body).expect("opens"),
        plain
    );
}

#[test]
#[ignore = "needs openssl (.ci/run installs it)"]
fn openssl_decrypts_what_seal_produced() {
    // The reverse direction: our ciphertext through openssl pkeyutl + enc.
    let dir = std::env::temp_dir().join(format!("alipayhk-seal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let plain = b"{\"bizNo\":\"X-1\"}";
    let sealed = seal(&test_public_key(), Some(1), plain).expect("seals");
    let wrapped = dir.join("wrapped.bin");
    std::fs::write(&wrapped, &sealed.header.wrapped_key).expect("write");
    let out = std::process::Command::new("openssl")
        .args([
            "pkeyutl",
            "-decrypt",
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
            "-inkey",
        ])
        .arg(vector_path("test_key_pkcs8.pem"))
        .arg("-in")
        .arg(&wrapped)
        .output()
        .expect("this test needs `openssl` (.ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hex: String = out.stdout.iter().map(|b| format!("{b:02x}")).collect();
    let body = dir.join("body.bin");
    std::fs::write(
        &body,
        b64(std::str::from_utf8(&sealed.body).expect("ascii")),
    )
    .expect("write");
    let dec = std::process::Command::new("openssl")
        .args(["enc", "-d", "-aes-256-ecb", "-K", &hex, "-in"])
        .arg(&body)
        .output()
        .expect("openssl ran before");
    assert!(dec.status.success());
    assert_eq!(dec.stdout, plain);
    let _ = std::fs::remove_dir_all(&dir);
}
