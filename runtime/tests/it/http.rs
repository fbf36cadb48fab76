//! Client and server halves over real HTTP on 127.0.0.1 (random free port).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::served_api;
use alipayhk_runtime::RejectReason;
use alipayhk_runtime::client::{
    ClientConfig, EncryptionConfig, RawResponse, RetryPolicy, Transport, TransportError,
};
use alipayhk_runtime::keys::{PrivateKey, PublicKey};
use alipayhk_runtime::server::{
    CallerContext, DecryptedExchange, InMemoryKeyStore, ServerConfig, SigningLayer,
};
use alipayhk_runtime::signature::{KeySigner, SignatureHeader, SignedContent, verify};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Router};

const CLIENT_ID: &str = "TEST_CLIENT_01";
const ECHO: &str = "/api/echo";
const ECHO_INFO: &str = "/api/echo-info";
const FLAKY: &str = "/api/flaky";
const BROKEN: &str = "/api/broken";

/// Keys for one test: both generated fresh (real RSA-2048, never reused).
struct Keys {
    partner: PrivateKey,
    server: PrivateKey,
}

fn keys() -> Keys {
    Keys {
        partner: PrivateKey::generate_rsa2048().expect("partner key"),
        server: PrivateKey::generate_rsa2048().expect("server key"),
    }
}

#[derive(Default)]
struct Seen {
    bodies: Mutex<Vec<(Vec<u8>, CallerContext)>>,
    flaky_calls: AtomicUsize,
    /// What a recorder outside the layer found in each answer's extensions.
    decrypted: Mutex<Vec<Option<DecryptedExchange>>>,
}

/// A recorder wrapped around the signing layer, as a request journal is.
async fn record_decrypted(
    State(seen): State<Arc<Seen>>,
    response: axum::response::Response,
) -> axum::response::Response {
    let found = response.extensions().get::<DecryptedExchange>().cloned();
    seen.decrypted.lock().expect("lock").push(found);
    response
}

async fn echo(
    State(seen): State<Arc<Seen>>,
    Extension(caller): Extension<CallerContext>,
    body: axum::body::Bytes,
) -> ([(&'static str, &'static str); 1], String) {
    seen.bodies
        .lock()
        .expect("lock")
        .push((body.to_vec(), caller.clone()));
    let echoed: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let json = serde_json::json!({
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
        "echo": echoed,
        "caller": caller.client_id,
        "encrypted": caller.encrypted,
    });
    (
        [("content-type", "application/json; charset=UTF-8")],
        json.to_string(),
    )
}

/// Answers `U` on the first call and `S` after.
async fn flaky(State(seen): State<Arc<Seen>>, body: axum::body::Bytes) -> String {
    let n = seen.flaky_calls.fetch_add(1, Ordering::SeqCst);
    let caller = CallerContext {
        client_id: String::new(),
        key_version: None,
        tracer_id: String::new(),
        encrypted: false,
    };
    seen.bodies
        .lock()
        .expect("lock")
        .push((body.to_vec(), caller));
    let status = if n == 0 { "U" } else { "S" };
    serde_json::json!({"result": {"resultCode": "X", "resultStatus": status}}).to_string()
}

struct Server {
    base_url: String,
    seen: Arc<Seen>,
    server_public: PublicKey,
}

async fn start_server(keys: &Keys, decrypt: bool, max_body: usize) -> Server {
    let store = InMemoryKeyStore::new().with_key(CLIENT_ID, 1, keys.partner.public_key());
    let mut config = ServerConfig::new(
        Arc::new(KeySigner::new(keys.server.clone(), Some(1))),
        Arc::new(store),
    )
    .with_max_body_bytes(max_body)
    .with_clock_skew(Duration::from_secs(300));
    if decrypt {
        config = config.with_decryption_key(keys.server.clone());
    }
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route(ECHO, post(echo))
        .route(ECHO_INFO, post(echo))
        .route(FLAKY, post(flaky))
        .route(
            BROKEN,
            post(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down") }),
        )
        .with_state(seen.clone())
        .layer(SigningLayer::new(
            served_api(&[
                (ECHO, "result"),
                (ECHO_INFO, "resultInfo"),
                (FLAKY, "result"),
                (BROKEN, "result"),
            ]),
            config,
        ))
        .layer(axum::middleware::map_response_with_state(
            seen.clone(),
            record_decrypted,
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        base_url: format!("http://{addr}"),
        seen,
        server_public: keys.server.public_key(),
    }
}

fn transport(server: &Server, keys: &Keys, encrypted: bool) -> Transport {
    let mut config = ClientConfig::new(
        server.base_url.clone(),
        CLIENT_ID,
        Arc::new(KeySigner::new(keys.partner.clone(), Some(1))),
        server.server_public.clone(),
    )
    .with_timeouts(Duration::from_secs(5), Duration::from_secs(10));
    if encrypted {
        config = config.with_encryption(EncryptionConfig {
            alipay_public_key: server.server_public.clone(),
            key_version: Some(1),
            partner_private_key: keys.partner.clone(),
        });
    }
    Transport::new(config).expect("valid config")
}

fn never_unknown(_: &RawResponse) -> bool {
    false
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).expect("JSON body")
}

#[tokio::test]
async fn plain_request_is_verified_and_the_signed_response_is_returned() {
    let keys = keys();
    let server = start_server(&keys, false, 64 * 1024).await;
    let body = br#"{"bizNo":"20261121-0001","memo":"naive"}"#.to_vec();
    let resp = transport(&server, &keys, false)
        .send(ECHO, body.clone(), &never_unknown)
        .await
        .expect("verified response");
    assert_eq!(resp.status, 200);
    let v = json(&resp.body);
    assert_eq!(v["echo"]["bizNo"], "20261121-0001");
    assert_eq!(v["caller"], CLIENT_ID);
    assert_eq!(v["encrypted"], false);
    assert_eq!(resp.headers["client-id"], CLIENT_ID);
    assert!(resp.headers.contains_key("response-time"));
    let tracer = resp.headers["tracer-id"].to_str().expect("ascii");
    let seen = server.seen.bodies.lock().expect("lock");
    assert_eq!(seen[0].0, body, "handler got the exact bytes");
    assert_eq!(seen[0].1.tracer_id, tracer);
    assert_eq!(seen[0].1.key_version, Some(1));
}

#[tokio::test]
async fn encrypted_request_is_decrypted_for_the_handler_and_the_response_is_encrypted() {
    let keys = keys();
    let server = start_server(&keys, true, 64 * 1024).await;
    let body = br#"{"bizNo":"20261121-0002"}"#.to_vec();
    let resp = transport(&server, &keys, true)
        .send(ECHO, body.clone(), &never_unknown)
        .await
        .expect("verified, decrypted response");
    let v = json(&resp.body);
    assert_eq!(v["echo"]["bizNo"], "20261121-0002");
    assert_eq!(v["encrypted"], true);
    assert!(
        resp.headers["encrypt"]
            .to_str()
            .expect("ascii")
            .starts_with("algorithm=RSA_AES,keyVersion=1,symmetricKey=")
    );
    assert!(
        resp.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain")
    );
    let seen = server.seen.bodies.lock().expect("lock");
    assert_eq!(seen[0].0, body);
    assert!(seen[0].1.encrypted);
    // Outside the layer, the exchange's plaintext rides along as an extension: the
    // request as the handler saw it and the answer before it was sealed.
    let decrypted = server.seen.decrypted.lock().expect("lock");
    let plain = decrypted[0]
        .as_ref()
        .expect("an encrypted answer carries its plaintext");
    assert_eq!(plain.request.as_ref(), body.as_slice());
    assert_eq!(plain.response.as_ref(), resp.body.as_slice());
}

#[tokio::test]
async fn a_plain_exchange_carries_no_plaintext_extension() {
    let keys = keys();
    let server = start_server(&keys, true, 64 * 1024).await;
    transport(&server, &keys, false)
        .send(ECHO, b"{}".to_vec(), &never_unknown)
        .await
        .expect("verified response");
    let decrypted = server.seen.decrypted.lock().expect("lock");
    assert_eq!(decrypted.len(), 1);
    assert!(decrypted[0].is_none());
}

#[tokio::test]
async fn a_response_signed_by_another_key_is_outcome_unknown_never_success() {
    let keys = keys();
    let server = start_server(&keys, false, 64 * 1024).await;
    let impostor = Server {
        base_url: server.base_url.clone(),
        seen: server.seen.clone(),
        // The client expects the partner's own key, so the server's signature cannot match.
        server_public: keys.partner.public_key(),
    };
    let err = transport(&impostor, &keys, false)
        .send(ECHO, b"{}".to_vec(), &never_unknown)
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::ResponseSignature(_)), "{err}");
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn non_200_is_outcome_unknown() {
    let keys = keys();
    let server = start_server(&keys, false, 64 * 1024).await;
    let err = transport(&server, &keys, false)
        .send(BROKEN, b"{}".to_vec(), &never_unknown)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TransportError::Status { status: 503, .. }),
        "{err}"
    );
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error_with_a_known_outcome() {
    let keys = keys();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let config = ClientConfig::new(
        format!("http://{addr}"),
        CLIENT_ID,
        Arc::new(KeySigner::new(keys.partner.clone(), Some(1))),
        keys.server.public_key(),
    );
    let err = Transport::new(config)
        .expect("valid")
        .send(ECHO, b"{}".to_vec(), &never_unknown)
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Connect { .. }), "{err}");
    assert!(!err.outcome_unknown());
}

#[tokio::test]
async fn a_u_result_is_retried_with_the_same_body_bytes() {
    let keys = keys();
    let server = start_server(&keys, false, 64 * 1024).await;
    let mut config = ClientConfig::new(
        server.base_url.clone(),
        CLIENT_ID,
        Arc::new(KeySigner::new(keys.partner.clone(), Some(1))),
        server.server_public.clone(),
    )
    .with_retry(RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
    });
    config.request_timeout = Duration::from_secs(10);
    let is_unknown =
        |r: &RawResponse| json(&r.body)["result"]["resultStatus"] == serde_json::json!("U");
    let body = br#"{"bizNo":"R-1"}"#.to_vec();
    let resp = Transport::new(config)
        .expect("valid")
        .send(FLAKY, body.clone(), &is_unknown)
        .await
        .expect("second attempt succeeds");
    assert_eq!(json(&resp.body)["result"]["resultStatus"], "S");
    assert_eq!(server.seen.flaky_calls.load(Ordering::SeqCst), 2);
    let seen = server.seen.bodies.lock().expect("lock");
    assert!(seen.iter().all(|(b, _)| *b == body));
}

// ---- rejections, with hand-made requests ---------------------------------------------

struct RawRequest {
    path: &'static str,
    client_id: String,
    time: String,
    content_type: &'static str,
    body: Vec<u8>,
    signer: PrivateKey,
    key_version: Option<u32>,
    /// Replaces the signature header's algorithm name when set.
    algorithm: Option<&'static str>,
    tamper_body: bool,
}

impl RawRequest {
    fn new(keys: &Keys) -> Self {
        RawRequest {
            path: ECHO,
            client_id: CLIENT_ID.to_owned(),
            time: alipayhk_runtime::time::now_header_value(),
            content_type: "application/json; charset=UTF-8",
            body: br#"{"bizNo":"X"}"#.to_vec(),
            signer: keys.partner.clone(),
            key_version: Some(1),
            algorithm: None,
            tamper_body: false,
        }
    }

    /// Sends the request, checks the response signature with the server key, and returns
    /// the HTTP status and the result object.
    async fn send(self, server: &Server) -> (u16, serde_json::Value) {
        let content = SignedContent {
            method: "POST",
            path: self.path,
            client_id: &self.client_id,
            time: &self.time,
            body: &self.body,
        }
        .to_bytes();
        let mut signature = KeySigner::new(self.signer.clone(), self.key_version)
            .sign_header_now(&content)
            .expect("signs")
            .to_header_value();
        if let Some(alg) = self.algorithm {
            signature = signature.replace("RSA256", alg);
        }
        let mut body = self.body.clone();
        if self.tamper_body {
            body.push(b' ');
        }
        let resp = reqwest::Client::new()
            .post(format!("{}{}", server.base_url, self.path))
            .header("Client-Id", &self.client_id)
            .header("Request-Time", &self.time)
            .header("Signature", signature)
            .header("Content-Type", self.content_type)
            .body(body)
            .send()
            .await
            .expect("server answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let raw = resp.bytes().await.expect("body").to_vec();
        let header = |n: &str| headers[n].to_str().expect("ascii").to_owned();
        let sig = SignatureHeader::parse(&header("signature")).expect("signed rejection");
        let content = SignedContent {
            method: "POST",
            path: self.path,
            client_id: &header("client-id"),
            time: &header("response-time"),
            body: &raw,
        }
        .to_bytes();
        verify(&server.server_public, &content, &sig).expect("rejection signature verifies");
        assert!(!header("tracer-id").is_empty());
        (status, json(&raw))
    }
}

fn assert_rejected(result: &(u16, serde_json::Value), reason: RejectReason, mentions: &str) {
    let (status, body) = result;
    assert_eq!(*status, 200);
    let r = &body["result"];
    assert_eq!(r["resultCode"], reason.as_str().to_uppercase(), "{body}");
    assert_eq!(r["resultStatus"], "F");
    let message = r["resultMessage"].as_str().expect("message");
    assert!(
        message.starts_with(&format!("documented message for {reason} (")),
        "{message}"
    );
    assert!(
        message.contains(mentions),
        "{message:?} should mention {mentions:?}"
    );
}

#[tokio::test]
async fn rejections_name_the_problem_and_are_signed() {
    let keys = keys();
    let server = start_server(&keys, false, 1024).await;

    let mut r = RawRequest::new(&keys);
    r.tamper_body = true;
    assert_rejected(
        &r.send(&server).await,
        RejectReason::InvalidSignature,
        "Signature",
    );

    let mut r = RawRequest::new(&keys);
    r.signer = keys.server.clone();
    assert_rejected(
        &r.send(&server).await,
        RejectReason::InvalidSignature,
        "Signature",
    );

    let mut r = RawRequest::new(&keys);
    r.client_id = "SOMEONE_ELSE".into();
    assert_rejected(
        &r.send(&server).await,
        RejectReason::UnknownClient,
        "SOMEONE_ELSE",
    );

    let mut r = RawRequest::new(&keys);
    r.time = "2020-01-01T00:00:00+00:00".into();
    assert_rejected(
        &r.send(&server).await,
        RejectReason::RequestTimeOutOfWindow,
        "Request-Time",
    );

    let mut r = RawRequest::new(&keys);
    r.time = "1716360141000".into();
    assert_rejected(
        &r.send(&server).await,
        RejectReason::RequestTimeOutOfWindow,
        "ISO-8601",
    );

    let mut r = RawRequest::new(&keys);
    r.content_type = "text/plain";
    assert_rejected(
        &r.send(&server).await,
        RejectReason::UnsupportedMediaType,
        "text/plain",
    );

    let mut r = RawRequest::new(&keys);
    r.body = vec![b' '; 2048];
    assert_rejected(
        &r.send(&server).await,
        RejectReason::BodyTooLarge,
        "1024 bytes",
    );

    // The router has no explicit fallback: `Router::layer` still covers unmatched paths.
    let mut r = RawRequest::new(&keys);
    r.path = "/api/nowhere";
    assert_rejected(
        &r.send(&server).await,
        RejectReason::UnknownApi,
        "/api/nowhere",
    );

    assert!(
        server.seen.bodies.lock().expect("lock").is_empty(),
        "handler never ran"
    );
}

#[tokio::test]
async fn rejection_uses_the_routes_result_field() {
    let keys = keys();
    let server = start_server(&keys, false, 1024).await;
    let mut r = RawRequest::new(&keys);
    r.path = ECHO_INFO;
    r.tamper_body = true;
    let (_, body) = r.send(&server).await;
    assert_eq!(
        body["resultInfo"]["resultCode"], "INVALID_SIGNATURE",
        "{body}"
    );
    assert!(body.get("result").is_none());
}

#[tokio::test]
async fn missing_signature_header_is_named() {
    let keys = keys();
    let server = start_server(&keys, false, 1024).await;
    let resp = reqwest::Client::new()
        .post(format!("{}{}", server.base_url, ECHO))
        .header("Client-Id", CLIENT_ID)
        .header("Request-Time", alipayhk_runtime::time::now_header_value())
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("answers");
    let v = json(&resp.bytes().await.expect("body"));
    assert_eq!(v["result"]["resultCode"], "MISSING_HEADER");
    assert!(
        v["result"]["resultMessage"]
            .as_str()
            .expect("message")
            .contains("Signature header is missing")
    );
}

#[tokio::test]
async fn unknown_key_version_and_unsupported_algorithm_are_rejected() {
    let keys = keys();
    let server = start_server(&keys, false, 1024).await;

    let mut r = RawRequest::new(&keys);
    r.key_version = Some(7);
    assert_rejected(
        &r.send(&server).await,
        RejectReason::UnknownKeyVersion,
        "keyVersion 7",
    );

    let mut r = RawRequest::new(&keys);
    r.algorithm = Some("ECC224");
    assert_rejected(
        &r.send(&server).await,
        RejectReason::InvalidSignature,
        "not supported: no public definition",
    );

    // No keyVersion means the client's latest key, which is version 1 here.
    let mut r = RawRequest::new(&keys);
    r.key_version = None;
    let (_, body) = r.send(&server).await;
    assert_eq!(body["result"]["resultCode"], "SUCCESS", "{body}");
}

#[tokio::test]
async fn an_encrypted_request_to_a_server_without_a_decryption_key_gets_a_signed_plain_rejection() {
    let keys = keys();
    let server = start_server(&keys, false, 64 * 1024).await;
    let resp = transport(&server, &keys, true)
        .send(ECHO, br#"{"bizNo":"E-1"}"#.to_vec(), &never_unknown)
        .await
        .expect("the rejection is signed, so it is returned verified");
    let v = json(&resp.body);
    assert_eq!(v["result"]["resultCode"], "DECRYPTION_FAILED", "{v}");
    assert!(!resp.headers.contains_key("encrypt"));
}

#[tokio::test]
async fn connect_failures_are_retried_and_still_report_a_known_outcome() {
    let keys = keys();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let config = ClientConfig::new(
        format!("http://{addr}"),
        CLIENT_ID,
        Arc::new(KeySigner::new(keys.partner.clone(), Some(1))),
        keys.server.public_key(),
    )
    .with_retry(RetryPolicy {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(1),
    });
    let err = Transport::new(config)
        .expect("valid")
        .send(ECHO, b"{}".to_vec(), &never_unknown)
        .await
        .unwrap_err();
    assert!(!err.outcome_unknown(), "{err}");
}

#[tokio::test]
async fn an_unsigned_200_response_is_outcome_unknown_never_success() {
    let keys = keys();
    // A server that answers "S" but does not sign: the client must not believe it.
    let app = Router::new().route(
        ECHO,
        post(|| async { r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S"}}"# }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let config = ClientConfig::new(
        format!("http://{addr}"),
        CLIENT_ID,
        Arc::new(KeySigner::new(keys.partner.clone(), Some(1))),
        keys.server.public_key(),
    );
    let err = Transport::new(config)
        .expect("valid")
        .send(ECHO, b"{}".to_vec(), &never_unknown)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TransportError::MissingResponseHeader("Signature")),
        "{err}"
    );
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn a_request_without_client_id_gets_no_empty_client_id_back() {
    let keys = keys();
    let server = start_server(&keys, false, 1024).await;
    let resp = reqwest::Client::new()
        .post(format!("{}{}", server.base_url, ECHO))
        .header("Request-Time", alipayhk_runtime::time::now_header_value())
        .header("Signature", "algorithm=RSA256,keyVersion=1,signature=AAAA")
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("answers");
    assert!(
        !resp.headers().contains_key("client-id"),
        "{:?}",
        resp.headers()
    );
    assert_eq!(
        resp.headers()["content-type"],
        "application/json; charset=UTF-8"
    );
    let v = json(&resp.bytes().await.expect("body"));
    assert_eq!(v["result"]["resultCode"], "MISSING_HEADER");
}
