//! The tower layer that verifies requests and signs responses.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use aws_lc_rs::rand::SecureRandom as _;
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::{Layer, Service};

use crate::encryption::{self, EncryptHeader};
use crate::headers::{
    CLIENT_ID, CONTENT_TYPE, ENCRYPT, ENCRYPTED_CONTENT_TYPE, JSON_CONTENT_TYPE, RESPONSE_TIME,
    SIGNATURE, TRACER_ID,
};
use crate::keys::PublicKey;
use crate::signature::{self, SignedContent, VerifyError};
use crate::signed_head::{Head, HeadProblem, SignedHead};
use crate::time::now_header_value;

use super::{CallerContext, DecryptedExchange, KeyLookup, ServedApi, ServerConfig};
use crate::rejection::RejectReason;

/// Wraps an axum `Router` (or any `Service<Request<Body>>`) with AlipayHK request
/// verification and response signing. See the [`server`](super) module docs.
#[derive(Clone, Debug)]
pub struct SigningLayer {
    shared: Arc<Shared>,
}

/// What every request of one layer reads.
#[derive(Debug)]
struct Shared {
    api: ServedApi,
    config: ServerConfig,
}

impl SigningLayer {
    /// A layer serving `api` (the spec's routes and codes) with `config` (keys, limits).
    pub fn new(api: ServedApi, config: ServerConfig) -> Self {
        SigningLayer {
            shared: Arc::new(Shared { api, config }),
        }
    }
}

impl<S> Layer<S> for SigningLayer {
    type Service = SigningService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SigningService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service produced by [`SigningLayer`].
#[derive(Clone, Debug)]
pub struct SigningService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Service<Request<Body>> for SigningService<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        // Take the service that was polled ready; leave a fresh clone behind.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        Box::pin(async move { Ok(handle(shared, inner, req).await) })
    }
}

/// A refusal: which reason, and a short detail naming the header or problem.
struct Rejection {
    reason: RejectReason,
    detail: String,
}

fn reject(reason: RejectReason, detail: impl Into<String>) -> Rejection {
    Rejection {
        reason,
        detail: detail.into(),
    }
}

/// What the response leg needs to know about the request.
struct Exchange {
    method: String,
    path: String,
    client_id: String,
    tracer_id: String,
    result_field: String,
    /// Set once the caller's key is known and the request was encrypted.
    encrypt_for: Option<(PublicKey, Option<u32>)>,
    /// The decrypted request body of an encrypted request (for [`DecryptedExchange`]).
    plaintext_request: Option<Bytes>,
}

async fn handle<S>(shared: Arc<Shared>, mut inner: S, req: Request<Body>) -> Response
where
    S: Service<Request<Body>, Response = Response, Error = Infallible>,
{
    let mut exchange = Exchange {
        method: req.method().as_str().to_owned(),
        path: req.uri().path().to_owned(),
        client_id: header_str(req.headers(), CLIENT_ID)
            .unwrap_or_default()
            .to_owned(),
        tracer_id: new_tracer_id(),
        result_field: "result".to_owned(),
        encrypt_for: None,
        plaintext_request: None,
    };
    let Shared { api, config } = &*shared;
    let verified = match verify_request(api, config, &mut exchange, req).await {
        Ok(r) => r,
        Err(rejection) => return rejection_response(api, config, &exchange, rejection).await,
    };
    let response = match inner.call(verified).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    sign_response(config, &exchange, exchange.encrypt_for.as_ref(), response).await
}

async fn verify_request(
    api: &ServedApi,
    config: &ServerConfig,
    exchange: &mut Exchange,
    req: Request<Body>,
) -> Result<Request<Body>, Rejection> {
    let route = api.route(&exchange.path).ok_or_else(|| {
        reject(
            RejectReason::UnknownApi,
            format!("no API at path {}", exchange.path),
        )
    })?;
    exchange.result_field = route.result_field.clone();
    let (mut parts, body) = req.into_parts();
    let headers = &parts.headers;

    let declared_len = header_str(headers, "Content-Length").and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|n| n > config.max_body_bytes as u64) {
        return Err(too_large(config));
    }

    let encrypt_value = match headers.get(ENCRYPT) {
        Some(v) => Some(v.to_str().map_err(|_| {
            reject(
                RejectReason::DecryptionFailed,
                "Encrypt header is not ASCII",
            )
        })?),
        None => None,
    };
    check_content_type(headers, encrypt_value.is_some())?;

    let signed = SignedHead::from_headers(Head::Request, headers).map_err(rejected)?;
    let client_id = signed.client_id.to_owned();
    let key = match config
        .key_store
        .lookup(&client_id, signed.signature.key_version)
    {
        KeyLookup::Found(k) => k,
        KeyLookup::UnknownClient => {
            return Err(reject(
                RejectReason::UnknownClient,
                format!("no key registered for Client-Id {client_id}"),
            ));
        }
        KeyLookup::UnknownKeyVersion => {
            return Err(reject(
                RejectReason::UnknownKeyVersion,
                format!(
                    "Client-Id {client_id} has no key with keyVersion {}",
                    signed
                        .signature
                        .key_version
                        .map_or_else(|| "(latest)".to_owned(), |v| v.to_string())
                ),
            ));
        }
    };
    // The head is checked before a byte of the body is read.
    signed
        .check_time(time::OffsetDateTime::now_utc(), config.clock_skew)
        .map_err(rejected)?;
    let key_version = signed.signature.key_version;

    let raw = read_limited(body, declared_len, config).await?;
    signed
        .verify(&key, &exchange.method, &exchange.path, &raw)
        .map_err(rejected)?;

    let plaintext = match encrypt_value {
        Some(value) => {
            let plain = decrypt(config, value, &raw)?;
            exchange.encrypt_for = Some((key, key_version));
            // The handler sees JSON, whatever travelled on the wire.
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            );
            let plain = Bytes::from(plain);
            exchange.plaintext_request = Some(plain.clone());
            plain
        }
        None => raw,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.extensions.insert(CallerContext {
        client_id: client_id.clone(),
        key_version,
        tracer_id: exchange.tracer_id.clone(),
        encrypted: exchange.encrypt_for.is_some(),
    });
    exchange.client_id = client_id;
    Ok(Request::from_parts(parts, Body::from(plaintext)))
}

fn check_content_type(headers: &HeaderMap, encrypted: bool) -> Result<(), Rejection> {
    let value = header_str(headers, CONTENT_TYPE).ok_or_else(|| {
        reject(
            RejectReason::UnsupportedMediaType,
            "Content-Type header is missing; send application/json; charset=UTF-8",
        )
    })?;
    let media = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        // An Encrypt header is honoured only on an encrypted body: a JSON body with one
        // is refused rather than decrypted or silently taken as plain.
        "application/json" if encrypted => Err(reject(
            RejectReason::UnsupportedMediaType,
            "an Encrypt header needs Content-Type text/plain (the encrypted body); send JSON without it",
        )),
        "application/json" => Ok(()),
        "text/plain" if encrypted => Ok(()),
        _ => Err(reject(
            RejectReason::UnsupportedMediaType,
            format!(
                "Content-Type {value:?} is not accepted; send application/json (or text/plain with an Encrypt header)"
            ),
        )),
    }
}

/// Decrypts a verified body. Every failure, whatever its cause, is the same rejection
/// with no detail on the wire (no padding or signing oracle, see `encryption::open`);
/// the cause goes to a debug log line only, without key material.
fn decrypt(config: &ServerConfig, header_value: &str, raw: &[u8]) -> Result<Vec<u8>, Rejection> {
    let outcome = match config.decryption_key.as_ref() {
        None => Err("this server does not accept encrypted requests".to_owned()),
        Some(own) => EncryptHeader::parse(header_value)
            .and_then(|eh| encryption::open(own, &eh, raw))
            .map_err(|e| e.to_string()),
    };
    outcome.map_err(|detail| reject(RejectReason::DecryptionFailed, detail))
}

/// A request head's problem as the rejection the caller is answered with.
fn rejected(problem: HeadProblem) -> Rejection {
    match problem {
        HeadProblem::MissingHeader(_) | HeadProblem::UnreadableHeader(_) => {
            reject(RejectReason::MissingHeader, problem.to_string())
        }
        HeadProblem::MalformedSignature(e) => reject(RejectReason::InvalidSignature, e.to_string()),
        HeadProblem::Signature(VerifyError::Mismatch) => reject(
            RejectReason::InvalidSignature,
            "Signature does not match `POST <path>\\n<Client-Id>.<Request-Time>.<body>` under the registered key",
        ),
        HeadProblem::Signature(e) => reject(RejectReason::InvalidSignature, e.to_string()),
        HeadProblem::Time(e) => reject(
            RejectReason::RequestTimeOutOfWindow,
            format!("Request-Time: {e}"),
        ),
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn too_large(config: &ServerConfig) -> Rejection {
    reject(
        RejectReason::BodyTooLarge,
        format!("body exceeds {} bytes", config.max_body_bytes),
    )
}

/// Reads the body into one buffer, refusing it once it exceeds the limit.
///
/// Each frame is copied and dropped at once: a frame is a slice of the connection's read
/// buffer, and keeping thousands of one-byte frames (a client trickling its body) would
/// pin one buffer allocation each, far more memory than the payload.
async fn read_limited(
    mut body: Body,
    declared_len: Option<u64>,
    config: &ServerConfig,
) -> Result<Bytes, Rejection> {
    // Trust the declared length for the first allocation only up to 64 KiB: a client can
    // announce a megabyte and send nothing.
    let initial = declared_len.map_or(0, |n| n.min(64 * 1024) as usize);
    let mut collected = Vec::with_capacity(initial);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            reject(
                RejectReason::BodyTooLarge,
                format!("body could not be read: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > config.max_body_bytes {
                return Err(too_large(config));
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(collected))
}

async fn rejection_response(
    api: &ServedApi,
    config: &ServerConfig,
    exchange: &Exchange,
    rejection: Rejection,
) -> Response {
    let code = api.rejections.get(rejection.reason);
    // A decryption failure's cause must not reach the caller (an oracle); log it at debug
    // level only. Other details name a header and help the caller fix the request.
    let secret_detail = rejection.reason == RejectReason::DecryptionFailed;
    if secret_detail {
        tracing::info!(
            reason = rejection.reason.as_str(),
            code = %code.code,
            client_id = %exchange.client_id,
            tracer_id = %exchange.tracer_id,
            "request rejected"
        );
        tracing::debug!(tracer_id = %exchange.tracer_id, detail = %rejection.detail, "decryption failure cause");
    } else {
        tracing::info!(
            reason = rejection.reason.as_str(),
            code = %code.code,
            client_id = %exchange.client_id,
            tracer_id = %exchange.tracer_id,
            detail = %rejection.detail,
            "request rejected"
        );
    }
    let mut result = serde_json::Map::new();
    result.insert("resultCode".into(), code.code.clone().into());
    result.insert("resultStatus".into(), code.status.as_str().into());
    result.insert(
        "resultMessage".into(),
        // The documented message first, then what exactly was wrong (never for decryption).
        if secret_detail {
            code.message.trim_end().to_owned().into()
        } else {
            format!("{} ({})", code.message.trim_end(), rejection.detail).into()
        },
    );
    let mut object = serde_json::Map::new();
    object.insert(exchange.result_field.clone(), result.into());
    let body = serde_json::Value::Object(object).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(code.http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    // Rejections are never encrypted: the caller may be unable to read them otherwise.
    sign_response(config, exchange, None, response).await
}

/// Encrypts for `encrypt_for` (the caller's key, iff the request was encrypted) and signs.
async fn sign_response(
    config: &ServerConfig,
    exchange: &Exchange,
    encrypt_for: Option<&(PublicKey, Option<u32>)>,
    response: Response,
) -> Response {
    let (mut parts, body) = response.into_parts();
    let raw = match body.collect().await {
        Ok(c) => c.to_bytes().to_vec(),
        Err(e) => {
            tracing::error!(tracer_id = %exchange.tracer_id, error = %e, "handler body failed");
            parts.status = StatusCode::INTERNAL_SERVER_ERROR;
            Vec::new()
        }
    };
    let wire = match encrypt_for {
        Some((key, key_version)) => match encryption::seal(key, *key_version, &raw) {
            Ok(sealed) => {
                if let Some(request) = &exchange.plaintext_request {
                    parts.extensions.insert(DecryptedExchange {
                        request: request.clone(),
                        response: Bytes::from(raw),
                    });
                }
                insert_header(
                    &mut parts.headers,
                    ENCRYPT,
                    &sealed.header.to_header_value(),
                );
                parts.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(ENCRYPTED_CONTENT_TYPE),
                );
                sealed.body
            }
            Err(e) => {
                tracing::error!(tracer_id = %exchange.tracer_id, error = %e, "response encryption failed");
                parts.status = StatusCode::INTERNAL_SERVER_ERROR;
                Vec::new()
            }
        },
        None => {
            // One media type for every JSON answer, handler or rejection, with the charset
            // the signature was computed over.
            let is_json = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json"));
            if is_json {
                parts.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(JSON_CONTENT_TYPE),
                );
            }
            raw
        }
    };
    // An answer to HEAD carries no body on the wire (HTTP drops it), so it is signed
    // as the empty body it is; otherwise its signature would cover bytes never sent.
    let wire = if exchange.method == "HEAD" {
        Vec::new()
    } else {
        wire
    };
    let response_time = now_header_value();
    let content = SignedContent {
        method: &exchange.method,
        path: &exchange.path,
        client_id: &exchange.client_id,
        time: &response_time,
        body: &wire,
    }
    .to_bytes();
    match signature::sign_header(config.signer.as_ref(), &content).await {
        Ok(sig) => insert_header(&mut parts.headers, SIGNATURE, &sig.to_header_value()),
        // An unsigned response makes the client report "outcome unknown", which is the
        // honest answer when we cannot sign.
        Err(e) => {
            tracing::error!(tracer_id = %exchange.tracer_id, error = %e, "response signing failed")
        }
    }
    insert_header(&mut parts.headers, RESPONSE_TIME, &response_time);
    // Echo the caller's Client-Id; a request without one gets none back (not an empty one).
    if !exchange.client_id.is_empty() {
        insert_header(&mut parts.headers, CLIENT_ID, &exchange.client_id);
    }
    insert_header(&mut parts.headers, TRACER_ID, &exchange.tracer_id);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(wire))
}

fn insert_header(headers: &mut HeaderMap, name: &'static str, value: &str) {
    match HeaderValue::from_str(value) {
        Ok(v) => {
            headers.insert(name, v);
        }
        Err(_) => tracing::warn!(header = name, "value not representable; header omitted"),
    }
}

/// 16 random bytes as 32 hex digits.
fn new_tracer_id() -> String {
    let mut bytes = [0u8; 16];
    // On the (practically impossible) RNG failure the id is all zeros; it is only a log key.
    let _ = aws_lc_rs::rand::SystemRandom::new().fill(&mut bytes);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(32);
    for b in bytes {
        id.push(HEX[usize::from(b >> 4)] as char);
        id.push(HEX[usize::from(b & 0xf)] as char);
    }
    id
}
