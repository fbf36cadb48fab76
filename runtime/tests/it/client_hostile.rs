//! The client against servers on 127.0.0.1 that answer badly on purpose: redirects,
//! oversize bodies (with and without `Content-Length`), and validly signed answers that are
//! stale, from the future or addressed to another partner. Every one is an unknown outcome.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alipayhk_runtime::client::{
    ClientConfig, DEFAULT_MAX_RESPONSE_BYTES, RawResponse, RetryPolicy, Transport, TransportError,
};
use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::signature::{KeySigner, SignedContent};
use alipayhk_runtime::time::{TimeError, format_time};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

const CLIENT_ID: &str = "HARDENING_CLIENT";
const PATH: &str = "/api/open/alipay/v1/promotion/benefit/issue";
const SUCCESS: &str =
    r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#;

/// A fresh pair of real RSA-2048 keys.
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

fn config(base_url: String, keys: &Keys) -> ClientConfig {
    ClientConfig::new(
        base_url,
        CLIENT_ID,
        Arc::new(KeySigner::new(keys.partner.clone(), Some(1))),
        keys.server.public_key(),
    )
    .with_timeouts(Duration::from_secs(5), Duration::from_secs(10))
}

async fn send(config: ClientConfig) -> Result<RawResponse, TransportError> {
    Transport::new(config)
        .expect("valid config")
        .send(PATH, br#"{"bizNo":"HARDEN-1"}"#.to_vec(), &|_| false)
        .await
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// A listener that counts every request it gets, whatever the method or path.
async fn counting_listener() -> (SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .fallback(|State(hits): State<Arc<AtomicUsize>>| async move {
            hits.fetch_add(1, Ordering::SeqCst);
            SUCCESS
        })
        .with_state(hits.clone());
    (serve(app).await, hits)
}

// ---- redirects -----------------------------------------------------------------------

#[tokio::test]
async fn a_redirect_is_an_unknown_outcome_and_is_never_followed() {
    let keys = keys();
    let (elsewhere, elsewhere_hits) = counting_listener().await;
    let location = format!("http://user:pw@{elsewhere}{PATH}?token=SECRET-TOKEN#frag");
    for status in [301u16, 302, 303, 307, 308] {
        let hits = Arc::new(AtomicUsize::new(0));
        let location = location.clone();
        let app = Router::new()
            .fallback(move |State(hits): State<Arc<AtomicUsize>>| {
                let location = location.clone();
                async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    let status = StatusCode::from_u16(status).expect("3xx");
                    (status, [("location", location)], "moved")
                }
            })
            .with_state(hits.clone());
        let redirector = serve(app).await;
        // With retries on: a redirect is not retried either (it would answer the same).
        let config = config(format!("http://{redirector}"), &keys).with_retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
        });
        let err = send(config).await.expect_err("a redirect is not an answer");
        assert!(
            matches!(&err, TransportError::Redirect { status: s, .. } if *s == status),
            "{status}: {err:?}"
        );
        assert!(err.outcome_unknown(), "{status}");
        let message = err.to_string();
        assert!(message.starts_with("outcome unknown:"), "{message}");
        assert!(message.contains("redirect"), "{message}");
        assert!(
            message.contains(&format!("http://{elsewhere}{PATH}")),
            "names where it pointed: {message}"
        );
        for secret in ["SECRET-TOKEN", "pw@", "user", "frag"] {
            assert!(!message.contains(secret), "leaks {secret:?}: {message}");
        }
        assert_eq!(hits.load(Ordering::SeqCst), 1, "{status}: sent once");
    }
    assert_eq!(
        elsewhere_hits.load(Ordering::SeqCst),
        0,
        "the redirect target never received the signed request"
    );
}

#[tokio::test]
async fn a_redirect_without_location_is_still_refused() {
    let keys = keys();
    let app = Router::new().fallback(|| async { StatusCode::FOUND });
    let addr = serve(app).await;
    let err = send(config(format!("http://{addr}"), &keys))
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, TransportError::Redirect { status: 302, location, .. } if location == "(no Location header)"),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
}

// ---- oversize bodies -------------------------------------------------------------------

/// How a raw HTTP/1.1 server (std thread, one connection at a time) answers.
#[derive(Clone, Copy)]
enum Oversize {
    /// `Content-Length: <n>` and then `n` bytes.
    WithLength(usize),
    /// `Content-Length: <n>` and then nothing: the connection stays open, silent.
    DeclaredOnly(usize),
    /// Chunked, `n` bytes in 64 KiB chunks.
    Chunked(usize),
    /// Chunked, without end (until the client hangs up).
    Endless,
}

/// Reads one request (headers, then `Content-Length` bytes of body).
fn read_request(stream: &mut std::net::TcpStream) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    let _ = stream.read_exact(&mut body);
}

/// Starts the raw server; returns its address and how many body bytes it managed to write.
fn oversize_server(how: Oversize) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = StdListener::bind("127.0.0.1:0").expect("bind a free port");
    let addr = listener.local_addr().expect("local addr");
    let written = Arc::new(AtomicUsize::new(0));
    let counter = written.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            read_request(&mut stream);
            let chunk = vec![b' '; 64 * 1024];
            let _ = match how {
                Oversize::WithLength(n) | Oversize::DeclaredOnly(n) => {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {n}\r\n\r\n"
                    );
                    let result = stream.write_all(head.as_bytes());
                    if let Oversize::WithLength(_) = how {
                        let mut left = n;
                        while left > 0 {
                            let part = left.min(chunk.len());
                            if stream.write_all(&chunk[..part]).is_err() {
                                break;
                            }
                            counter.fetch_add(part, Ordering::SeqCst);
                            left -= part;
                        }
                    } else {
                        std::thread::sleep(Duration::from_secs(20));
                    }
                    result
                }
                Oversize::Chunked(_) | Oversize::Endless => {
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                    let mut left = match how {
                        Oversize::Chunked(n) => n,
                        _ => usize::MAX,
                    };
                    let mut result = stream.write_all(head.as_bytes());
                    while result.is_ok() && left > 0 {
                        let part = left.min(chunk.len());
                        let mut frame = format!("{part:x}\r\n").into_bytes();
                        frame.extend_from_slice(&chunk[..part]);
                        frame.extend_from_slice(b"\r\n");
                        result = stream.write_all(&frame);
                        if result.is_ok() {
                            counter.fetch_add(part, Ordering::SeqCst);
                            left -= part;
                        }
                    }
                    if result.is_ok() {
                        result = stream.write_all(b"0\r\n\r\n");
                    }
                    result
                }
            };
        }
    });
    (addr, written)
}

const FIVE_MIB: usize = 5 * 1024 * 1024;

fn assert_too_large(err: &TransportError, limit: usize, declared: Option<u64>) {
    assert!(
        matches!(err, TransportError::ResponseTooLarge { limit: l, declared: d, .. } if *l == limit && *d == declared),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    let message = err.to_string();
    assert!(message.starts_with("outcome unknown:"), "{message}");
    assert!(message.contains("max_response_bytes"), "{message}");
}

#[tokio::test]
async fn a_5_mib_answer_with_content_length_is_an_unknown_outcome() {
    let keys = keys();
    let (addr, _) = oversize_server(Oversize::WithLength(FIVE_MIB));
    let err = send(config(format!("http://{addr}"), &keys))
        .await
        .expect_err("over the default cap");
    assert_too_large(&err, DEFAULT_MAX_RESPONSE_BYTES, Some(FIVE_MIB as u64));
}

#[tokio::test]
async fn an_oversize_content_length_is_refused_before_any_body_arrives() {
    let keys = keys();
    // The server announces 5 MiB and then sends nothing for 20 s: only the header was
    // looked at, or this would end in the 10 s request timeout instead.
    let (addr, _) = oversize_server(Oversize::DeclaredOnly(FIVE_MIB));
    let err = send(config(format!("http://{addr}"), &keys))
        .await
        .expect_err("over the default cap");
    assert_too_large(&err, DEFAULT_MAX_RESPONSE_BYTES, Some(FIVE_MIB as u64));
}

#[tokio::test]
async fn a_5_mib_chunked_answer_without_content_length_is_an_unknown_outcome() {
    let keys = keys();
    let (addr, _) = oversize_server(Oversize::Chunked(FIVE_MIB));
    let err = send(config(format!("http://{addr}"), &keys))
        .await
        .expect_err("over the default cap");
    assert_too_large(&err, DEFAULT_MAX_RESPONSE_BYTES, None);
}

#[tokio::test]
async fn an_endless_chunked_answer_stops_being_read_at_the_cap() {
    let keys = keys();
    let (addr, written) = oversize_server(Oversize::Endless);
    let limit = 256 * 1024;
    let err = send(config(format!("http://{addr}"), &keys).with_max_response_bytes(limit))
        .await
        .expect_err("over the cap");
    assert_too_large(&err, limit, None);
    // Reading stopped: the server could not push much more than the cap plus what the
    // socket buffers hold, let alone forever.
    std::thread::sleep(Duration::from_millis(200));
    let sent = written.load(Ordering::SeqCst);
    assert!(
        sent < 64 * 1024 * 1024,
        "the client kept reading: {sent} bytes"
    );
}

/// A server that answers every request with `body`, correctly signed, echoing Client-Id.
async fn signed_server(keys: &Keys, body: Vec<u8>) -> SocketAddr {
    signed_answer_server(keys.server.clone(), Answer::fresh(body)).await
}

#[tokio::test]
async fn a_custom_cap_refuses_one_byte_more_and_accepts_exactly_the_cap() {
    let keys = keys();
    let addr = signed_server(&keys, SUCCESS.as_bytes().to_vec()).await;
    let len = SUCCESS.len();
    let err = send(config(format!("http://{addr}"), &keys).with_max_response_bytes(len - 1))
        .await
        .expect_err("one byte over");
    assert_too_large(&err, len - 1, Some(len as u64));
    let resp = send(config(format!("http://{addr}"), &keys).with_max_response_bytes(len))
        .await
        .expect("exactly the cap is fine");
    assert_eq!(resp.body, SUCCESS.as_bytes());
}

#[tokio::test]
async fn the_cap_also_applies_to_non_200_answers() {
    let keys = keys();
    let app = Router::new()
        .fallback(|| async { (StatusCode::BAD_GATEWAY, vec![b'x'; 64 * 1024]).into_response() });
    let addr = serve(app).await;
    let err = send(config(format!("http://{addr}"), &keys).with_max_response_bytes(1024))
        .await
        .expect_err("over the cap");
    assert_too_large(&err, 1024, Some(64 * 1024));
}

// ---- freshness and addressee -----------------------------------------------------------

/// What a signing server puts in its answer; everything is signed correctly over it.
#[derive(Clone)]
struct Answer {
    body: Vec<u8>,
    /// `Response-Time` = now + this many seconds (negative: in the past).
    time_offset_secs: i64,
    /// Used verbatim instead of a computed time when set.
    time_verbatim: Option<String>,
    /// `Client-Id` sent back (and signed over) instead of the request's.
    client_id: Option<String>,
}

impl Answer {
    fn fresh(body: Vec<u8>) -> Self {
        Answer {
            body,
            time_offset_secs: 0,
            time_verbatim: None,
            client_id: None,
        }
    }
}

async fn answer_signed(
    State((key, answer)): State<(Arc<KeySigner>, Answer)>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    let echoed = request
        .headers()
        .get("client-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let client_id = answer.client_id.clone().unwrap_or(echoed);
    let time = answer.time_verbatim.clone().unwrap_or_else(|| {
        let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(answer.time_offset_secs);
        format_time(t)
    });
    let content = SignedContent {
        method: "POST",
        path: &path,
        client_id: &client_id,
        time: &time,
        body: &answer.body,
    }
    .to_bytes();
    let signature = key.sign_header_now(&content).expect("signs");
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        headers.insert(name, value.parse().expect("header value"));
    };
    set("content-type", "application/json; charset=UTF-8");
    set("client-id", &client_id);
    set("response-time", &time);
    set("tracer-id", "hostile-tracer");
    set("signature", &signature.to_header_value());
    (headers, answer.body).into_response()
}

async fn signed_answer_server(server_key: PrivateKey, answer: Answer) -> SocketAddr {
    let signer = Arc::new(KeySigner::new(server_key, Some(1)));
    let app = Router::new()
        .fallback(answer_signed)
        .with_state((signer, answer));
    serve(app).await
}

async fn send_to(keys: &Keys, answer: Answer) -> Result<RawResponse, TransportError> {
    let addr = signed_answer_server(keys.server.clone(), answer).await;
    send(config(format!("http://{addr}"), keys)).await
}

fn success_at(offset: i64) -> Answer {
    Answer {
        time_offset_secs: offset,
        ..Answer::fresh(SUCCESS.as_bytes().to_vec())
    }
}

#[tokio::test]
async fn a_fresh_correctly_signed_answer_is_accepted() {
    let keys = keys();
    // Control for the refusals below: the same server, a fresh time, our Client-Id.
    let resp = send_to(&keys, success_at(0)).await.expect("accepted");
    assert_eq!(resp.body, SUCCESS.as_bytes());
    // Inside the window either way.
    send_to(&keys, success_at(-240))
        .await
        .expect("4 minutes old is within 300 s");
    send_to(&keys, success_at(240))
        .await
        .expect("4 minutes ahead is within 300 s");
}

#[tokio::test]
async fn a_validly_signed_answer_ten_minutes_old_is_refused() {
    let keys = keys();
    let err = send_to(&keys, success_at(-600))
        .await
        .expect_err("a replayed old SUCCESS must not count");
    assert!(
        matches!(
            &err,
            TransportError::ResponseTime(TimeError::OutOfWindow { allowed_secs: 300, skew_secs, .. })
                if (595..=605).contains(skew_secs)
        ),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    let message = err.to_string();
    assert!(message.starts_with("outcome unknown:"), "{message}");
    assert!(message.contains("Response-Time"), "{message}");
    assert!(message.contains("away from our clock"), "{message}");
    assert!(message.contains("replay"), "{message}");
}

#[tokio::test]
async fn a_validly_signed_answer_from_beyond_the_window_in_the_future_is_refused() {
    let keys = keys();
    let err = send_to(&keys, success_at(600)).await.expect_err("refused");
    assert!(
        matches!(
            &err,
            TransportError::ResponseTime(TimeError::OutOfWindow { .. })
        ),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn the_window_is_configurable() {
    let keys = keys();
    let addr = signed_answer_server(keys.server.clone(), success_at(-600)).await;
    let wide =
        config(format!("http://{addr}"), &keys).with_response_time_window(Duration::from_secs(900));
    send(wide).await.expect("10 minutes old is within 900 s");
    let addr = signed_answer_server(keys.server.clone(), success_at(-60)).await;
    let narrow =
        config(format!("http://{addr}"), &keys).with_response_time_window(Duration::from_secs(30));
    let err = send(narrow)
        .await
        .expect_err("1 minute old is outside 30 s");
    assert!(
        matches!(
            &err,
            TransportError::ResponseTime(TimeError::OutOfWindow {
                allowed_secs: 30,
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_validly_signed_unparsable_response_time_is_refused() {
    let keys = keys();
    let answer = Answer {
        time_verbatim: Some("1716360141000".into()),
        ..Answer::fresh(SUCCESS.as_bytes().to_vec())
    };
    let err = send_to(&keys, answer).await.expect_err("refused");
    assert!(
        matches!(&err, TransportError::ResponseTime(TimeError::Unparsable(v)) if v == "1716360141000"),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    assert!(
        err.to_string().contains("not an ISO-8601 date-time"),
        "{err}"
    );
}

#[tokio::test]
async fn a_validly_signed_answer_for_another_client_id_is_refused() {
    let keys = keys();
    let answer = Answer {
        client_id: Some("SOMEONE_ELSE".into()),
        ..Answer::fresh(SUCCESS.as_bytes().to_vec())
    };
    let err = send_to(&keys, answer)
        .await
        .expect_err("not addressed to us");
    assert!(
        matches!(
            &err,
            TransportError::ClientIdMismatch { expected, received }
                if expected == CLIENT_ID && received == "SOMEONE_ELSE"
        ),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    let message = err.to_string();
    assert!(message.starts_with("outcome unknown:"), "{message}");
    assert!(
        message.contains("SOMEONE_ELSE") && message.contains(CLIENT_ID),
        "{message}"
    );
}

#[tokio::test]
async fn a_signed_answer_without_client_id_is_refused() {
    let keys = keys();
    // Signed over our id, but the header is absent: the client no longer assumes it.
    let signer = KeySigner::new(keys.server.clone(), Some(1));
    let app = Router::new().fallback(move || {
        let time = alipayhk_runtime::time::now_header_value();
        let content = SignedContent {
            method: "POST",
            path: PATH,
            client_id: CLIENT_ID,
            time: &time,
            body: SUCCESS.as_bytes(),
        }
        .to_bytes();
        let signature = signer
            .sign_header_now(&content)
            .expect("signs")
            .to_header_value();
        async move { ([("response-time", time), ("signature", signature)], SUCCESS) }
    });
    let addr = serve(app).await;
    let err = send(config(format!("http://{addr}"), &keys))
        .await
        .expect_err("refused");
    assert!(
        matches!(err, TransportError::MissingResponseHeader("Client-Id")),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
}
