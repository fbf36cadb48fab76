//! The server half under hostile traffic, over real HTTP on 127.0.0.1: connection
//! deadlines and cap of `server::serve`, and one answer for every decryption failure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::served_api;
use alipayhk_runtime::encryption::{self, EncryptHeader};
use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::server::{
    InMemoryKeyStore, ListenerLimits, ServerConfig, SigningLayer, serve,
};
use alipayhk_runtime::signature::{KeySigner, SignedContent};
use axum::Router;
use axum::routing::post;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const CLIENT_ID: &str = "HOSTILE_CLIENT";
const PATH: &str = "/api/echo";
const SLOW: &str = "/api/slow";

fn limits(
    header_ms: u64,
    body_ms: u64,
    keep_alive_ms: u64,
    max_connections: usize,
) -> ListenerLimits {
    ListenerLimits {
        max_connections,
        header_timeout: Duration::from_millis(header_ms),
        body_timeout: Duration::from_millis(body_ms),
        keep_alive_timeout: Duration::from_millis(keep_alive_ms),
    }
}

/// A plain router (no signing) behind `serve` with `limits`; returns its address.
async fn start_plain(limits: ListenerLimits) -> std::net::SocketAddr {
    let app = Router::new()
        .route(PATH, post(|body: axum::body::Bytes| async move { body }))
        .route(
            SLOW,
            // Ignores its body on purpose: an unread body must not stall the answer.
            post(|| async {
                // Longer than every deadline the tests configure: handler time is not the
                // peer's fault and must not cut the connection.
                tokio::time::sleep(Duration::from_millis(900)).await;
                "slow answer"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(serve(listener, app, limits, std::future::pending()));
    addr
}

/// Reads until the server closes the connection (EOF or reset), at most `limit`.
/// Returns what was read and how long it took, or `None` if it stayed open.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<(Vec<u8>, Duration)> {
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.checked_sub(started.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some((seen, started.elapsed())),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

fn request(path: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_header_deadline() {
    let addr = start_plain(limits(300, 5_000, 5_000, 16)).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let (_, took) = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("closed by the header deadline, long before 5 s");
    assert!(
        took >= Duration::from_millis(250),
        "closed too early: {took:?}"
    );
}

#[tokio::test]
async fn a_head_that_never_ends_is_closed_at_the_header_deadline() {
    let addr = start_plain(limits(300, 5_000, 5_000, 16)).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(format!("POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a").as_bytes())
        .await
        .expect("send part of a head");
    // Keep dribbling header bytes: progress must not extend the deadline.
    let dribble = async {
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if stream.write_all(b"a").await.is_err() {
                break;
            }
        }
    };
    let started = Instant::now();
    dribble.await;
    let closed = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "a dribbled head must be cut off");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_body_that_stalls_is_closed_at_the_body_deadline_without_an_answer() {
    let addr = start_plain(limits(5_000, 300, 5_000, 16)).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(
            format!(
                "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789"
            )
            .as_bytes(),
        )
        .await
        .expect("send head and part of the body");
    let (answer, took) = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("closed by the body deadline, long before 5 s");
    assert!(
        took >= Duration::from_millis(250),
        "closed too early: {took:?}"
    );
    assert!(
        !String::from_utf8_lossy(&answer).contains("0123456789"),
        "a partial body is never handed to the handler"
    );
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_at_the_keep_alive_deadline() {
    let addr = start_plain(limits(5_000, 5_000, 300, 16)).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(request(PATH, "{}").as_bytes())
        .await
        .expect("send a request");
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await.expect("an answer");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let (_, took) = read_until_closed(&mut stream, Duration::from_secs(4))
        .await
        .expect("closed by the keep-alive deadline (not the 5 s header deadline)");
    assert!(took < Duration::from_secs(4));
}

#[tokio::test]
async fn a_slow_handler_is_not_cut_by_the_body_deadline() {
    let addr = start_plain(limits(300, 300, 300, 16)).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(request(SLOW, "{}").as_bytes())
        .await
        .expect("send a request");
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("answered, then closed when idle");
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 200") && text.ends_with("slow answer"),
        "{text:?}"
    );
}

#[tokio::test]
async fn at_the_cap_a_new_connection_closes_the_longest_idle_one() {
    let addr = start_plain(limits(10_000, 10_000, 10_000, 2)).await;
    let mut oldest = TcpStream::connect(addr).await.expect("connect 1");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut younger = TcpStream::connect(addr).await.expect("connect 2");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut third = TcpStream::connect(addr).await.expect("connect 3");
    third
        .write_all(request(PATH, "{\"n\":3}").as_bytes())
        .await
        .expect("send");
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(3), third.read(&mut buf))
        .await
        .expect("served long before the 10 s header deadline frees a slot")
        .expect("read");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(
        text.starts_with("HTTP/1.1 200") && text.contains("{\"n\":3}"),
        "{text}"
    );
    assert!(
        read_until_closed(&mut oldest, Duration::from_secs(2))
            .await
            .is_some(),
        "the oldest idle connection made room"
    );
    // The younger one is still open and can still be served.
    younger
        .write_all(request(PATH, "{\"n\":2}").as_bytes())
        .await
        .expect("send");
    let n = tokio::time::timeout(Duration::from_secs(3), younger.read(&mut buf))
        .await
        .expect("served")
        .expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("{\"n\":2}"));
}

#[tokio::test]
async fn at_the_cap_requests_in_flight_are_never_cut_and_newcomers_wait_unread() {
    let addr = start_plain(limits(10_000, 10_000, 10_000, 2)).await;
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(request(SLOW, "{}").as_bytes())
            .await
            .expect("send");
        busy.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = TcpStream::connect(addr)
        .await
        .expect("the backlog takes it");
    third
        .write_all(request(PATH, "{\"n\":3}").as_bytes())
        .await
        .expect("send");
    let mut buf = [0u8; 1024];
    let early = tokio::time::timeout(Duration::from_millis(300), third.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "both slots are busy: the newcomer must wait"
    );
    for mut s in busy {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("the slow answers arrive")
            .expect("read");
        assert!(String::from_utf8_lossy(&buf[..n]).ends_with("slow answer"));
    }
    let n = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf))
        .await
        .expect("served once a slot frees")
        .expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("{\"n\":3}"));
}

#[tokio::test]
async fn cleartext_http2_is_not_spoken() {
    let addr = start_plain(ListenerLimits::default()).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .expect("send the h2 preface");
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("the connection is closed");
    // hyper's HTTP/1 parser answers the preface with an error status or just closes;
    // either way no HTTP/2 frame (a SETTINGS frame starts with a 3-byte length) comes back.
    let text = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || text.starts_with("HTTP/1.1 "),
        "{text:?}"
    );
}

/// A normal request is served while 200 connections stall in their heads.
#[tokio::test]
async fn a_normal_call_is_served_while_200_connections_stall() {
    let addr = start_plain(limits(30_000, 30_000, 30_000, 1024)).await;
    let mut stalled = Vec::new();
    for _ in 0..200 {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"POST /api/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .await
            .expect("partial head");
        stalled.push(s);
    }
    let started = Instant::now();
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}{PATH}"))
        .body("{\"ok\":true}")
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("served");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.expect("body"), "{\"ok\":true}");
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(stalled);
}

// ---- decryption: one answer, whatever went wrong ----

struct Signed {
    addr: std::net::SocketAddr,
    partner: PrivateKey,
    server: PrivateKey,
}

async fn start_signed() -> Signed {
    let partner = PrivateKey::generate_rsa2048().expect("partner key");
    let server = PrivateKey::generate_rsa2048().expect("server key");
    let store = InMemoryKeyStore::new().with_key(CLIENT_ID, 1, partner.public_key());
    let config = ServerConfig::new(
        Arc::new(KeySigner::new(server.clone(), Some(1))),
        Arc::new(store),
    )
    .with_decryption_key(server.clone());
    let app = Router::new()
        .route(
            PATH,
            post(|| async { "{\"result\":{\"resultCode\":\"SUCCESS\",\"resultStatus\":\"S\"}}" }),
        )
        .layer(SigningLayer::new(served_api(&[(PATH, "result")]), config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(serve(
        listener,
        app,
        ListenerLimits::default(),
        std::future::pending(),
    ));
    Signed {
        addr,
        partner,
        server,
    }
}

/// Sends a correctly signed request with `content_type`, `encrypt` and `body`; returns
/// the status, the headers that are not volatile, and the body bytes.
async fn send_signed(
    server: &Signed,
    content_type: &str,
    encrypt: Option<&str>,
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let time = alipayhk_runtime::time::now_header_value();
    let content = SignedContent {
        method: "POST",
        path: PATH,
        client_id: CLIENT_ID,
        time: &time,
        body,
    }
    .to_bytes();
    let signature = KeySigner::new(server.partner.clone(), Some(1))
        .sign_header_now(&content)
        .expect("signs")
        .to_header_value();
    let mut request = reqwest::Client::new()
        .post(format!("http://{}{PATH}", server.addr))
        .header("Client-Id", CLIENT_ID)
        .header("Request-Time", time)
        .header("Signature", signature)
        .header("Content-Type", content_type)
        .body(body.to_vec());
    if let Some(value) = encrypt {
        request = request.header("Encrypt", value);
    }
    let response = request.send().await.expect("answered");
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "response-time" | "signature" | "tracer-id" | "date"
            )
        })
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("?").to_owned()))
        .collect();
    headers.sort();
    (
        status,
        headers,
        response.bytes().await.expect("body").to_vec(),
    )
}

#[tokio::test]
async fn every_decryption_failure_gets_the_same_answer() {
    let server = start_signed().await;
    let sealed =
        encryption::seal(&server.server.public_key(), Some(1), b"{\"bizNo\":\"X\"}").expect("seal");
    let header = |wrapped: Vec<u8>| {
        EncryptHeader {
            wrapped_key: wrapped,
            ..sealed.header.clone()
        }
        .to_header_value()
    };
    let mut flipped = sealed.header.wrapped_key.clone();
    flipped[17] ^= 0x40;
    let mut random = vec![0u8; 256];
    for (i, b) in random.iter_mut().enumerate() {
        *b = (i * 37 % 251) as u8;
    }
    let text_plain = "text/plain; charset=UTF-8";
    let cases: Vec<(&str, String, Vec<u8>)> = vec![
        // A wrap that does not unwrap (padding wrong), under a valid body.
        ("flipped wrap", header(flipped), sealed.body.clone()),
        // Not even the modulus's shape.
        ("random wrap", header(random), sealed.body.clone()),
        // A good wrap, with a body that does not decrypt under it.
        (
            "good wrap, garbage body",
            sealed.header.to_header_value(),
            b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw".to_vec(),
        ),
        // A good wrap, with a body that is not base64.
        (
            "good wrap, non-base64 body",
            sealed.header.to_header_value(),
            b"%%%%".to_vec(),
        ),
        // A header that does not parse.
        (
            "malformed header",
            "algorithm=RSA_AES,keyVersion=1,symmetricKey=***".to_owned(),
            sealed.body.clone(),
        ),
    ];
    let mut answers = Vec::new();
    for (name, encrypt, body) in &cases {
        answers.push((
            name,
            send_signed(&server, text_plain, Some(encrypt), body).await,
        ));
    }
    let (_, first) = &answers[0];
    let message: serde_json::Value = serde_json::from_slice(&first.2).expect("JSON");
    assert_eq!(
        message["result"]["resultCode"], "DECRYPTION_FAILED",
        "{message}"
    );
    assert_eq!(
        message["result"]["resultMessage"], "documented message for decryption_failed",
        "no detail on the wire"
    );
    for (name, answer) in &answers[1..] {
        assert_eq!(
            answer, first,
            "{name} must be answered exactly like {}",
            answers[0].0
        );
    }
    // The good request on the same server still works, so the cases above failed for
    // their defect alone.
    let ok = send_signed(
        &server,
        text_plain,
        Some(&sealed.header.to_header_value()),
        &sealed.body,
    )
    .await;
    assert_eq!(ok.0, 200);
    assert!(ok.1.iter().any(|(n, _)| n == "encrypt"), "encrypted answer");
}

#[tokio::test]
async fn an_encrypt_header_on_a_json_body_is_not_honoured() {
    let server = start_signed().await;
    let sealed =
        encryption::seal(&server.server.public_key(), Some(1), b"{\"bizNo\":\"X\"}").expect("seal");
    let (status, headers, body) = send_signed(
        &server,
        "application/json; charset=UTF-8",
        Some(&sealed.header.to_header_value()),
        &sealed.body,
    )
    .await;
    let message: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(status, 200);
    assert_eq!(
        message["result"]["resultCode"], "UNSUPPORTED_MEDIA_TYPE",
        "{message}"
    );
    assert!(!headers.iter().any(|(n, _)| n == "encrypt"));
}

/// Sends only a head announcing a body that never comes; returns the answer's result
/// code, which must arrive without waiting for the body.
async fn answer_to_head_only(
    server: &Signed,
    extra_headers: &str,
    content_length: usize,
) -> String {
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {content_length}\r\n{extra_headers}\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // The body deadline is 30 s; an answer within 5 s proves the body was not awaited.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !String::from_utf8_lossy(&answer).contains("resultCode") {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buf[..n]),
            other => panic!("no answer before the body: {other:?}"),
        }
    }
    let text = String::from_utf8_lossy(&answer);
    let code = text.split("\"resultCode\":\"").nth(1).expect("a code");
    code[..code.find('"').expect("closing quote")].to_owned()
}

#[tokio::test]
async fn header_checks_answer_before_the_body_is_read() {
    let server = start_signed().await;
    let now = alipayhk_runtime::time::now_header_value();
    let signature = "Signature: algorithm=RSA256,keyVersion=1,signature=AAAA\r\n";
    assert_eq!(
        answer_to_head_only(
            &server,
            &format!("Client-Id: {CLIENT_ID}\r\nRequest-Time: {now}\r\n{signature}"),
            2 * 1024 * 1024
        )
        .await,
        "BODY_TOO_LARGE"
    );
    assert_eq!(
        answer_to_head_only(
            &server,
            &format!("Client-Id: NOBODY\r\nRequest-Time: {now}\r\n{signature}"),
            1000
        )
        .await,
        "UNKNOWN_CLIENT"
    );
    assert_eq!(
        answer_to_head_only(
            &server,
            &format!("Client-Id: {CLIENT_ID}\r\nRequest-Time: {now}\r\nSignature: algorithm=RSA256,keyVersion=9,signature=AAAA\r\n"),
            1000
        )
        .await,
        "UNKNOWN_KEY_VERSION"
    );
    assert_eq!(
        answer_to_head_only(
            &server,
            &format!(
                "Client-Id: {CLIENT_ID}\r\nRequest-Time: 2001-01-01T00:00:00+08:00\r\n{signature}"
            ),
            1000
        )
        .await,
        "REQUEST_TIME_OUT_OF_WINDOW"
    );
}

#[tokio::test]
async fn an_oversized_head_is_refused() {
    let addr = start_plain(ListenerLimits::default()).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let filler = "a".repeat(20 * 1024);
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: {filler}\r\nContent-Length: 0\r\n\r\n"
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("closed");
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 431"),
        "{text:?}"
    );
    assert!(!text.contains(" 200 "), "{text:?}");
}

#[tokio::test]
async fn an_answer_to_head_is_signed_over_the_empty_body_it_carries() {
    let server = start_signed().await;
    let response = reqwest::Client::new()
        .head(format!("http://{}{PATH}", server.addr))
        .send()
        .await
        .expect("answered");
    let header = |name: &str| response.headers()[name].to_str().expect("ascii").to_owned();
    let signature =
        alipayhk_runtime::signature::SignatureHeader::parse(&header("signature")).expect("signed");
    let content = SignedContent {
        method: "HEAD",
        path: PATH,
        client_id: "",
        time: &header("response-time"),
        body: b"",
    }
    .to_bytes();
    alipayhk_runtime::signature::verify(&server.server.public_key(), &content, &signature)
        .expect("the signature covers what was sent: nothing");
}
