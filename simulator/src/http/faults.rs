//! Transport faults: a layer around the signed API that breaks the wire on purpose.
//!
//! A [`FaultRule`](crate::domain::rules::FaultRule) is matched here, outside the runtime's signing
//! layer, so a fault acts on exactly what a partner's client receives: the connection is
//! closed without an answer (before or after the operation ran and committed), or the
//! signed answer loses its body, its signature or its freshness, becomes a proxy's HTML
//! error page, or is held back. Every fault except `reset_before` lets the operation run
//! and commit first, because that is the case that loses money: the points moved and the
//! partner does not know. A correct client reports each of them as "outcome unknown".
//!
//! Matching a rule that names a user needs the caller's user id from the body, so only
//! then is the body read here (up to the configured limit, after which it is handed on
//! unchanged). An `RSA_AES`-encrypted body is decrypted for that, with the simulator's own
//! key (the one it signs with, which is also the signing layer's decryption key), but only
//! once its signature verifies with the caller's registered key, as `encryption::open`
//! requires (no decryption of unauthenticated bytes, so no oracle); the signing layer still
//! checks and decrypts the untouched bytes itself. A body that does not verify or decrypt
//! names no user, and the request goes on to the signing layer, which refuses it.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use alipayhk_api::OperationId;
use alipayhk_runtime::encryption::{self, EncryptHeader};
use alipayhk_runtime::headers::{
    CLIENT_ID, CONTENT_TYPE, ENCRYPT, REQUEST_TIME, RESPONSE_TIME, SIGNATURE,
};
use alipayhk_runtime::server::{ClientKeyStore, KeyLookup};
use alipayhk_runtime::signature::{KeySigner, SignatureHeader, SignedContent, verify};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde_json::Value;

use crate::core::Simulator;
use crate::domain::rules::{Fault, FaultInterest};

/// How old a `stale_response_time` answer claims to be: far outside any client's window.
const STALE_BY: time::Duration = time::Duration::hours(1);
/// Our own answers are small; this only bounds the buffer of one faulty answer.
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;
/// What `garbage_body` sends: not JSON, not UTF-8.
const GARBAGE: &[u8] = b"\x00\xff\xfe<<not json>>\x1b[0m";

#[derive(Clone)]
struct FaultState {
    simulator: Simulator,
    signer: Arc<KeySigner>,
    key_store: Arc<dyn ClientKeyStore>,
    max_body_bytes: usize,
}

/// Wraps the signed API `router` so that fault rules of `simulator` apply to its calls.
/// `signer` is the simulator's own (a stale answer is validly signed); `key_store` holds the
/// partners' keys (an encrypted body is decrypted only once its signature verifies);
/// `max_body_bytes` bounds the body read to find a rule's user.
pub fn layer(
    router: axum::Router,
    simulator: Simulator,
    signer: Arc<KeySigner>,
    key_store: Arc<dyn ClientKeyStore>,
    max_body_bytes: usize,
) -> axum::Router {
    let state = FaultState {
        simulator,
        signer,
        key_store,
        max_body_bytes,
    };
    router.layer(middleware::from_fn_with_state(state, inject))
}

async fn inject(State(state): State<FaultState>, request: Request, next: Next) -> Response {
    let Some(operation) = OperationId::from_path(request.uri().path()) else {
        return next.run(request).await;
    };
    let rules = state.simulator.rules();
    let (request, user_id) = match rules.fault_interest(operation) {
        FaultInterest::None => return next.run(request).await,
        FaultInterest::AnyUser => (request, None),
        FaultInterest::SomeUsers => match caller_user(&state, operation, request).await {
            Some(found) => found,
            // The body could not be read (too large, too slow, cut): nothing to answer.
            None => return connection_reset(),
        },
    };
    let Some((rule_id, fault)) = rules.take_fault(operation, user_id.as_deref()).await else {
        return next.run(request).await;
    };
    tracing::info!(rule_id, %operation, ?fault, "transport fault injected");
    let path = request.uri().path().to_owned();
    if fault == Fault::ResetBefore {
        return connection_reset();
    }
    // The operation runs (and commits) before anything below touches its answer.
    let answer = next.run(request).await;
    match fault {
        Fault::ResetBefore | Fault::ResetAfterCommit => connection_reset(),
        Fault::SlowHeaders(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            answer
        }
        Fault::HttpStatus(status) => error_page(status),
        Fault::Unsigned => {
            let (mut parts, body) = answer.into_parts();
            parts.headers.remove(SIGNATURE);
            Response::from_parts(parts, body)
        }
        Fault::BadSignature => {
            let (mut parts, body) = answer.into_parts();
            if let Some(value) = parts.headers.get(SIGNATURE).and_then(mis_signed) {
                parts.headers.insert(SIGNATURE, value);
            }
            Response::from_parts(parts, body)
        }
        Fault::EmptyBody => with_body(answer, Body::empty()),
        Fault::GarbageBody => with_body(answer, Body::from(GARBAGE)),
        Fault::StaleResponseTime => stale(&state.signer, &path, answer).await,
    }
}

/// Reads the body to find the user a rule may name, and rebuilds the request around it.
/// `None` if the body could not be read.
async fn caller_user(
    state: &FaultState,
    operation: OperationId,
    request: Request,
) -> Option<(Request, Option<String>)> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let json_body = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    let encrypt = request
        .headers()
        .get(ENCRYPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let readable = json_body || encrypt.is_some();
    if !readable || declared.is_some_and(|n| n > state.max_body_bytes as u64) {
        // Left to the signing layer (which refuses an oversize body unread).
        return Some((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, state.max_body_bytes)
        .await
        .ok()?;
    let plaintext = match &encrypt {
        None => Some(bytes.to_vec()),
        Some(value) if signed_by_caller(state, &parts, &bytes) => EncryptHeader::parse(value)
            .and_then(|header| encryption::open(state.signer.private_key(), &header, &bytes))
            .ok(),
        Some(_) => None,
    };
    let user_id = match plaintext.and_then(|p| serde_json::from_slice::<Value>(&p).ok()) {
        Some(json) => user_of(&state.simulator, operation, &json).await,
        None => None,
    };
    Some((Request::from_parts(parts, Body::from(bytes)), user_id))
}

/// Whether `body` carries a signature by the caller's registered key (the signing layer's
/// check, minus the time window: a stale request is refused there all the same).
fn signed_by_caller(state: &FaultState, parts: &http::request::Parts, body: &[u8]) -> bool {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(client_id), Some(time), Some(signature)) = (
        header(CLIENT_ID),
        header(REQUEST_TIME),
        header(SIGNATURE).and_then(|v| SignatureHeader::parse(v).ok()),
    ) else {
        return false;
    };
    let KeyLookup::Found(key) = state.key_store.lookup(client_id, signature.key_version) else {
        return false;
    };
    let content = SignedContent {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        client_id,
        time,
        body,
    }
    .to_bytes();
    verify(&key, &content, &signature).is_ok()
}

/// The user a scripted rule matches: the same fields the operations match answer rules on.
async fn user_of(simulator: &Simulator, operation: OperationId, body: &Value) -> Option<String> {
    let text = |pointer: &str| body.pointer(pointer)?.as_str().map(str::to_owned);
    match operation {
        OperationId::InquireAPoint => {
            let token = text("/accessToken")?;
            simulator.store().token_owner(token).await.ok().flatten()
        }
        OperationId::IssueAPoint => text("/providerUserInfo/userId"),
        OperationId::RedeemAPoint => text("/ipRoleId"),
        OperationId::UpdateMembershipCard => text("/userId"),
        OperationId::QueryTemplate => None,
    }
}

/// An answer whose body fails before a byte of it (or of its head) is written: hyper
/// then closes the connection, and the client sees it close without an answer.
fn connection_reset() -> Response {
    Response::new(Body::new(ResetBody))
}

struct ResetBody;

impl http_body::Body for ResetBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "scripted transport fault: connection closed without an answer",
        ))))
    }
}

/// What a load balancer or proxy in front of AlipayHK answers when its upstream fails.
fn error_page(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let reason = status.canonical_reason().unwrap_or("Error");
    let html = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n</body>\r\n</html>\r\n",
        code = status.as_u16()
    );
    let mut response = Response::new(Body::from(html));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The same answer head (its signature still over the original body) with another body.
fn with_body(answer: Response, body: Body) -> Response {
    let (mut parts, _) = answer.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body)
}

/// The `Signature` header with one bit of the signature flipped: well-formed, never valid.
fn mis_signed(value: &HeaderValue) -> Option<HeaderValue> {
    let mut signature = SignatureHeader::parse(value.to_str().ok()?).ok()?;
    *signature.signature.first_mut()? ^= 0x01;
    HeaderValue::from_str(&signature.to_header_value()).ok()
}

/// The answer validly signed again, over a `Response-Time` an hour in the past: only the
/// client's freshness check can refuse it (a replayed old answer looks like this).
async fn stale(signer: &KeySigner, path: &str, answer: Response) -> Response {
    let (mut parts, body) = answer.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_ANSWER_BYTES).await else {
        return connection_reset();
    };
    let time = alipayhk_runtime::time::format_time(time::OffsetDateTime::now_utc() - STALE_BY);
    let client_id = parts
        .headers
        .get(CLIENT_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let content = SignedContent {
        method: "POST",
        path,
        client_id: &client_id,
        time: &time,
        body: &body,
    }
    .to_bytes();
    let signed = signer
        .sign_header_now(&content)
        .ok()
        .and_then(|sig| HeaderValue::from_str(&sig.to_header_value()).ok());
    let (Some(signature), Ok(time)) = (signed, HeaderValue::from_str(&time)) else {
        return connection_reset();
    };
    parts.headers.insert(SIGNATURE, signature);
    parts.headers.insert(RESPONSE_TIME, time);
    Response::from_parts(parts, Body::from(body))
}
