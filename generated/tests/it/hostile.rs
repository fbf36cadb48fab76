//! The generated client against servers on 127.0.0.1 that answer badly on purpose: a
//! redirect, an oversize body, and validly signed answers that are stale or addressed to
//! another partner all surface as `CallError::Unknown`, never as success.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use alipayhk_api::models::*;
use alipayhk_api::result_codes::*;
use alipayhk_api::spec;
use alipayhk_api::{CallError, Client, ResponseValue, UnknownOutcome};
use alipayhk_runtime::client::{ClientConfig, TransportError};
use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::signature::{KeySigner, SignedContent};
use alipayhk_runtime::time::format_time;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

const CLIENT_ID: &str = "HOSTILE_TEST_CLIENT";
const SUCCESS: &str =
    r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#;

struct Keys {
    partner: PrivateKey,
    alipay: PrivateKey,
}

static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys {
    partner: PrivateKey::generate_rsa2048().expect("partner key"),
    alipay: PrivateKey::generate_rsa2048().expect("alipay key"),
});

fn client(addr: SocketAddr, tune: impl FnOnce(ClientConfig) -> ClientConfig) -> Client {
    let config = ClientConfig::new(
        format!("http://{addr}"),
        CLIENT_ID,
        Arc::new(KeySigner::new(KEYS.partner.clone(), Some(1))),
        KEYS.alipay.public_key(),
    )
    .with_timeouts(Duration::from_secs(5), Duration::from_secs(10));
    Client::new(tune(config)).expect("valid config")
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

fn issue_request() -> IssueAPointRequest {
    let op = spec::operation("issueAPoint").expect("operation");
    serde_json::from_str(op.request_example).expect("example decodes")
}

/// The transport error inside an unknown outcome; panics on anything else.
fn transport_error(
    result: Result<ResponseValue<IssueAPointResponse>, CallError<IssueAPointFailure>>,
) -> TransportError {
    match result {
        Err(CallError::Unknown {
            reason: UnknownOutcome::Transport(error),
            ..
        }) => {
            assert!(error.outcome_unknown(), "{error}");
            error
        }
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
}

#[tokio::test]
async fn a_redirect_is_an_unknown_outcome_and_the_target_gets_nothing() {
    let hits = Arc::new(AtomicUsize::new(0));
    let target = serve(
        Router::new()
            .fallback(|State(hits): State<Arc<AtomicUsize>>| async move {
                hits.fetch_add(1, Ordering::SeqCst);
                SUCCESS
            })
            .with_state(hits.clone()),
    )
    .await;
    let location = format!("http://{target}{}", spec::paths::ISSUE_A_POINT);
    let redirector = serve(Router::new().fallback(move || {
        let location = location.clone();
        async move { (StatusCode::TEMPORARY_REDIRECT, [("location", location)]) }
    }))
    .await;
    let error = transport_error(
        client(redirector, |c| c)
            .issue_a_point(&issue_request())
            .await,
    );
    assert!(
        matches!(&error, TransportError::Redirect { status: 307, location, .. } if location.contains(&target.to_string())),
        "{error:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the redirect was followed");
}

/// Answers `SUCCESS`, validly signed by AlipayHK's key, with `Response-Time` = now +
/// `offset_secs` and `Client-Id` = `client_id` (or the request's).
async fn signed_success(offset_secs: i64, client_id: Option<&'static str>) -> SocketAddr {
    let signer = Arc::new(KeySigner::new(KEYS.alipay.clone(), Some(1)));
    let answer = move |State(signer): State<Arc<KeySigner>>, request: Request| async move {
        let path = request.uri().path().to_owned();
        let echoed = request
            .headers()
            .get("client-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let client_id = client_id.map_or(echoed, str::to_owned);
        let time =
            format_time(time::OffsetDateTime::now_utc() + time::Duration::seconds(offset_secs));
        let content = SignedContent {
            method: "POST",
            path: &path,
            client_id: &client_id,
            time: &time,
            body: SUCCESS.as_bytes(),
        }
        .to_bytes();
        let signature = signer
            .sign_header_now(&content)
            .expect("signs")
            .to_header_value();
        let response: Response = (
            [
                ("content-type", "application/json; charset=UTF-8".to_owned()),
                ("client-id", client_id),
                ("response-time", time),
                ("tracer-id", "hostile".to_owned()),
                ("signature", signature),
            ],
            SUCCESS,
        )
            .into_response();
        response
    };
    serve(Router::new().fallback(answer).with_state(signer)).await
}

#[tokio::test]
async fn a_fresh_signed_success_is_a_success() {
    // Control for the refusals below.
    let addr = signed_success(0, None).await;
    let response = client(addr, |c| c)
        .issue_a_point(&issue_request())
        .await
        .expect("success");
    assert_eq!(response.result_code(), IssueAPointResultCode::Success);
}

#[tokio::test]
async fn a_replayed_ten_minute_old_success_is_an_unknown_outcome() {
    let addr = signed_success(-600, None).await;
    let error = transport_error(client(addr, |c| c).issue_a_point(&issue_request()).await);
    assert!(
        matches!(error, TransportError::ResponseTime(_)),
        "{error:?}"
    );
    assert!(error.to_string().contains("Response-Time"), "{error}");
}

#[tokio::test]
async fn a_success_from_beyond_the_window_in_the_future_is_an_unknown_outcome() {
    let addr = signed_success(600, None).await;
    let error = transport_error(client(addr, |c| c).issue_a_point(&issue_request()).await);
    assert!(
        matches!(error, TransportError::ResponseTime(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_success_for_another_client_id_is_an_unknown_outcome() {
    let addr = signed_success(0, Some("SOMEONE_ELSE")).await;
    let error = transport_error(client(addr, |c| c).issue_a_point(&issue_request()).await);
    assert!(
        matches!(&error, TransportError::ClientIdMismatch { received, .. } if received == "SOMEONE_ELSE"),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_answer_over_the_size_cap_is_an_unknown_outcome() {
    let addr = signed_success(0, None).await;
    let error = transport_error(
        client(addr, |c| c.with_max_response_bytes(SUCCESS.len() - 1))
            .issue_a_point(&issue_request())
            .await,
    );
    assert!(
        matches!(error, TransportError::ResponseTooLarge { .. }),
        "{error:?}"
    );
}
