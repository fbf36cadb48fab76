//! End to end through the simulator's signed router, in process: the runtime
//! `SigningLayer`, the generated router (decode, `validate()`, dispatch) and the simulator's
//! handlers on an in-memory SQLite store seeded with the demo data.
//!
//! The input is structured (`arbitrary`): method, path (one of the spec's or arbitrary),
//! each signing header (absent, the right value, or arbitrary bytes), extra headers and a
//! body (a spec example, an edited example, or arbitrary bytes). `Signature::Valid` makes
//! the target sign exactly what is sent with the demo partner's key, and `Encrypt::Seal`
//! RSA_AES-encrypts the body for the simulator, so the fuzzer reaches the handlers.
//!
//! Invariants: nothing panics; every answer carries `Response-Time` (ISO-8601 with offset),
//! `Tracer-Id` and a `Signature` that verifies under the simulator's key over exactly
//! what was answered; a POST to an operation answers JSON that its response model accepts;
//! a request that is correct on the wire is never refused by the gateway.
#![no_main]

use std::sync::{Arc, OnceLock};

use alipayhk_api::spec;
use alipayhk_runtime::encryption::{self, EncryptHeader};
use alipayhk_runtime::headers::{ENCRYPTED_CONTENT_TYPE, JSON_CONTENT_TYPE};
use alipayhk_runtime::keys::{PrivateKey, PublicKey};
use alipayhk_runtime::server::{InMemoryKeyStore, ServerConfig};
use alipayhk_runtime::signature::{self, KeySigner, SignatureHeader, SignedContent};
use alipayhk_simulator::{
    api_router, Fixtures, Simulator, SqliteStore, Store, DEMO_CLIENT_ID, DEMO_KEY_VERSION,
};
use arbitrary::Arbitrary;
use axum::body::Body;
use http::{HeaderName, HeaderValue, Method, Request, Uri};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tower::ServiceExt;

/// A small limit, so that `BodyTooLarge` is reachable with fuzzer-sized inputs.
const MAX_BODY_BYTES: usize = 4096;

/// The headers this target sets itself (an extra header with one of these names makes
/// the request "not clean": the gateway may then rightly refuse it).
const CONTROLLED: [&str; 6] = [
    "client-id",
    "request-time",
    "signature",
    "encrypt",
    "content-type",
    "content-length",
];

struct World {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    partner_key: PrivateKey,
    simulator_public: PublicKey,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let simulator_key = PrivateKey::generate_rsa2048().expect("simulator key");
        let partner_key = PrivateKey::generate_rsa2048().expect("partner key");
        let store = SqliteStore::in_memory().expect("in-memory store");
        store.seed(&Fixtures::demo()).expect("demo data");
        let simulator = Simulator::new(Store::Sqlite(store), Fixtures::demo());
        let key_store = InMemoryKeyStore::new().with_key(
            DEMO_CLIENT_ID,
            DEMO_KEY_VERSION,
            partner_key.public_key(),
        );
        let signer = Arc::new(KeySigner::new(
            simulator_key.clone(),
            Some(DEMO_KEY_VERSION),
        ));
        let config = ServerConfig::new(signer, Arc::new(key_store))
            .with_decryption_key(simulator_key.clone())
            .with_max_body_bytes(MAX_BODY_BYTES);
        let router = api_router(simulator, config);
        World {
            runtime,
            router,
            partner_key,
            simulator_public: simulator_key.public_key(),
        }
    })
}

#[derive(Arbitrary, Debug)]
enum MethodChoice {
    Post,
    Get,
    Put,
    Head,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum PathChoice {
    Operation(u8),
    OperationWithQuery(u8, String),
    OperationWithSuffix(u8, String),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum ClientIdChoice {
    Demo,
    Absent,
    Other(String),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum TimeChoice {
    Now,
    /// Seconds from now (the window is 5 minutes).
    NowPlus(i16),
    /// Now, written with this offset in minutes.
    NowAtOffset(i16),
    Absent,
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum ContentTypeChoice {
    Json,
    JsonCharset,
    TextPlain,
    Absent,
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum LengthChoice {
    Absent,
    Correct,
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum SignatureChoice {
    /// Signed with the demo partner's key over exactly what is sent.
    Valid(Option<u32>),
    /// A valid signature in a hand-written header (spaces, lower-case hex, raw base64).
    ValidLoose(u8),
    Absent,
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum EncryptChoice {
    None,
    /// RSA_AES for the simulator's key, as a client would send it.
    Seal(Option<u32>),
    /// A sealed body with an arbitrary Encrypt header value.
    SealRawHeader(Vec<u8>),
    /// The plain body with an arbitrary Encrypt header value.
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

#[derive(Arbitrary, Debug)]
enum Key {
    /// The n-th key of the example (top level).
    Existing(u8),
    /// The m-th key inside the n-th key's object.
    Nested(u8, u8),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Edit {
    Set(Key, Json),
    Remove(Key),
}

#[derive(Arbitrary, Debug)]
enum BodyChoice {
    /// The operation's spec example (`u8` picks the operation).
    Example(u8),
    Edited(u8, Vec<Edit>),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    method: MethodChoice,
    path: PathChoice,
    client_id: ClientIdChoice,
    request_time: TimeChoice,
    content_type: ContentTypeChoice,
    content_length: LengthChoice,
    signature: SignatureChoice,
    encrypt: EncryptChoice,
    extra_headers: Vec<(String, Vec<u8>)>,
    body: BodyChoice,
}

fn operation(n: u8) -> &'static spec::OperationInfo {
    &spec::OPERATIONS[usize::from(n) % spec::OPERATIONS.len()]
}

fn to_value(json: &Json, depth: usize) -> Value {
    if depth > 16 {
        return Value::Null;
    }
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Int(i) => Value::from(*i),
        Json::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Json::Str(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(|j| to_value(j, depth + 1)).collect()),
        Json::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_value(v, depth + 1)))
                .collect(),
        ),
    }
}

/// The object and key an edit addresses (creating nothing).
fn target<'a>(
    root: &'a mut serde_json::Map<String, Value>,
    key: &Key,
) -> Option<(&'a mut serde_json::Map<String, Value>, String)> {
    match key {
        Key::Raw(k) => Some((root, k.clone())),
        Key::Existing(n) => {
            let k = root
                .keys()
                .nth(usize::from(*n) % root.len().max(1))?
                .clone();
            Some((root, k))
        }
        Key::Nested(n, m) => {
            let outer = root
                .keys()
                .nth(usize::from(*n) % root.len().max(1))?
                .clone();
            match root.get_mut(&outer)? {
                Value::Object(inner) => {
                    let k = inner
                        .keys()
                        .nth(usize::from(*m) % inner.len().max(1))?
                        .clone();
                    Some((inner, k))
                }
                Value::Array(items) => match items.first_mut()? {
                    Value::Object(inner) => {
                        let k = inner
                            .keys()
                            .nth(usize::from(*m) % inner.len().max(1))?
                            .clone();
                        Some((inner, k))
                    }
                    _ => None,
                },
                _ => None,
            }
        }
    }
}

fn body_bytes(choice: &BodyChoice) -> Vec<u8> {
    match choice {
        BodyChoice::Example(n) => operation(*n).request_example.as_bytes().to_vec(),
        BodyChoice::Edited(n, edits) => {
            let mut root = match serde_json::from_str(operation(*n).request_example) {
                Ok(Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            };
            for edit in edits {
                match edit {
                    Edit::Set(key, json) => {
                        if let Some((object, k)) = target(&mut root, key) {
                            object.insert(k, to_value(json, 0));
                        }
                    }
                    Edit::Remove(key) => {
                        if let Some((object, k)) = target(&mut root, key) {
                            object.shift_remove(&k);
                        }
                    }
                }
            }
            Value::Object(root).to_string().into_bytes()
        }
        BodyChoice::Raw(bytes) => bytes.clone(),
    }
}

fn header_value(bytes: &[u8]) -> Option<HeaderValue> {
    HeaderValue::from_bytes(bytes).ok()
}

fuzz_target!(|input: Input| {
    let world = world();

    let method = match &input.method {
        MethodChoice::Post => Method::POST,
        MethodChoice::Get => Method::GET,
        MethodChoice::Put => Method::PUT,
        MethodChoice::Head => Method::HEAD,
        MethodChoice::Raw(m) => Method::from_bytes(m.as_bytes()).unwrap_or(Method::POST),
    };
    let (uri, known_operation) = match &input.path {
        PathChoice::Operation(n) => (Uri::from_static(operation(*n).path), Some(operation(*n))),
        PathChoice::OperationWithQuery(n, q) => {
            let op = operation(*n);
            match Uri::try_from(format!("{}?{q}", op.path)) {
                Ok(uri) => (uri, Some(op)),
                Err(_) => (Uri::from_static(op.path), Some(op)),
            }
        }
        PathChoice::OperationWithSuffix(n, s) => {
            let op = operation(*n);
            match Uri::try_from(format!("{}{s}", op.path)) {
                Ok(uri) => {
                    let same = uri.path() == op.path;
                    (uri, same.then_some(op))
                }
                Err(_) => (Uri::from_static(op.path), Some(op)),
            }
        }
        PathChoice::Raw(s) => match Uri::try_from(s.as_str()) {
            Ok(uri) => {
                let op = spec::OPERATIONS.iter().find(|o| o.path == uri.path());
                (uri, op)
            }
            Err(_) => (Uri::from_static("/"), None),
        },
    };
    let path = uri.path().to_owned();

    let client_id: Option<Vec<u8>> = match &input.client_id {
        ClientIdChoice::Demo => Some(DEMO_CLIENT_ID.as_bytes().to_vec()),
        ClientIdChoice::Absent => None,
        ClientIdChoice::Other(s) => Some(s.as_bytes().to_vec()),
        ClientIdChoice::Raw(b) => Some(b.clone()),
    };
    let now = time::OffsetDateTime::now_utc();
    let request_time: Option<Vec<u8>> = match &input.request_time {
        TimeChoice::Now => Some(alipayhk_runtime::time::format_time(now).into_bytes()),
        TimeChoice::NowPlus(secs) => Some(
            alipayhk_runtime::time::format_time(now + time::Duration::seconds(i64::from(*secs)))
                .into_bytes(),
        ),
        TimeChoice::NowAtOffset(minutes) => {
            let offset = time::UtcOffset::from_whole_seconds(i32::from(*minutes % (24 * 60)) * 60)
                .unwrap_or(time::UtcOffset::UTC);
            let t = now.to_offset(offset);
            let format = time::format_description::well_known::Rfc3339;
            t.format(&format).ok().map(String::into_bytes)
        }
        TimeChoice::Absent => None,
        TimeChoice::Raw(b) => Some(b.clone()),
    };

    let plain = body_bytes(&input.body);
    let (wire, encrypt_header): (Vec<u8>, Option<Vec<u8>>) = match &input.encrypt {
        EncryptChoice::None => (plain.clone(), None),
        EncryptChoice::Seal(key_version) => {
            let sealed =
                encryption::seal(&world.simulator_public, *key_version, &plain).expect("seal");
            (
                sealed.body,
                Some(sealed.header.to_header_value().into_bytes()),
            )
        }
        EncryptChoice::SealRawHeader(h) => {
            let sealed = encryption::seal(&world.simulator_public, None, &plain).expect("seal");
            (sealed.body, Some(h.clone()))
        }
        EncryptChoice::Raw(h) => (plain.clone(), Some(h.clone())),
    };

    let signature: Option<Vec<u8>> = match &input.signature {
        SignatureChoice::Absent => None,
        SignatureChoice::Raw(b) => Some(b.clone()),
        SignatureChoice::Valid(_) | SignatureChoice::ValidLoose(_) => {
            let content = SignedContent {
                method: method.as_str(),
                path: &path,
                client_id: &String::from_utf8_lossy(client_id.as_deref().unwrap_or_default()),
                time: &String::from_utf8_lossy(request_time.as_deref().unwrap_or_default()),
                body: &wire,
            }
            .to_bytes();
            let raw = world.partner_key.sign_rsa_sha256(&content).expect("sign");
            match &input.signature {
                SignatureChoice::Valid(key_version) => Some(
                    SignatureHeader::rsa256(*key_version, raw)
                        .to_header_value()
                        .into_bytes(),
                ),
                SignatureChoice::ValidLoose(style) => {
                    let canonical = SignatureHeader::rsa256(Some(DEMO_KEY_VERSION), raw.clone());
                    let encoded = canonical.to_header_value();
                    let sig = encoded
                        .rsplit_once("signature=")
                        .map(|(_, s)| s)
                        .unwrap_or_default();
                    Some(
                        match style % 3 {
                            0 => format!("signature={}, keyVersion={DEMO_KEY_VERSION}, algorithm=rsa256", sig.replace("%2B", "%2b").replace("%2F", "%2f").replace("%3D", "%3d")),
                            1 => format!("algorithm=RSA256, signature={}", signature_header_raw_base64(&raw)),
                            _ => format!("keyVersion = {DEMO_KEY_VERSION} ,algorithm=Rsa256,signature={sig},"),
                        }
                        .into_bytes(),
                    )
                }
                _ => unreachable!(),
            }
        }
    };

    let content_type: Option<Vec<u8>> = match &input.content_type {
        ContentTypeChoice::Json => Some(b"application/json".to_vec()),
        ContentTypeChoice::JsonCharset => Some(JSON_CONTENT_TYPE.as_bytes().to_vec()),
        ContentTypeChoice::TextPlain => Some(ENCRYPTED_CONTENT_TYPE.as_bytes().to_vec()),
        ContentTypeChoice::Absent => None,
        ContentTypeChoice::Raw(b) => Some(b.clone()),
    };
    let content_length: Option<Vec<u8>> = match &input.content_length {
        LengthChoice::Absent => None,
        LengthChoice::Correct => Some(wire.len().to_string().into_bytes()),
        LengthChoice::Raw(b) => Some(b.clone()),
    };

    let mut request = Request::new(Body::from(wire.clone()));
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    let mut all_set = true;
    for (name, value) in [
        ("client-id", &client_id),
        ("request-time", &request_time),
        ("signature", &signature),
        ("encrypt", &encrypt_header),
        ("content-type", &content_type),
        ("content-length", &content_length),
    ] {
        if let Some(bytes) = value {
            match header_value(bytes) {
                Some(v) => {
                    headers.insert(HeaderName::from_static(name), v);
                }
                None => all_set = false,
            }
        }
    }
    let mut extra_controlled = false;
    for (name, value) in &input.extra_headers {
        let (Ok(name), Some(value)) =
            (HeaderName::from_bytes(name.as_bytes()), header_value(value))
        else {
            continue;
        };
        extra_controlled |= CONTROLLED.contains(&name.as_str());
        // Appended: a controlled header set above stays the first value.
        headers.append(name, value);
    }

    // Correct on the wire: every check of the gateway passes.
    let clean = all_set
        && !extra_controlled
        && method == Method::POST
        && known_operation.is_some()
        && matches!(input.client_id, ClientIdChoice::Demo)
        && match input.request_time {
            TimeChoice::Now | TimeChoice::NowAtOffset(_) => true,
            TimeChoice::NowPlus(s) => s.unsigned_abs() <= 240,
            _ => false,
        }
        && match (&input.content_type, &input.encrypt) {
            (ContentTypeChoice::Json | ContentTypeChoice::JsonCharset, EncryptChoice::None) => true,
            // An Encrypt header is honoured only on a text/plain body (a JSON body with one
            // is refused as UNSUPPORTED_MEDIA_TYPE).
            (ContentTypeChoice::TextPlain, EncryptChoice::Seal(_)) => true,
            _ => false,
        }
        && !matches!(input.content_length, LengthChoice::Raw(_))
        && match input.signature {
            SignatureChoice::Valid(kv) => kv.is_none() || kv == Some(DEMO_KEY_VERSION),
            SignatureChoice::ValidLoose(_) => true,
            _ => false,
        }
        && wire.len() <= MAX_BODY_BYTES;
    let encrypted = matches!(input.encrypt, EncryptChoice::Seal(_));

    let response = world
        .runtime
        .block_on(world.router.clone().oneshot(request))
        .unwrap_or_else(|never| match never {});
    let (parts, body) = response.into_parts();
    let body = world
        .runtime
        .block_on(body.collect())
        .expect("response body")
        .to_bytes();

    // Every answer is signed.
    let text = |name: &str| {
        parts
            .headers
            .get(name)
            .unwrap_or_else(|| panic!("response without {name} (status {})", parts.status))
            .to_str()
            .unwrap_or_else(|_| panic!("{name} is not text"))
            .to_owned()
    };
    let response_time = text("Response-Time");
    alipayhk_runtime::time::parse_time(&response_time)
        .unwrap_or_else(|e| panic!("Response-Time {response_time:?}: {e}"));
    let tracer_id = text("Tracer-Id");
    assert!(!tracer_id.is_empty(), "empty Tracer-Id");
    let signature_value = text("Signature");
    let signature = SignatureHeader::parse(&signature_value)
        .unwrap_or_else(|e| panic!("response Signature {signature_value:?}: {e}"));
    let echoed = parts
        .headers
        .get("Client-Id")
        .map(|v| v.to_str().expect("Client-Id is text").to_owned())
        .unwrap_or_default();
    // An answer to HEAD is signed over the empty body it carries.
    let content = SignedContent {
        method: method.as_str(),
        path: &path,
        client_id: &echoed,
        time: &response_time,
        body: &body,
    }
    .to_bytes();
    signature::verify(&world.simulator_public, &content, &signature).unwrap_or_else(|e| {
        panic!(
            "response signature does not verify: {e} (status {})",
            parts.status
        )
    });

    // What the answer says.
    let Some(op) = known_operation else {
        return;
    };
    if method != Method::POST {
        return;
    }
    let json = match parts.headers.get("Encrypt") {
        Some(value) => {
            assert!(
                encrypted || !clean,
                "an answer to a plain request is encrypted"
            );
            let header = EncryptHeader::parse(value.to_str().expect("Encrypt is text"))
                .expect("response Encrypt header parses");
            encryption::open(&world.partner_key, &header, &body)
                .expect("response decrypts for the caller")
        }
        None => body.to_vec(),
    };
    if clean && encrypted {
        assert!(
            parts.headers.contains_key("Encrypt"),
            "an answer to an encrypted request is plain"
        );
    }
    let answer: Value = serde_json::from_slice(&json).unwrap_or_else(|e| {
        panic!(
            "{} answered non-JSON ({e}, status {}): {:?}",
            op.id,
            parts.status,
            String::from_utf8_lossy(&json)
        )
    });
    if let Err(problem) = (op.check_response)(&json) {
        panic!(
            "{} answer breaks its response model: {problem}\n{}",
            op.id,
            String::from_utf8_lossy(&json)
        );
    }
    let code = answer
        .get(op.result_field)
        .and_then(|r| r.get("resultCode"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| {
            panic!(
                "{} answer has no {}.resultCode: {answer}",
                op.id, op.result_field
            )
        });
    if std::env::var_os("FUZZ_TRACE").is_some() {
        eprintln!(
            "answer: {} {code} clean={clean} encrypted={encrypted}",
            op.id
        );
    }
    if clean {
        assert!(
            !spec::COMMON_RESULT_CODES.iter().any(|c| c.code == code),
            "a correct request was refused by the gateway with {code}: {answer}"
        );
    }
});

/// Base64 of `raw`, not URL-encoded (the docs' samples sometimes send it so).
fn signature_header_raw_base64(raw: &[u8]) -> String {
    let encoded = SignatureHeader::rsa256(None, raw.to_vec()).to_header_value();
    let sig = encoded
        .rsplit_once("signature=")
        .map(|(_, s)| s)
        .unwrap_or_default();
    sig.replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=")
}
