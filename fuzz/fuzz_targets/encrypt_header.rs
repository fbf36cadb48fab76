//! `EncryptHeader::parse` on arbitrary text (parse -> to_header_value -> parse is the
//! identity), and `encryption::seal`/`open` on arbitrary plaintext with a corrupted body.
//!
//! The first byte chooses: even = header text, odd = seal/open round trip. The RSA key is
//! generated once (key generation is slow), never per input.
#![no_main]

use std::sync::OnceLock;

use alipayhk_runtime::encryption::{self, EncryptHeader};
use alipayhk_runtime::keys::PrivateKey;
use libfuzzer_sys::fuzz_target;

fn key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate_rsa2048().expect("generate the fuzz key"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        header_round_trip(rest);
    } else {
        seal_open(mode, rest);
    }
});

fn header_round_trip(data: &[u8]) {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let header = match EncryptHeader::parse(value) {
        Ok(header) => header,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    let canonical = header.to_header_value();
    assert_eq!(
        header.to_string(),
        canonical,
        "Display differs from to_header_value"
    );
    assert!(
        canonical.bytes().all(|b| b.is_ascii_graphic()),
        "canonical form {canonical:?} has a non-graphic byte"
    );
    assert!(http::HeaderValue::from_str(&canonical).is_ok());
    let again = EncryptHeader::parse(&canonical).unwrap_or_else(|e| {
        panic!("canonical form {canonical:?} of {value:?} does not parse: {e}")
    });
    assert_eq!(
        again, header,
        "round trip changed {value:?} (canonical {canonical:?})"
    );
    assert_eq!(
        again.to_header_value(),
        canonical,
        "canonical form is not a fixed point"
    );
}

fn seal_open(mode: u8, data: &[u8]) {
    // The last two bytes (when present) pick a body byte to corrupt and how.
    let (plaintext, corruption) = if data.len() >= 2 {
        data.split_at(data.len() - 2)
    } else {
        (data, &[][..])
    };
    let key = key();
    let key_version = (mode & 0x02 != 0).then_some(u32::from(mode >> 2));
    let sealed = encryption::seal(&key.public_key(), key_version, plaintext).expect("seal");
    assert!(sealed.body.is_ascii(), "sealed body is not base64 text");
    // The receiver sees the header as text.
    let header = EncryptHeader::parse(&sealed.header.to_header_value()).expect("own header parses");
    assert_eq!(header, sealed.header);
    let opened = encryption::open(key, &header, &sealed.body).expect("own seal opens");
    assert_eq!(opened, plaintext, "seal/open changed the plaintext");

    if let [at, with] = corruption {
        let mut body = sealed.body.clone();
        if !body.is_empty() {
            let i = usize::from(*at) % body.len();
            body[i] ^= with | 1;
            // Anything may come out (ECB has no integrity), but nothing may panic.
            let _ = encryption::open(key, &header, &body).map_err(|e| e.to_string());
        }
        let mut wrapped = header.clone();
        if !wrapped.wrapped_key.is_empty() {
            let i = usize::from(*at) % wrapped.wrapped_key.len();
            wrapped.wrapped_key[i] ^= with | 1;
            let _ = encryption::open(key, &wrapped, &sealed.body).map_err(|e| e.to_string());
        }
    }
}
