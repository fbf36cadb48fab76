//! The transport: sign, (encrypt), send, verify, (decrypt), retry.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};

use crate::encryption::{self, EncryptHeader, EncryptionError};
use crate::headers::{
    CLIENT_ID, CONTENT_TYPE, ENCRYPT, ENCRYPTED_CONTENT_TYPE, JSON_CONTENT_TYPE, REQUEST_TIME,
    SIGNATURE,
};
use crate::keys::{PrivateKey, PublicKey};
use crate::response_meta::ResponseMeta;
use crate::signature::{self, SignError, SignedContent, Signer, VerifyError};
use crate::signed_head::{Head, HeadProblem, check_signed_head};
use crate::time::{DEFAULT_CLOCK_SKEW, TimeError, now_header_value};

/// Default [`ClientConfig::max_response_bytes`]: 4 MiB, far above any documented answer.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// At most this many characters of a value from the network (a redirect's `Location`, a
/// `Client-Id`, a `Response-Time`) appear in an error message.
const MAX_SHOWN_CHARS: usize = 120;

/// Optional `RSA_AES` encryption of requests and responses (ASSUMPTION, protocol.md §B4).
#[derive(Debug, Clone)]
pub struct EncryptionConfig {
    /// AlipayHK's public key that request AES keys are wrapped with.
    pub alipay_public_key: PublicKey,
    /// `keyVersion` of that key, announced in the `Encrypt` header.
    pub key_version: Option<u32>,
    /// Our private key, which unwraps the AES key of encrypted responses.
    pub partner_private_key: PrivateKey,
}

/// When and how often to retry. Retries re-sign the same body bytes with a fresh
/// `Request-Time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = no retry).
    pub max_attempts: u32,
    /// Wait before the second attempt; doubles each time.
    pub initial_backoff: Duration,
    /// Upper bound on a single wait.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt number `attempt` (1-based; attempt 1 has none).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(2).min(20);
        self.initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff)
    }
}

/// Everything a [`Transport`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Scheme, host and optional port, e.g. `https://open-sea.alipay.hk`; no trailing path.
    pub base_url: String,
    /// Our `Client-Id`.
    pub client_id: String,
    /// Signs our requests.
    pub signer: Arc<dyn Signer>,
    /// Verifies AlipayHK's responses.
    pub alipay_public_key: PublicKey,
    /// `None` (the default) sends plain JSON.
    pub encryption: Option<EncryptionConfig>,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (per attempt).
    pub request_timeout: Duration,
    /// `None` (the default) sends once.
    pub retry: Option<RetryPolicy>,
    /// Largest response body read, in bytes ([`DEFAULT_MAX_RESPONSE_BYTES`] by default);
    /// a larger answer is an unknown outcome ([`TransportError::ResponseTooLarge`]).
    pub max_response_bytes: usize,
    /// How far a response's `Response-Time` may be from our clock, either way
    /// ([`DEFAULT_CLOCK_SKEW`], the server's default skew, by default); outside it the
    /// response is refused as a possible replay ([`TransportError::ResponseTime`]).
    pub response_time_window: Duration,
    /// More TLS roots to trust besides the system's (PEM, one or more certificates each),
    /// e.g. the local CA of `alipayhk serve --tls`.
    pub root_certificates_pem: Vec<Vec<u8>>,
}

impl ClientConfig {
    /// A config with 10 s connect / 30 s request timeouts, no encryption, no retries, a
    /// 4 MiB response cap and a 300 s `Response-Time` window.
    pub fn new(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        signer: Arc<dyn Signer>,
        alipay_public_key: PublicKey,
    ) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            client_id: client_id.into(),
            signer,
            alipay_public_key,
            encryption: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            response_time_window: DEFAULT_CLOCK_SKEW,
            root_certificates_pem: Vec::new(),
        }
    }

    /// Also trusts the TLS root certificate(s) in `pem` (see
    /// [`ClientConfig::root_certificates_pem`]).
    pub fn with_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// Turns on `RSA_AES` encryption.
    pub fn with_encryption(mut self, encryption: EncryptionConfig) -> Self {
        self.encryption = Some(encryption);
        self
    }

    /// Turns on retries.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Sets both timeouts.
    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.request_timeout = request;
        self
    }

    /// Sets the largest response body read ([`ClientConfig::max_response_bytes`]).
    pub fn with_max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Sets how far `Response-Time` may be from our clock
    /// ([`ClientConfig::response_time_window`]).
    pub fn with_response_time_window(mut self, window: Duration) -> Self {
        self.response_time_window = window;
        self
    }
}

/// A configuration that cannot work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `base_url` is not an absolute http(s) URL.
    #[error("base_url {0:?} must be an absolute http:// or https:// URL without a trailing slash")]
    InvalidBaseUrl(String),
    /// `client_id` cannot be sent as a header value.
    #[error("client_id {0:?} contains characters not allowed in an HTTP header")]
    InvalidClientId(String),
    /// The HTTP client could not be built (TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
    /// An extra root certificate is not PEM.
    #[error(
        "root certificate is not a PEM certificate: {0}; give the CA file `alipayhk serve --tls` printed"
    )]
    RootCertificate(#[source] reqwest::Error),
}

/// A verified (and decrypted) response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status (always 200 when returned by [`Transport::send`]).
    pub status: u16,
    /// Response headers as received.
    pub headers: HeaderMap,
    /// The plaintext body (decrypted if the response was encrypted).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Status and metadata headers (`Tracer-Id`, `Response-Time`, `Client-Id`) of this
    /// verified answer.
    pub fn meta(&self) -> ResponseMeta {
        ResponseMeta::from_headers(self.status, &self.headers, true)
    }
}

/// A [`TransportError`] with the metadata of the answer that caused it, when an answer came
/// back (a non-200 status, a redirect, a bad signature, a stale `Response-Time`...).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct SendError {
    /// What went wrong.
    #[source]
    pub error: TransportError,
    /// The answer's status and headers, as received (not verified).
    pub response: Option<ResponseMeta>,
}

impl From<TransportError> for SendError {
    fn from(error: TransportError) -> Self {
        SendError {
            error,
            response: None,
        }
    }
}

/// Why [`Transport::send`] did not return a verified response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Signing failed before anything was sent.
    #[error("request not sent: {0}")]
    Sign(#[from] SignError),
    /// Encryption failed before anything was sent.
    #[error("request not sent: encryption failed: {0}")]
    Encrypt(#[source] EncryptionError),
    /// The path or a header value was invalid; nothing was sent.
    #[error("request not sent: {0}")]
    InvalidRequest(String),
    /// Connecting failed; nothing reached the server.
    #[error("cannot connect to {url}: {source}; check base_url and the network (nothing was sent)")]
    Connect {
        /// The URL.
        url: String,
        /// The error.
        #[source]
        source: reqwest::Error,
    },
    /// The request may have reached the server but no complete response came back.
    #[error("outcome unknown: {url}: {source}; retry with the same business id or inquire")]
    Http {
        /// The URL.
        url: String,
        /// The error.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a status other than 200.
    #[error(
        "outcome unknown: HTTP {status} from {url} (business results come with 200); retry with the same business id or inquire"
    )]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
        /// The raw body, for diagnostics.
        body: Vec<u8>,
    },
    /// The server answered with a redirect (3xx). Redirects are never followed: the signed
    /// request is not re-sent anywhere else.
    #[error(
        "outcome unknown: HTTP {status} from {url} is a redirect to {location}; redirects are refused and never followed (the signed request is not re-sent); check base_url, then retry with the same business id or inquire"
    )]
    Redirect {
        /// The URL.
        url: String,
        /// The 3xx status.
        status: u16,
        /// Where it pointed: the `Location` header without credentials, query or fragment,
        /// truncated; or a note that it was missing or unreadable.
        location: String,
    },
    /// The response body is larger than [`ClientConfig::max_response_bytes`]; reading
    /// stopped there.
    #[error(
        "outcome unknown: the response from {url} is larger than max_response_bytes ({limit} bytes){}; retry with the same business id or inquire",
        .declared.map(|n| format!(", Content-Length says {n}")).unwrap_or_default()
    )]
    ResponseTooLarge {
        /// The URL.
        url: String,
        /// The configured cap.
        limit: usize,
        /// The `Content-Length` announced, if any.
        declared: Option<u64>,
    },
    /// The verified response carries another partner's `Client-Id`.
    #[error(
        "outcome unknown: response Client-Id {received:?} is not ours ({expected:?}); the answer is for someone else or replayed; retry with the same business id or inquire"
    )]
    ClientIdMismatch {
        /// Our `Client-Id`.
        expected: String,
        /// The `Client-Id` the response carries (sanitised, truncated).
        received: String,
    },
    /// The verified response's `Response-Time` does not parse or lies outside
    /// [`ClientConfig::response_time_window`] of our clock: possibly a replayed old answer.
    #[error(
        "outcome unknown: response Response-Time refused ({}); a validly signed old answer may be a replay; check the clock (NTP), then retry with the same business id or inquire",
        describe_time_error(.0)
    )]
    ResponseTime(#[source] TimeError),
    /// A header needed for verification is absent.
    #[error(
        "outcome unknown: response has no {0} header, so it cannot be verified; retry with the same business id or inquire"
    )]
    MissingResponseHeader(&'static str),
    /// The response `Signature` header is malformed.
    #[error("outcome unknown: response Signature header is malformed: {0}")]
    MalformedResponseSignature(String),
    /// The response signature does not verify.
    #[error(
        "outcome unknown: response signature invalid ({0}); check the AlipayHK public key, then retry or inquire"
    )]
    ResponseSignature(#[source] VerifyError),
    /// The response could not be decrypted.
    #[error("outcome unknown: response decryption failed: {0}")]
    ResponseDecryption(#[source] EncryptionError),
}

impl TransportError {
    /// `false` only when the request certainly did not reach the server.
    pub fn outcome_unknown(&self) -> bool {
        !matches!(
            self,
            TransportError::Sign(_)
                | TransportError::Encrypt(_)
                | TransportError::InvalidRequest(_)
                | TransportError::Connect { .. }
        )
    }

    /// Transport failures worth another attempt. A redirect, an oversize body or a stale
    /// or misaddressed answer would come back the same way, so they are not retried.
    fn retryable(&self) -> bool {
        matches!(
            self,
            TransportError::Connect { .. }
                | TransportError::Http { .. }
                | TransportError::Status { .. }
        )
    }
}

/// Signs, sends and verifies requests for one `Client-Id`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Transport {
    config: Arc<ClientConfig>,
    http: reqwest::Client,
    base_url: String,
}

impl Transport {
    /// Checks the configuration and builds the HTTP client.
    pub fn new(config: ClientConfig) -> Result<Transport, ConfigError> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        let valid = reqwest::Url::parse(&base_url)
            .map(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .unwrap_or(false);
        if !valid {
            return Err(ConfigError::InvalidBaseUrl(config.base_url));
        }
        if HeaderValue::from_str(&config.client_id).is_err() {
            return Err(ConfigError::InvalidClientId(config.client_id));
        }
        let mut builder = reqwest::Client::builder();
        for pem in &config.root_certificates_pem {
            for certificate in
                reqwest::Certificate::from_pem_bundle(pem).map_err(ConfigError::RootCertificate)?
            {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // A redirect would re-send the signed body to wherever it points: never follow.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(ConfigError::HttpClient)?;
        Ok(Transport {
            config: Arc::new(config),
            http,
            base_url,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sends `body` (serialized JSON) to `path` and returns the verified plaintext response.
    ///
    /// Retries per [`ClientConfig::retry`] on transport failures and whenever
    /// `is_unknown(&response)` is `true` (a `U` result); each retry re-signs the same
    /// body bytes with a fresh `Request-Time`. When retries run out on a `U` response,
    /// that response is returned.
    pub async fn send(
        &self,
        path: &str,
        body: Vec<u8>,
        is_unknown: &(dyn Fn(&RawResponse) -> bool + Send + Sync),
    ) -> Result<RawResponse, TransportError> {
        self.send_traced(path, body, is_unknown)
            .await
            .map_err(|e| e.error)
    }

    /// [`Transport::send`], keeping the metadata of the last answer on failure (what the
    /// generated client reports with an unknown outcome).
    pub async fn send_traced(
        &self,
        path: &str,
        body: Vec<u8>,
        is_unknown: &(dyn Fn(&RawResponse) -> bool + Send + Sync),
    ) -> Result<RawResponse, SendError> {
        if !path.starts_with('/') {
            return Err(TransportError::InvalidRequest(format!(
                "path {path:?} must start with `/`"
            ))
            .into());
        }
        // Encrypt once: every attempt sends identical bytes.
        let (wire_body, encrypt_header) = match &self.config.encryption {
            Some(enc) => {
                let sealed = encryption::seal(&enc.alipay_public_key, enc.key_version, &body)
                    .map_err(TransportError::Encrypt)?;
                (sealed.body, Some(sealed.header))
            }
            None => (body, None),
        };
        let max_attempts = self
            .config
            .retry
            .as_ref()
            .map_or(1, |r| r.max_attempts.max(1));
        let mut attempt = 1;
        loop {
            let result = self
                .attempt(path, &wire_body, encrypt_header.as_ref())
                .await;
            let again = attempt < max_attempts
                && match &result {
                    Ok(resp) => is_unknown(resp),
                    Err(e) => e.error.retryable(),
                };
            if !again {
                return result;
            }
            attempt += 1;
            if let Some(retry) = &self.config.retry {
                tracing::debug!(path, attempt, "retrying AlipayHK request");
                tokio::time::sleep(retry.backoff(attempt)).await;
            }
        }
    }

    async fn attempt(
        &self,
        path: &str,
        wire_body: &[u8],
        encrypt_header: Option<&EncryptHeader>,
    ) -> Result<RawResponse, SendError> {
        let cfg = &self.config;
        let request_time = now_header_value();
        let content = SignedContent {
            method: "POST",
            path,
            client_id: &cfg.client_id,
            time: &request_time,
            body: wire_body,
        }
        .to_bytes();
        let sig = signature::sign_header(cfg.signer.as_ref(), &content)
            .await
            .map_err(TransportError::from)?;
        let url = format!("{}{}", self.base_url, path);
        let mut req = self
            .http
            .post(&url)
            .header(CLIENT_ID, &cfg.client_id)
            .header(REQUEST_TIME, &request_time)
            .header(SIGNATURE, sig.to_header_value())
            .body(wire_body.to_vec());
        req = match encrypt_header {
            Some(h) => req
                .header(ENCRYPT, h.to_header_value())
                .header(CONTENT_TYPE, ENCRYPTED_CONTENT_TYPE),
            None => req.header(CONTENT_TYPE, JSON_CONTENT_TYPE),
        };
        let resp = req.send().await.map_err(|source| {
            if source.is_connect() {
                TransportError::Connect {
                    url: url.clone(),
                    source,
                }
            } else {
                TransportError::Http {
                    url: url.clone(),
                    source,
                }
            }
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let answered = |error| SendError {
            error,
            response: Some(ResponseMeta::from_headers(status, &headers, false)),
        };
        if resp.status().is_redirection() {
            // The body is not read: nothing from a redirect is trusted.
            return Err(answered(TransportError::Redirect {
                location: describe_location(&url, headers.get(http::header::LOCATION)),
                url,
                status,
            }));
        }
        let raw = read_capped(resp, &url, cfg.max_response_bytes)
            .await
            .map_err(answered)?;
        if status != 200 {
            return Err(answered(TransportError::Status {
                url,
                status,
                body: raw,
            }));
        }
        self.verify_response(path, encrypt_header.is_some(), status, &headers, raw)
            .map(|body| RawResponse {
                status,
                headers: headers.clone(),
                body,
            })
            .map_err(answered)
    }

    fn verify_response(
        &self,
        path: &str,
        request_encrypted: bool,
        status: u16,
        headers: &HeaderMap,
        raw: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError> {
        debug_assert_eq!(status, 200);
        let cfg = &self.config;
        // The SDKs differ on whose Client-Id to use (protocol.md §A6): verify over the echoed
        // one, then require it to be ours, so a validly signed answer to another partner is
        // told apart from a forgery. The signature binds the time, but an old, validly
        // signed answer can be replayed: the head check ends with the time window.
        let signed = check_signed_head(
            Head::Response,
            headers,
            &cfg.alipay_public_key,
            "POST",
            path,
            &raw,
            cfg.response_time_window,
        )
        .map_err(refused)?;
        if signed.client_id != cfg.client_id {
            return Err(TransportError::ClientIdMismatch {
                expected: cfg.client_id.clone(),
                received: sanitise(signed.client_id, MAX_SHOWN_CHARS),
            });
        }
        let body = match (headers.get(ENCRYPT), &cfg.encryption) {
            (Some(value), Some(enc)) if request_encrypted => {
                let value = value.to_str().map_err(|_| {
                    TransportError::ResponseDecryption(EncryptionError::MalformedHeader(
                        "not ASCII".into(),
                    ))
                })?;
                let eh = EncryptHeader::parse(value).map_err(TransportError::ResponseDecryption)?;
                encryption::open(&enc.partner_private_key, &eh, &raw)
                    .map_err(TransportError::ResponseDecryption)?
            }
            (Some(_), _) => {
                return Err(TransportError::ResponseDecryption(
                    EncryptionError::MalformedHeader(
                        "response is encrypted but the request was not".into(),
                    ),
                ));
            }
            // A gateway rejection of an encrypted request (e.g. it could not decrypt) comes
            // back in plain text; it is signed and verified, so it is returned as-is.
            (None, _) => raw,
        };
        Ok(body)
    }
}

/// A response head's problem in the client's words: every one leaves the outcome unknown.
fn refused(problem: HeadProblem) -> TransportError {
    match problem {
        HeadProblem::MissingHeader(name) | HeadProblem::UnreadableHeader(name) => {
            TransportError::MissingResponseHeader(name)
        }
        HeadProblem::MalformedSignature(e) => {
            TransportError::MalformedResponseSignature(e.to_string())
        }
        HeadProblem::Signature(e) => TransportError::ResponseSignature(e),
        HeadProblem::Time(e) => TransportError::ResponseTime(e),
    }
}

/// Reads the body chunk by chunk, refusing it as soon as it exceeds `limit` bytes (and up
/// front when `Content-Length` already says so).
async fn read_capped(
    mut resp: reqwest::Response,
    url: &str,
    limit: usize,
) -> Result<Vec<u8>, TransportError> {
    let declared = resp
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or_else(|| resp.content_length());
    let too_large = |declared| TransportError::ResponseTooLarge {
        url: url.to_owned(),
        limit,
        declared,
    };
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(declared));
    }
    let capacity = declared.map_or(0, |n| usize::try_from(n).unwrap_or(limit).min(limit));
    let mut body = Vec::with_capacity(capacity);
    while let Some(chunk) = resp.chunk().await.map_err(|source| TransportError::Http {
        url: url.to_owned(),
        source,
    })? {
        if chunk.len() > limit - body.len() {
            return Err(too_large(declared));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A refused redirect's target for an error message: resolved against the request URL,
/// without credentials, query or fragment (they may carry secrets), printable and short.
fn describe_location(request_url: &str, location: Option<&HeaderValue>) -> String {
    let Some(location) = location else {
        return "(no Location header)".to_owned();
    };
    let raw = String::from_utf8_lossy(location.as_bytes());
    let resolved = reqwest::Url::parse(request_url)
        .and_then(|base| base.join(raw.trim()))
        .ok()
        .filter(|u| u.has_host());
    match resolved {
        Some(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            sanitise(u.as_str(), MAX_SHOWN_CHARS)
        }
        None => "(unreadable Location header)".to_owned(),
    }
}

/// `value` with control and non-ASCII characters replaced by `?`, cut to `max` characters.
fn sanitise(value: &str, max: usize) -> String {
    let mut out: String = value
        .chars()
        .take(max)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if value.chars().count() > max {
        out.push('…');
    }
    out
}

/// [`TimeError`] in the client's words (its own message speaks of the server clock).
fn describe_time_error(error: &TimeError) -> String {
    match error {
        TimeError::Unparsable(value) => format!(
            "{:?} is not an ISO-8601 date-time with offset",
            sanitise(value, MAX_SHOWN_CHARS)
        ),
        TimeError::OutOfWindow {
            value,
            skew_secs,
            allowed_secs,
        } => format!(
            "{} is {skew_secs}s away from our clock, allowed {allowed_secs}s (response_time_window)",
            sanitise(value, MAX_SHOWN_CHARS)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn send_future_is_send_so_it_can_be_spawned() {
        let key = PrivateKey::generate_rsa2048().expect("key");
        let config = ClientConfig::new(
            "http://127.0.0.1:9",
            "C",
            Arc::new(crate::signature::KeySigner::new(key.clone(), Some(1))),
            key.public_key(),
        );
        let transport = Transport::new(config).expect("valid");
        let never = |_: &RawResponse| false;
        let fut = transport.send("/p", Vec::new(), &never);
        assert_send(&fut);
    }

    #[test]
    fn bad_base_urls_and_client_ids_are_refused() {
        let key = PrivateKey::generate_rsa2048().expect("key");
        let signer: Arc<dyn Signer> = Arc::new(crate::signature::KeySigner::new(key.clone(), None));
        for url in ["", "ftp://x", "not a url", "/relative"] {
            let c = ClientConfig::new(url, "C", signer.clone(), key.public_key());
            assert!(
                matches!(Transport::new(c), Err(ConfigError::InvalidBaseUrl(_))),
                "{url}"
            );
        }
        let c = ClientConfig::new("http://x", "bad\nid", signer, key.public_key());
        assert!(matches!(
            Transport::new(c),
            Err(ConfigError::InvalidClientId(_))
        ));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
        };
        let waits: Vec<u128> = (2..=5).map(|a| p.backoff(a).as_millis()).collect();
        assert_eq!(waits, vec![100, 200, 300, 300]);
    }

    #[test]
    fn redirect_locations_lose_credentials_query_and_fragment() {
        let loc = |v: &str| {
            describe_location(
                "http://api.test/p",
                Some(&HeaderValue::from_str(v).expect("header")),
            )
        };
        assert_eq!(
            loc("https://user:pw@evil.test:8443/x/y?token=SECRET#frag"),
            "https://evil.test:8443/x/y"
        );
        assert_eq!(loc("/elsewhere?a=1"), "http://api.test/elsewhere");
        assert_eq!(
            describe_location("http://api.test/p", None),
            "(no Location header)"
        );
        let long = format!("http://evil.test/{}", "a".repeat(500));
        let shown = loc(&long);
        assert!(shown.chars().count() <= MAX_SHOWN_CHARS + 1, "{shown}");
        assert!(shown.ends_with('…'), "{shown}");
        assert_eq!(sanitise("a\u{7}b\u{e9}", 10), "a?b?");
    }

    #[test]
    fn config_defaults_and_builders() {
        let key = PrivateKey::generate_rsa2048().expect("key");
        let signer: Arc<dyn Signer> = Arc::new(crate::signature::KeySigner::new(key.clone(), None));
        let c = ClientConfig::new("http://x", "C", signer, key.public_key());
        assert_eq!(c.max_response_bytes, 4 * 1024 * 1024);
        assert_eq!(c.response_time_window, Duration::from_secs(300));
        let c = c
            .with_max_response_bytes(10)
            .with_response_time_window(Duration::from_secs(7));
        assert_eq!(c.max_response_bytes, 10);
        assert_eq!(c.response_time_window, Duration::from_secs(7));
    }

    #[test]
    fn only_unsent_requests_have_a_known_outcome() {
        assert!(!TransportError::InvalidRequest("x".into()).outcome_unknown());
        assert!(TransportError::MissingResponseHeader(SIGNATURE).outcome_unknown());
        assert!(
            TransportError::Status {
                url: String::new(),
                status: 502,
                body: Vec::new()
            }
            .outcome_unknown()
        );
        let redirect = TransportError::Redirect {
            url: "http://a/p".into(),
            status: 302,
            location: "http://b/".into(),
        };
        assert!(redirect.outcome_unknown() && !redirect.retryable());
        let large = TransportError::ResponseTooLarge {
            url: "http://a/p".into(),
            limit: 1,
            declared: None,
        };
        assert!(large.outcome_unknown() && !large.retryable());
        let other = TransportError::ClientIdMismatch {
            expected: "A".into(),
            received: "B".into(),
        };
        assert!(other.outcome_unknown() && !other.retryable());
        let stale = TransportError::ResponseTime(TimeError::Unparsable("x".into()));
        assert!(stale.outcome_unknown() && !stale.retryable());
    }
}
