//! `docs/vectors/`: the signing and RSA_AES vectors published for partners who write Java,
//! PHP, Node or Python (docs/vectors/README.md says what each field means).
//!
//! The cases are defined here; the JSON files are their output. By default the test
//! rebuilds every file with the runtime and compares it byte for byte with the committed
//! one, decrypts every RSA_AES case (the RSA key wrap is randomized, so the stored wrapped
//! key is checked by unwrapping it, never reproduced), and checks that every must-fail case
//! fails where it says. It never writes. `ALIPAYHK_BLESS_VECTORS=1` rewrites the files (and
//! makes the two test key pairs with the `openssl` command line when `keys.json` is missing).
//!
//! The second test runs the same files through Alipay's own Python SDK
//! (`docs/vectors/check_with_alipay_sdk.py`), in the venv that cli/tests/it/python_sdk.rs
//! uses; it is ignored by default (it needs the SDK).

use std::path::{Path, PathBuf};
use std::process::Command;

use alipayhk_runtime::encryption::{EncryptAlgorithm, EncryptHeader, open};
use alipayhk_runtime::keys::{PrivateKey, PublicKey};
use alipayhk_runtime::signature::{
    KeySigner, SignatureHeader, SignedContent, VerifyError, encode_url_base64, verify,
};
use aws_lc_rs::cipher::{AES_128, AES_256, PaddedBlockEncryptingKey, UnboundCipherKey};
use aws_lc_rs::rsa::{
    Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::support::manifest_dir;

const BLESS_VAR: &str = "ALIPAYHK_BLESS_VECTORS";

const KEYS_WARNING: &str = "TEST KEYS ONLY. Published on purpose so that anyone can check \
their signing code against docs/vectors; they protect nothing. Never register them with \
AlipayHK or use them for anything but these vectors.";

// The five documented paths (protocol.md §D1); `paths_are_the_specs` checks them against
// spec/alipayhk.yaml.
const INQUIRE: &str = "/api/open/v1/alipayhk/promotion/benefit/userPromoBenefitQuery";
const ISSUE: &str = "/api/open/alipay/v1/promotion/benefit/issue";
const REDEEM: &str = "/api/open/alipay/intl/promotion/benefit/benefitRedeem";
const QUERY_TEMPLATE: &str = "/api/open/alipay/v1/ipass/template/manage/detail";
const UPDATE_PASS: &str = "/api/open/alipay/v1/ipass/pass/manage/updatePass";

const CLIENT_ID: &str = "TEST_VECTORS_CLIENT_01";
const PLAIN_JSON: &str = "application/json; charset=UTF-8";
const ENCRYPTED: &str = "text/plain; charset=UTF-8";

fn vectors_dir() -> PathBuf {
    manifest_dir().join("../docs/vectors")
}

fn blessing() -> bool {
    std::env::var_os(BLESS_VAR).is_some_and(|v| v == "1")
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_else(|e| panic!("base64 {text:?}: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("JSON serializes") + "\n"
}

/// In check mode: the committed file must be exactly `text`. In bless mode: writes it.
fn check_or_bless(file: &str, text: &str) {
    let path = vectors_dir().join(file);
    if blessing() {
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `{BLESS_VAR}=1 cargo test -p alipayhk-runtime --test it docs_vectors`",
            path.display()
        )
    });
    if committed != text {
        let line = committed
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .map_or(committed.lines().count().min(text.lines().count()), |i| i);
        panic!(
            "docs/vectors/{file} differs from what the runtime computes (first difference at line {}):\n  committed: {:?}\n  computed:  {:?}\nIf the change is intended, run `{BLESS_VAR}=1 cargo test -p alipayhk-runtime --test it docs_vectors`",
            line + 1,
            committed.lines().nth(line),
            text.lines().nth(line)
        );
    }
}

fn read_json(file: &str) -> Option<Value> {
    let text = std::fs::read_to_string(vectors_dir().join(file)).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("docs/vectors/{file}: {e}")))
}

// --- keys --------------------------------------------------------------------------------

/// A test key pair and every published form of it.
struct TestKey {
    private: PrivateKey,
    public: PublicKey,
    private_pkcs8_der: Vec<u8>,
}

struct Keys {
    partner: TestKey,
    alipayhk: TestKey,
}

impl Keys {
    fn get(&self, name: &str) -> &TestKey {
        match name {
            "partner" => &self.partner,
            "alipayhk" => &self.alipayhk,
            other => panic!("no test key {other:?}"),
        }
    }
}

fn pem_body(pem: &str, label: &str) -> Vec<u8> {
    let begin = format!("-----BEGIN {label}-----\n");
    let end = format!("-----END {label}-----\n");
    assert!(
        pem.starts_with(&begin) && pem.ends_with(&end),
        "a PEM `{label}` block"
    );
    let body: String = pem[begin.len()..pem.len() - end.len()]
        .lines()
        .inspect(|line| assert!(line.len() <= 64, "PEM lines of at most 64 characters"))
        .collect();
    unb64(&body)
}

/// `keys.json`'s entry for one pair, from the openssl-made PEM files (bless mode only).
fn key_entry_from_openssl(dir: &Path, name: &str, role: &str) -> Value {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl is installed (bless mode makes the test keys with it)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let pkcs8 = format!("{name}_pkcs8.pem");
    let pkcs1 = format!("{name}_pkcs1.pem");
    let spki = format!("{name}_spki.pem");
    let pub1 = format!("{name}_pub_pkcs1.pem");
    run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        &pkcs8,
    ]);
    run(&["rsa", "-in", &pkcs8, "-traditional", "-out", &pkcs1]);
    run(&["pkey", "-in", &pkcs8, "-pubout", "-out", &spki]);
    run(&["rsa", "-in", &pkcs8, "-RSAPublicKey_out", "-out", &pub1]);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("openssl wrote it");
    let (pkcs8, pkcs1, spki, pub1) = (read(&pkcs8), read(&pkcs1), read(&spki), read(&pub1));
    json!({
        "role": role,
        "bits": 2048,
        "private_pkcs8_pem": pkcs8,
        "private_pkcs8_der_base64": b64(&pem_body(&pkcs8, "PRIVATE KEY")),
        "private_pkcs1_pem": pkcs1,
        "private_pkcs1_der_base64": b64(&pem_body(&pkcs1, "RSA PRIVATE KEY")),
        "public_spki_pem": spki,
        "public_spki_der_base64": b64(&pem_body(&spki, "PUBLIC KEY")),
        "public_pkcs1_pem": pub1,
    })
}

const PARTNER_ROLE: &str = "the partner's pair: signs requests (AlipayHK verifies them with \
its public key); RSA_AES response keys are wrapped under its public key";
const ALIPAYHK_ROLE: &str = "stands in for AlipayHK's pair: signs responses (the partner \
verifies them with its public key); RSA_AES request keys are wrapped under its public key";

/// Loads `keys.json` (making it in bless mode when missing) and checks that every form of
/// each key is the same key.
fn load_keys() -> Keys {
    let value = match read_json("keys.json") {
        Some(v) => v,
        None if blessing() => {
            let scratch = scratch_dir("keys");
            let v = json!({
                "warning": KEYS_WARNING,
                "keys": {
                    "partner": key_entry_from_openssl(&scratch, "partner", PARTNER_ROLE),
                    "alipayhk": key_entry_from_openssl(&scratch, "alipayhk", ALIPAYHK_ROLE),
                },
            });
            let _ = std::fs::remove_dir_all(&scratch);
            v
        }
        None => panic!(
            "docs/vectors/keys.json is missing; run `{BLESS_VAR}=1 cargo test -p alipayhk-runtime --test it docs_vectors`"
        ),
    };
    let mut value = value;
    // The words are the test's; the keys are the file's.
    value["warning"] = KEYS_WARNING.into();
    value["keys"]["partner"]["role"] = PARTNER_ROLE.into();
    value["keys"]["alipayhk"]["role"] = ALIPAYHK_ROLE.into();
    check_or_bless("keys.json", &pretty(&value));
    let key = |name: &str| -> TestKey {
        let k = &value["keys"][name];
        let text = |field: &str| {
            k[field]
                .as_str()
                .unwrap_or_else(|| panic!("keys.json {name}.{field}"))
        };
        let pkcs8_der = unb64(text("private_pkcs8_der_base64"));
        let pkcs1_der = unb64(text("private_pkcs1_der_base64"));
        let spki_der = unb64(text("public_spki_der_base64"));
        assert_eq!(
            pem_body(text("private_pkcs8_pem"), "PRIVATE KEY"),
            pkcs8_der
        );
        assert_eq!(
            pem_body(text("private_pkcs1_pem"), "RSA PRIVATE KEY"),
            pkcs1_der
        );
        assert_eq!(pem_body(text("public_spki_pem"), "PUBLIC KEY"), spki_der);
        let private = PrivateKey::from_pem(text("private_pkcs8_pem")).expect("PKCS#8 PEM loads");
        assert_eq!(private.bits(), 2048);
        let public = PublicKey::from_pem(text("public_spki_pem")).expect("SPKI PEM loads");
        assert_eq!(public.to_spki_der(), spki_der, "{name}: SPKI round trip");
        assert_eq!(public.to_spki_pem(), text("public_spki_pem"), "{name}");
        assert_eq!(public.to_base64(), text("public_spki_der_base64"), "{name}");
        let probe = b"every form of a key signs alike";
        let expected = private.sign_rsa_sha256(probe).expect("signs");
        for (form, loaded) in [
            (
                "private_pkcs1_pem",
                PrivateKey::from_pem(text("private_pkcs1_pem")),
            ),
            ("private_pkcs8_der", PrivateKey::from_der(&pkcs8_der)),
            ("private_pkcs1_der", PrivateKey::from_der(&pkcs1_der)),
            (
                "private_pkcs8_der_base64",
                PrivateKey::from_base64(text("private_pkcs8_der_base64")),
            ),
            (
                "private_pkcs1_der_base64",
                PrivateKey::from_base64(text("private_pkcs1_der_base64")),
            ),
        ] {
            let loaded = loaded.unwrap_or_else(|e| panic!("{name}.{form}: {e}"));
            assert_eq!(loaded.public_key().to_spki_der(), spki_der, "{name}.{form}");
            assert_eq!(
                loaded.sign_rsa_sha256(probe).expect("signs"),
                expected,
                "{name}.{form}"
            );
        }
        let pub1 = PublicKey::from_pem(text("public_pkcs1_pem")).expect("PKCS#1 public loads");
        assert!(
            text("public_pkcs1_pem").starts_with("-----BEGIN RSA PUBLIC KEY-----\n"),
            "{name}: public_pkcs1_pem is PKCS#1"
        );
        assert_eq!(pub1.to_spki_der(), spki_der, "{name}.public_pkcs1_pem");
        assert!(public.verify_rsa_sha256(probe, &expected), "{name}: pair");
        TestKey {
            private,
            public,
            private_pkcs8_der: pkcs8_der,
        }
    };
    let keys = Keys {
        partner: key("partner"),
        alipayhk: key("alipayhk"),
    };
    assert_ne!(
        keys.partner.public.to_spki_der(),
        keys.alipayhk.public.to_spki_der(),
        "two different pairs"
    );
    keys
}

fn scratch_dir(what: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("docs-vectors-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

// --- signature cases -----------------------------------------------------------------------

/// The inputs of one signed message.
struct Message {
    name: &'static str,
    description: &'static str,
    direction: Direction,
    path: &'static str,
    time: &'static str,
    body: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Request,
    Response,
}

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
        }
    }
    fn time_header(self) -> &'static str {
        match self {
            Direction::Request => "Request-Time",
            Direction::Response => "Response-Time",
        }
    }
    /// Who signs this direction (the other side verifies with the signer's public key).
    fn signer(self) -> &'static str {
        match self {
            Direction::Request => "partner",
            Direction::Response => "alipayhk",
        }
    }
    /// Whose public key wraps the RSA_AES key (the receiver's).
    fn receiver(self) -> &'static str {
        match self {
            Direction::Request => "alipayhk",
            Direction::Response => "partner",
        }
    }
}

fn messages() -> Vec<Message> {
    use Direction::*;
    vec![
        Message {
            name: "request_inquire_a_point",
            description: "Inquire A. Point request; Request-Time with a +08:00 offset, as the pages show",
            direction: Request,
            path: INQUIRE,
            time: "2026-11-21T10:15:30+08:00",
            body: r#"{"accessToken":"TEST_ACCESS_TOKEN_0001"}"#,
        },
        Message {
            name: "request_issue_a_point",
            description: "Issue A. Point request whose body has non-ASCII text: the content is UTF-8 bytes, never \\u escapes",
            direction: Request,
            path: ISSUE,
            time: "2026-11-21T02:15:30Z",
            body: r#"{"bizNo":"VEC-20261121-0001","benefitProductCode":"POINT","extendInfo":{"memo":"積分 ✓ café"}}"#,
        },
        Message {
            name: "request_redeem_a_point_pretty_body",
            description: "Redeem A. Point request whose body is pretty-printed (LF line breaks, spaces): the bytes sent are the bytes signed, with no JSON canonicalisation",
            direction: Request,
            path: REDEEM,
            time: "2026-11-21T10:15:30.123+08:00",
            body: "{\n  \"bizNo\": \"VEC-20261121-0002\",\n  \"benefitRedeemInfos\": [ { \"amount\": 5 } ]\n}",
        },
        Message {
            name: "request_query_template_epoch_millis_time",
            description: "Query Template request with Request-Time as epoch milliseconds (what the Java and Go SDKs send): the time is signed verbatim, whatever its format",
            direction: Request,
            path: QUERY_TEMPLATE,
            time: "1795227330123",
            body: r#"{"merchantId":"2160120041113167","templateCode":"82022031000135000000000000624234"}"#,
        },
        Message {
            name: "request_update_pass_empty_body",
            description: "An empty body: the content to sign ends with the dot after the time",
            direction: Request,
            path: UPDATE_PASS,
            time: "2026-11-21T10:15:30+08:00",
            body: "",
        },
        Message {
            name: "response_inquire_a_point",
            description: "Inquire A. Point response: the same method and request path, Response-Time, the raw response body, signed with AlipayHK's key",
            direction: Response,
            path: INQUIRE,
            time: "2026-11-21T10:15:31+08:00",
            body: r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"accountBenefits":[{"benefitProductCode":"POINT","balance":1200}]}"#,
        },
        Message {
            name: "response_update_pass_failure",
            description: "Update Membership card response with an F result under resultInfo: failures are signed like successes",
            direction: Response,
            path: UPDATE_PASS,
            time: "2026-11-21T02:15:31Z",
            body: r#"{"resultInfo":{"resultCode":"PARAM_ILLEGAL","resultStatus":"F","resultMessage":"passId is required"}}"#,
        },
    ]
}

fn content_of(m: &Message) -> Vec<u8> {
    SignedContent {
        method: "POST",
        path: m.path,
        client_id: CLIENT_ID,
        time: m.time,
        body: m.body.as_bytes(),
    }
    .to_bytes()
}

fn sign(keys: &Keys, signer: &str, content: &[u8]) -> SignatureHeader {
    KeySigner::new(keys.get(signer).private.clone(), Some(1))
        .sign_header_now(content)
        .expect("the test key signs")
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("vector text is UTF-8")
}

/// The published fields of a signed message (shared by plain and RSA_AES cases).
fn signed_fields(
    out: &mut Map<String, Value>,
    keys: &Keys,
    direction: Direction,
    content: &[u8],
) -> SignatureHeader {
    let header = sign(keys, direction.signer(), content);
    out.insert("content_to_sign".into(), text(content).into());
    out.insert(
        "content_to_sign_sha256_hex".into(),
        sha256_hex(content).into(),
    );
    out.insert("signed_by".into(), direction.signer().into());
    out.insert("key_version".into(), 1.into());
    out.insert("signature_base64".into(), b64(&header.signature).into());
    out.insert(
        "signature_urlencoded".into(),
        encode_url_base64(&header.signature).into(),
    );
    out.insert("signature_header".into(), header.to_header_value().into());
    header
}

fn message_fields(m: &Message, content_type: &str) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("name".into(), m.name.into());
    out.insert("description".into(), m.description.into());
    out.insert("direction".into(), m.direction.name().into());
    out.insert("method".into(), "POST".into());
    out.insert("path".into(), m.path.into());
    out.insert("client_id".into(), CLIENT_ID.into());
    out.insert("time_header".into(), m.direction.time_header().into());
    out.insert("time".into(), m.time.into());
    out.insert("content_type".into(), content_type.into());
    out
}

fn signature_cases(keys: &Keys) -> Value {
    let cases: Vec<Value> = messages()
        .iter()
        .map(|m| {
            let mut out = message_fields(m, PLAIN_JSON);
            out.insert("body".into(), m.body.into());
            let content = content_of(m);
            let header = signed_fields(&mut out, keys, m.direction, &content);
            // The other side's check, as published: the header verifies with the signer's
            // public key.
            let parsed = SignatureHeader::parse(&header.to_header_value()).expect("parses");
            assert_eq!(
                verify(&keys.get(m.direction.signer()).public, &content, &parsed),
                Ok(())
            );
            Value::Object(out)
        })
        .collect();
    json!({
        "about": "Signed requests and responses. Sign content_to_sign (UTF-8) with RSASSA-PKCS1-v1_5 + SHA-256 under keys.json's signed_by private key and you must get signature_base64 exactly; verify it with that key's public key. See README.md.",
        "cases": cases,
    })
}

// --- header forms: URL-encoding edge cases ---------------------------------------------------

/// The signature case every header form carries: its base64 has `+`, `/` and `=`.
const HEADER_FORMS_BASE: &str = "request_issue_a_point";

fn lower_hex(url: &str) -> String {
    let mut out = String::new();
    let mut rest = url;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        out.push('%');
        out.push_str(&rest[i + 1..i + 3].to_ascii_lowercase());
        rest = &rest[i + 3..];
    }
    out + rest
}

fn header_forms(keys: &Keys) -> Value {
    let base = messages()
        .into_iter()
        .find(|m| m.name == HEADER_FORMS_BASE)
        .expect("base case");
    let content = content_of(&base);
    let signature = sign(keys, "partner", &content).signature;
    let raw = b64(&signature);
    for c in ['+', '/', '='] {
        assert!(
            raw.contains(c),
            "the base case's signature must contain {c:?}; pick another base case"
        );
    }
    let url = encode_url_base64(&signature);
    let forms = [
        (
            "canonical",
            format!("algorithm=RSA256,keyVersion=1,signature={url}"),
            "what the official SDKs send: no spaces, this key order, `+` `/` `=` as %2B %2F %3D (upper-case hex)",
        ),
        (
            "lower_case_percent_hex",
            format!(
                "algorithm=RSA256,keyVersion=1,signature={}",
                lower_hex(&url)
            ),
            "%2b %2f %3d: .NET's HttpUtility.UrlEncode writes lower-case hex; percent-decoding is case-insensitive",
        ),
        (
            "raw_base64",
            format!("algorithm=RSA256,keyVersion=1,signature={raw}"),
            "base64 not URL-encoded (PHP's SDK accepts it): a verifier that URL-decodes first must not turn `+` into a space",
        ),
        (
            "spaces_after_commas",
            format!("algorithm=RSA256, keyVersion=1, signature={url}"),
            "the sample on AlipayHK's API fundamentals page has a space after each comma: trim each item",
        ),
        (
            "other_order_lower_case_algorithm",
            format!("signature={url},keyVersion=1,algorithm=rsa256"),
            "items in any order; the algorithm name is not case-sensitive",
        ),
        (
            "no_key_version",
            format!("algorithm=RSA256,signature={url}"),
            "keyVersion is optional (the receiver then uses the latest key version)",
        ),
    ];
    let cases: Vec<Value> = forms
        .iter()
        .map(|(name, header, why)| {
            let parsed = SignatureHeader::parse(header).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(parsed.signature, signature, "{name}");
            assert_eq!(
                verify(&keys.partner.public, &content, &parsed),
                Ok(()),
                "{name}"
            );
            let value = header.rsplit_once("signature=").expect("has it").1;
            let value = value.split(',').next().expect("value");
            json!({
                "name": name,
                "signature_header": header,
                "signature_value_as_sent": value,
                "why": why,
            })
        })
        .collect();
    json!({
        "about": "Every header below carries the signature of signatures.json's base case and must verify: parse the header (split on commas, trim, split each item on the first `=`), percent-decode the signature value (hex in either case; a raw `+` stays `+`), base64-decode it, verify over the base case's content_to_sign with verify_with's public key. See README.md.",
        "base_case": HEADER_FORMS_BASE,
        "verify_with": "partner",
        "signature_base64": raw,
        "url_encoding": { "+": "%2B", "/": "%2F", "=": "%3D" },
        "cases": cases,
    })
}

// --- RSA_AES ---------------------------------------------------------------------------------

struct Sealed {
    message: Message,
    aes_bits: usize,
}

fn sealed_messages() -> Vec<Sealed> {
    use Direction::*;
    vec![
        Sealed {
            message: Message {
                name: "rsa_aes_256_request_issue_a_point",
                description: "RSA_AES request with a 256-bit AES key (what this toolkit sends): the key is wrapped under AlipayHK's public key, the body encrypted, then the encrypted body signed with the partner's key",
                direction: Request,
                path: ISSUE,
                time: "2026-11-21T10:15:32+08:00",
                body: r#"{"bizNo":"VEC-20261121-0003","benefitProductCode":"POINT","extendInfo":{"memo":"加密 ✓"}}"#,
            },
            aes_bits: 256,
        },
        Sealed {
            message: Message {
                name: "rsa_aes_128_request_update_pass_full_padding_block",
                description: "RSA_AES request with a 128-bit AES key (receivers must accept 128, 192 and 256 bits); the plaintext is exactly 48 bytes, so PKCS#7 adds a whole 16-byte block",
                direction: Request,
                path: UPDATE_PASS,
                time: "2026-11-21T10:15:33+08:00",
                body: r#"{"passId":"P0000000000000001","status":"CLOSED"}"#,
            },
            aes_bits: 128,
        },
        Sealed {
            message: Message {
                name: "rsa_aes_256_response_issue_a_point",
                description: "RSA_AES response: the key is wrapped under the partner's public key, the encrypted body signed with AlipayHK's key; verify first, then decrypt",
                direction: Response,
                path: ISSUE,
                time: "2026-11-21T10:15:34+08:00",
                body: r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#,
            },
            aes_bits: 256,
        },
    ]
}

/// The fixed AES key of a case: the first bits/8 bytes of SHA-256 of its name.
fn aes_key_of(s: &Sealed) -> Vec<u8> {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, s.message.name.as_bytes());
    digest.as_ref()[..s.aes_bits / 8].to_vec()
}

fn aes_ecb_pkcs7(key: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let algorithm = match key.len() {
        16 => &AES_128,
        32 => &AES_256,
        n => panic!("no {n}-byte AES case"),
    };
    let key = PaddedBlockEncryptingKey::ecb_pkcs7(
        UnboundCipherKey::new(algorithm, key).expect("AES key"),
    )
    .expect("AES-ECB");
    let mut in_out = plaintext.to_vec();
    key.encrypt(&mut in_out).expect("encrypts");
    in_out
}

fn rsa_unwrap(key: &TestKey, wrapped: &[u8]) -> Option<Vec<u8>> {
    let key = Pkcs1PrivateDecryptingKey::new(
        PrivateDecryptingKey::from_pkcs8(&key.private_pkcs8_der).expect("PKCS#8"),
    )
    .expect("RSA key");
    let mut out = vec![0u8; key.min_output_size()];
    key.decrypt(wrapped, &mut out)
        .ok()
        .map(|plain| plain.to_vec())
}

fn rsa_wrap(key: &TestKey, aes_key: &[u8]) -> Vec<u8> {
    let key = Pkcs1PublicEncryptingKey::new(
        PublicEncryptingKey::from_der(&key.public.to_spki_der()).expect("SPKI"),
    )
    .expect("RSA key");
    let mut out = vec![0u8; key.ciphertext_size()];
    key.encrypt(aes_key, &mut out).expect("wraps").to_vec()
}

fn rsa_aes_cases(keys: &Keys) -> Value {
    let committed = read_json("rsa_aes.json");
    let cases: Vec<Value> = sealed_messages()
        .iter()
        .map(|s| {
            let m = &s.message;
            let receiver = keys.get(m.direction.receiver());
            let aes_key = aes_key_of(s);
            // The wrap is randomized: keep the committed one; bless makes one if it is
            // missing or does not unwrap to this case's key.
            let stored = committed.as_ref().and_then(|c| {
                c["cases"]
                    .as_array()?
                    .iter()
                    .find(|v| v["name"] == m.name)?["wrapped_key_base64"]
                    .as_str()
                    .map(unb64)
            });
            let wrapped = match stored {
                Some(w) if rsa_unwrap(receiver, &w).as_deref() == Some(&aes_key[..]) => w,
                Some(_) if !blessing() => panic!(
                    "{}: wrapped_key_base64 does not unwrap to aes_key under {}'s private key",
                    m.name,
                    m.direction.receiver()
                ),
                None if !blessing() => panic!("{}: rsa_aes.json has no wrapped key", m.name),
                _ => rsa_wrap(receiver, &aes_key),
            };
            let encrypted_body = b64(&aes_ecb_pkcs7(&aes_key, m.body.as_bytes()));
            let encrypt_header = EncryptHeader {
                algorithm: EncryptAlgorithm::RsaAes,
                key_version: Some(1),
                wrapped_key: wrapped.clone(),
            };
            // The receiver's path through the runtime: parse the header, open the body.
            let parsed = EncryptHeader::parse(&encrypt_header.to_header_value()).expect("parses");
            assert_eq!(
                open(&receiver.private, &parsed, encrypted_body.as_bytes()).expect("opens"),
                m.body.as_bytes(),
                "{}",
                m.name
            );
            let mut out = message_fields(m, ENCRYPTED);
            out.insert("plaintext".into(), m.body.into());
            out.insert("aes_key_bits".into(), s.aes_bits.into());
            out.insert("aes_key_base64".into(), b64(&aes_key).into());
            out.insert("aes_key_hex".into(), hex(&aes_key).into());
            out.insert(
                "cipher".into(),
                format!("AES-{}-ECB, PKCS#7 padding, no IV", s.aes_bits).into(),
            );
            out.insert("encrypted_body".into(), encrypted_body.clone().into());
            out.insert("key_wrapped_for".into(), m.direction.receiver().into());
            out.insert("wrapped_key_base64".into(), b64(&wrapped).into());
            out.insert(
                "encrypt_header".into(),
                encrypt_header.to_header_value().into(),
            );
            let content = SignedContent {
                method: "POST",
                path: m.path,
                client_id: CLIENT_ID,
                time: m.time,
                body: encrypted_body.as_bytes(),
            }
            .to_bytes();
            signed_fields(&mut out, keys, m.direction, &content);
            Value::Object(out)
        })
        .collect();
    json!({
        "about": "RSA_AES (an assumption: AlipayHK documents the header, not the cipher; see README.md). Check: unwrap wrapped_key_base64 with key_wrapped_for's private key (RSA PKCS#1 v1.5) and get aes_key; AES-ECB/PKCS#7 of plaintext under aes_key is encrypted_body (base64); signature_base64 signs content_to_sign, which ends with encrypted_body. The wrap is randomized: never expect to reproduce wrapped_key_base64.",
        "cases": cases,
    })
}

// --- must fail ------------------------------------------------------------------------------

/// How a must-fail case differs from a good message.
struct Failing {
    name: &'static str,
    why: &'static str,
    /// Where this toolkit refuses it: `header` (before any RSA operation) or `verification`.
    fails_at: &'static str,
    base: &'static str,
    verify_with: &'static str,
    change: Change,
}

enum Change {
    /// The verifier sees other inputs than were signed.
    Inputs(Inputs),
    /// The signer signed other bytes than the verifier rebuilds.
    SignedInstead(fn(&[u8]) -> Vec<u8>),
    /// RSA_AES signed the wrong way round: the signature covers the plaintext.
    SignedPlaintext,
    /// The header is altered.
    Header(fn(&str) -> String),
}

/// The inputs a verifier uses instead of the signed ones (`None`: unchanged).
#[derive(Default)]
struct Inputs {
    path: Option<&'static str>,
    client_id: Option<&'static str>,
    time: Option<&'static str>,
    body: Option<&'static str>,
    method: Option<&'static str>,
}

/// Splits a canonical header into its head (up to `signature=`) and the signature bytes.
fn split_signature(header: &str) -> (&str, Vec<u8>) {
    let at = header.find("signature=").expect("has a signature item") + "signature=".len();
    let (head, value) = header.split_at(at);
    (head, unb64(&percent_decode(value)))
}

fn failing_cases() -> Vec<Failing> {
    vec![
        Failing {
            name: "tampered_body",
            why: "one byte of the body changed after signing (VEC-…-0001 became VEC-…-0009)",
            fails_at: "verification",
            base: "request_issue_a_point",
            verify_with: "partner",
            change: Change::Inputs(Inputs {
                body: Some(
                    r#"{"bizNo":"VEC-20261121-0009","benefitProductCode":"POINT","extendInfo":{"memo":"積分 ✓ café"}}"#,
                ),
                ..Default::default()
            }),
        },
        Failing {
            name: "body_reserialized",
            why: "the same JSON re-serialized with a space after each colon: the signature covers bytes, not JSON values; verify the raw body as received",
            fails_at: "verification",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Inputs(Inputs {
                body: Some(r#"{"accessToken": "TEST_ACCESS_TOKEN_0001"}"#),
                ..Default::default()
            }),
        },
        Failing {
            name: "body_unicode_escaped",
            why: "the body with its non-ASCII characters written as \\u escapes: the same JSON value, other bytes",
            fails_at: "verification",
            base: "request_issue_a_point",
            verify_with: "partner",
            change: Change::Inputs(Inputs {
                body: Some(
                    r#"{"bizNo":"VEC-20261121-0001","benefitProductCode":"POINT","extendInfo":{"memo":"\u7a4d\u5206 \u2713 caf\u00e9"}}"#,
                ),
                ..Default::default()
            }),
        },
        Failing {
            name: "wrong_key",
            why: "a request signed with the partner's key, verified with the other pair's public key",
            fails_at: "verification",
            base: "request_issue_a_point",
            verify_with: "alipayhk",
            change: Change::Inputs(Inputs::default()),
        },
        Failing {
            name: "wrong_time",
            why: "Request-Time one second later than the signed one",
            fails_at: "verification",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Inputs(Inputs {
                time: Some("2026-11-21T10:15:31+08:00"),
                ..Default::default()
            }),
        },
        Failing {
            name: "time_reformatted",
            why: "the same instant written +00:00 instead of the signed Z: the time is signed as the header's text, never normalised",
            fails_at: "verification",
            base: "request_issue_a_point",
            verify_with: "partner",
            change: Change::Inputs(Inputs {
                time: Some("2026-11-21T02:15:30+00:00"),
                ..Default::default()
            }),
        },
        Failing {
            name: "response_checked_with_request_time",
            why: "a response verified with the request's time instead of its own Response-Time",
            fails_at: "verification",
            base: "response_inquire_a_point",
            verify_with: "alipayhk",
            change: Change::Inputs(Inputs {
                time: Some("2026-11-21T10:15:30+08:00"),
                ..Default::default()
            }),
        },
        Failing {
            name: "wrong_path",
            why: "the path with a trailing slash: the path is signed exactly as sent",
            fails_at: "verification",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Inputs(Inputs {
                path: Some("/api/open/v1/alipayhk/promotion/benefit/userPromoBenefitQuery/"),
                ..Default::default()
            }),
        },
        Failing {
            name: "wrong_method",
            why: "GET instead of the POST that was signed",
            fails_at: "verification",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Inputs(Inputs {
                method: Some("GET"),
                ..Default::default()
            }),
        },
        Failing {
            name: "wrong_client_id",
            why: "another Client-Id than the signed one",
            fails_at: "verification",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Inputs(Inputs {
                client_id: Some("TEST_VECTORS_CLIENT_02"),
                ..Default::default()
            }),
        },
        Failing {
            name: "signer_used_crlf",
            why: "the signer put CR LF (not LF alone) after the path; the verifier rebuilds the content with LF",
            fails_at: "verification",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::SignedInstead(|content| {
                let lf = content.iter().position(|&b| b == b'\n').expect("has LF");
                [&content[..lf], b"\r", &content[lf..]].concat()
            }),
        },
        Failing {
            name: "signer_added_trailing_newline",
            why: "the signer added a newline after the body",
            fails_at: "verification",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::SignedInstead(|content| [content, b"\n"].concat()),
        },
        Failing {
            name: "signed_before_encryption",
            why: "RSA_AES: the signer signed the plaintext; the signature must cover the encrypted body as sent (encrypt, then sign)",
            fails_at: "verification",
            base: "rsa_aes_256_request_issue_a_point",
            verify_with: "partner",
            change: Change::SignedPlaintext,
        },
        Failing {
            name: "flipped_bit",
            why: "the lowest bit of the signature's last byte flipped",
            fails_at: "verification",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Header(|h| {
                let (head, mut sig) = split_signature(h);
                *sig.last_mut().expect("not empty") ^= 1;
                format!("{head}{}", encode_url_base64(&sig))
            }),
        },
        Failing {
            name: "truncated_signature",
            why: "the signature's last byte dropped (255 bytes, 340 base64 characters, instead of 256 and 344)",
            fails_at: "verification",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Header(|h| {
                let (head, sig) = split_signature(h);
                format!("{head}{}", encode_url_base64(&sig[..sig.len() - 1]))
            }),
        },
        Failing {
            name: "double_url_encoded",
            why: "the signature URL-encoded twice (%252B): one percent-decoding leaves %2B, which is not base64",
            fails_at: "header",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Header(|h| h.replace('%', "%25")),
        },
        Failing {
            name: "url_safe_base64_alphabet",
            why: "the signature in the URL-safe base64 alphabet (- and _ for + and /): the scheme uses standard base64",
            fails_at: "header",
            base: "request_issue_a_point",
            verify_with: "partner",
            change: Change::Header(|h| {
                let (head, sig) = split_signature(h);
                let url_safe = base64::engine::general_purpose::URL_SAFE.encode(sig);
                assert!(url_safe.contains(['-', '_']), "the base case has + or /");
                format!("{head}{}", url_safe.replace('=', "%3D"))
            }),
        },
        Failing {
            name: "unknown_algorithm",
            why: "algorithm=RSA512 is not a signature algorithm of the scheme; refuse it rather than guess",
            fails_at: "header",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Header(|h| h.replace("algorithm=RSA256", "algorithm=RSA512")),
        },
        Failing {
            name: "ecc224_algorithm",
            why: "algorithm=ECC224 (named by the pages, defined nowhere public) on a valid RSA signature: fail closed, never verify it as RSA256",
            fails_at: "header",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Header(|h| h.replace("algorithm=RSA256", "algorithm=ECC224")),
        },
        Failing {
            name: "no_signature_item",
            why: "the header has no signature= item",
            fails_at: "header",
            base: "request_inquire_a_point",
            verify_with: "partner",
            change: Change::Header(|h| h.split(",signature=").next().expect("head").to_owned()),
        },
    ]
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .expect("UTF-8")
        .into_owned()
}

/// The good message a must-fail case starts from: (inputs, content signed, header).
struct Good {
    method: String,
    path: String,
    time: String,
    body: String,
    signed_by: String,
    header: String,
    plaintext: Option<String>,
}

fn good_messages(signatures: &Value, rsa_aes: &Value) -> Vec<(String, Good)> {
    let mut out = Vec::new();
    for case in signatures["cases"]
        .as_array()
        .into_iter()
        .chain(rsa_aes["cases"].as_array())
        .flatten()
    {
        let s = |f: &str| case[f].as_str().unwrap_or_default().to_owned();
        let encrypted = case.get("encrypted_body").is_some();
        out.push((
            s("name"),
            Good {
                method: s("method"),
                path: s("path"),
                time: s("time"),
                body: if encrypted {
                    s("encrypted_body")
                } else {
                    s("body")
                },
                signed_by: s("signed_by"),
                header: s("signature_header"),
                plaintext: encrypted.then(|| s("plaintext")),
            },
        ));
    }
    out
}

/// What the runtime says about a header and content: `None` when it verifies.
fn runtime_refusal(key: &PublicKey, content: &[u8], header: &str) -> Option<&'static str> {
    match SignatureHeader::parse(header) {
        Err(_) => Some("header"),
        Ok(parsed) => match verify(key, content, &parsed) {
            Ok(()) => None,
            Err(VerifyError::UnsupportedAlgorithm(_)) => Some("header"),
            Err(_) => Some("verification"),
        },
    }
}

fn must_fail_cases(keys: &Keys, signatures: &Value, rsa_aes: &Value) -> Value {
    let goods = good_messages(signatures, rsa_aes);
    let cases: Vec<Value> = failing_cases()
        .into_iter()
        .map(|f| {
            let good = &goods
                .iter()
                .find(|(n, _)| n == f.base)
                .unwrap_or_else(|| panic!("{}: no base {}", f.name, f.base))
                .1;
            let (mut method, mut path, mut client_id, mut time, mut body) = (
                good.method.clone(),
                good.path.clone(),
                CLIENT_ID.to_owned(),
                good.time.clone(),
                good.body.clone(),
            );
            let mut header = good.header.clone();
            match f.change {
                Change::Inputs(Inputs {
                    path: p,
                    client_id: c,
                    time: t,
                    body: b,
                    method: m,
                }) => {
                    let set = |slot: &mut String, v: Option<&str>| {
                        if let Some(v) = v {
                            assert_ne!(slot, v, "{}: a change", f.name);
                            *slot = v.to_owned();
                        }
                    };
                    set(&mut path, p);
                    set(&mut client_id, c);
                    set(&mut time, t);
                    set(&mut body, b);
                    set(&mut method, m);
                }
                Change::SignedInstead(wrong) => {
                    let content = SignedContent {
                        method: &method,
                        path: &path,
                        client_id: &client_id,
                        time: &time,
                        body: body.as_bytes(),
                    }
                    .to_bytes();
                    header = sign(keys, &good.signed_by, &wrong(&content)).to_header_value();
                }
                Change::SignedPlaintext => {
                    let plain = good.plaintext.as_ref().expect("an RSA_AES base case");
                    let signed = SignedContent {
                        method: &method,
                        path: &path,
                        client_id: &client_id,
                        time: &time,
                        body: plain.as_bytes(),
                    }
                    .to_bytes();
                    header = sign(keys, &good.signed_by, &signed).to_header_value();
                }
                Change::Header(alter) => {
                    header = alter(&header);
                    assert_ne!(header, good.header, "{}: a change", f.name);
                }
            }
            let content = SignedContent {
                method: &method,
                path: &path,
                client_id: &client_id,
                time: &time,
                body: body.as_bytes(),
            }
            .to_bytes();
            let refusal = runtime_refusal(&keys.get(f.verify_with).public, &content, &header);
            assert_eq!(
                refusal,
                Some(f.fails_at),
                "{}: must fail at {}",
                f.name,
                f.fails_at
            );
            json!({
                "name": f.name,
                "why": f.why,
                "fails_at": f.fails_at,
                "based_on": f.base,
                "method": method,
                "path": path,
                "client_id": client_id,
                "time": time,
                "body": body,
                "content_to_verify": text(&content),
                "signature_header": header,
                "verify_with": f.verify_with,
            })
        })
        .collect();
    json!({
        "about": "Each case must NOT verify: rebuild the content from method, path, client_id, time and body (content_to_verify is that content), parse signature_header and verify with verify_with's public key. fails_at says where this toolkit refuses it: `header` (before any RSA operation: algorithm not RSA256, value not standard base64, no signature item) or `verification` (RSA says no). See README.md.",
        "cases": cases,
    })
}

// --- the tests ----------------------------------------------------------------------------

#[test]
fn docs_vectors_are_what_the_runtime_computes() {
    let keys = load_keys();
    let signatures = signature_cases(&keys);
    check_or_bless("signatures.json", &pretty(&signatures));
    check_or_bless("header_forms.json", &pretty(&header_forms(&keys)));
    let rsa_aes = rsa_aes_cases(&keys);
    check_or_bless("rsa_aes.json", &pretty(&rsa_aes));
    check_or_bless(
        "must_fail.json",
        &pretty(&must_fail_cases(&keys, &signatures, &rsa_aes)),
    );
}

#[test]
fn docs_vectors_paths_are_the_specs() {
    let spec = std::fs::read_to_string(manifest_dir().join("../spec/alipayhk.yaml"))
        .expect("spec/alipayhk.yaml");
    for path in [INQUIRE, ISSUE, REDEEM, QUERY_TEMPLATE, UPDATE_PASS] {
        assert!(
            spec.contains(&format!("\n  {path}:")),
            "{path} is not a path of spec/alipayhk.yaml"
        );
    }
}

/// The venv's python with Alipay's SDK (made by cli/tests/python/setup-venv.sh, as
/// cli/tests/it/python_sdk.rs does); fails the test when it cannot be made.
fn sdk_python() -> PathBuf {
    const NEEDS: &str =
        "this test needs Alipay's Python SDK (python3 with venv, and PyPI; .ci/run installs it)";
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-sdk-venv");
    let script = manifest_dir().join("../cli/tests/python/setup-venv.sh");
    match Command::new("bash").arg(script).arg(&venv).output() {
        Ok(out) if out.status.success() => venv.join("bin/python"),
        Ok(out) => panic!(
            "{NEEDS}: cli/tests/python/setup-venv.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("{NEEDS}: bash does not run: {e}"),
    }
}

#[test]
#[ignore = "needs Alipay's Python SDK (python3 with venv, and PyPI; .ci/run installs it)"]
fn docs_vectors_agree_with_alipays_python_sdk() {
    let python = sdk_python();
    let out = Command::new(&python)
        .arg(vectors_dir().join("check_with_alipay_sdk.py"))
        .arg(vectors_dir())
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The checker must have seen every case of every file.
    let count = |file: &str| {
        read_json(file).expect("committed")["cases"]
            .as_array()
            .expect("cases")
            .len()
    };
    let expected = format!(
        "checked: signatures={} header_forms={} rsa_aes={} must_fail={}",
        count("signatures.json"),
        count("header_forms.json"),
        count("rsa_aes.json"),
        count("must_fail.json")
    );
    assert!(
        stdout.contains(&expected),
        "want {expected:?} in:\n{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.ends_with(" passed, 0 failed")),
        "{stdout}"
    );
}
