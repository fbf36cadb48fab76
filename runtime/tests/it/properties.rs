//! Properties of the header parsers and the content-to-sign builder.

use alipayhk_runtime::encryption::{EncryptAlgorithm, EncryptHeader};
use alipayhk_runtime::keys::{PrivateKey, PublicKey};
use alipayhk_runtime::signature::{SignatureAlgorithm, SignatureHeader, SignedContent};
use proptest::prelude::*;

fn algorithm() -> impl Strategy<Value = SignatureAlgorithm> {
    prop_oneof![
        Just(SignatureAlgorithm::Rsa256),
        Just(SignatureAlgorithm::Ecc224)
    ]
}

proptest! {
    #[test]
    fn signature_header_parser_never_panics(s in ".*") {
        let _ = SignatureHeader::parse(&s);
    }

    #[test]
    fn signature_header_parser_never_panics_on_near_misses(
        s in "(algorithm|keyVersion|signature|x)?=?[A-Za-z0-9+/=%, ]{0,40}(,signature=[A-Za-z0-9%+/=]{0,20})?"
    ) {
        let _ = SignatureHeader::parse(&s);
    }

    #[test]
    fn encrypt_header_parser_never_panics(s in ".*") {
        let _ = EncryptHeader::parse(&s);
    }

    #[test]
    fn signature_header_round_trips(
        alg in algorithm(),
        version in proptest::option::of(any::<u32>()),
        sig in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let h = SignatureHeader { algorithm: alg, key_version: version, signature: sig };
        prop_assert_eq!(SignatureHeader::parse(&h.to_header_value()), Ok(h));
    }

    #[test]
    fn signature_header_tolerates_spacing_order_and_case(
        version in any::<u32>(),
        sig in proptest::collection::vec(any::<u8>(), 1..64),
        spaces in "[ \t]{0,3}",
        reverse in any::<bool>(),
        lower_hex in any::<bool>(),
    ) {
        let canonical = SignatureHeader::rsa256(Some(version), sig.clone()).to_header_value();
        let mut items: Vec<String> = canonical.split(',').map(str::to_owned).collect();
        if reverse { items.reverse(); }
        let mut text = items.join(&format!(",{spaces}"));
        text = text.replace("RSA256", "Rsa256");
        if lower_hex {
            text = text.replace("%2B", "%2b").replace("%2F", "%2f").replace("%3D", "%3d");
        }
        let parsed = SignatureHeader::parse(&text).expect("tolerated");
        prop_assert_eq!(parsed.signature, sig);
        prop_assert_eq!(parsed.key_version, Some(version));
    }

    #[test]
    fn content_to_sign_splits_back_into_its_parts(
        path in "/[a-zA-Z0-9/]{0,40}",
        client_id in "[A-Za-z0-9_]{1,20}",
        time in "[0-9T:+-]{1,30}",
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let c = SignedContent { method: "POST", path: &path, client_id: &client_id, time: &time, body: &body }.to_bytes();
        let lf = c.iter().position(|&b| b == b'\n').expect("one LF after the path");
        let head = format!("POST {path}");
        prop_assert_eq!(&c[..lf], head.as_bytes());
        let rest = &c[lf + 1..];
        let prefix = format!("{client_id}.{time}.");
        prop_assert!(rest.starts_with(prefix.as_bytes()));
        prop_assert_eq!(&rest[prefix.len()..], &body[..]);
        prop_assert_eq!(c.len(), 8 + path.len() + client_id.len() + time.len() + body.len());
    }

    #[test]
    fn encrypt_header_round_trips(
        version in proptest::option::of(any::<u32>()),
        wrapped in proptest::collection::vec(any::<u8>(), 1..300),
    ) {
        let h = EncryptHeader { algorithm: EncryptAlgorithm::RsaAes, key_version: version, wrapped_key: wrapped };
        prop_assert_eq!(EncryptHeader::parse(&h.to_header_value()), Ok(h));
    }

    #[test]
    fn request_time_format_parses_back_to_the_same_second(secs in 0i64..4_102_444_800) {
        let t = time::OffsetDateTime::from_unix_timestamp(secs).expect("in range");
        let text = alipayhk_runtime::time::format_time(t);
        prop_assert_eq!(alipayhk_runtime::time::parse_time(&text), Ok(t));
    }

    #[test]
    fn key_parsers_never_panic_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        der_like in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let _ = PrivateKey::parse(&bytes, "fuzz");
        let _ = PublicKey::parse(&bytes, "fuzz");
        // DER-looking input: a SEQUENCE tag and a long-form length, then noise.
        let der = [&[0x30u8, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00][..], &der_like[..]].concat();
        let _ = PrivateKey::parse(&der, "fuzz");
        let _ = PublicKey::parse(&der, "fuzz");
    }

    #[test]
    fn pem_parser_never_panics(label in "[A-Z ]{0,20}", body in "[A-Za-z0-9+/=\\n-]{0,200}") {
        let pem = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
        let _ = PrivateKey::parse(pem.as_bytes(), "fuzz");
        let _ = PublicKey::parse(pem.as_bytes(), "fuzz");
    }
}
