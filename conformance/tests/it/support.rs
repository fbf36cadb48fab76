//! Keys, a spec table and a correctly behaving double built on the runtime's SigningLayer.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use alipayhk_conformance::{
    CodeSpec, CommonCode, Credentials, OperationSpec, RunOptions, SpecTable, SuiteOutcome, Target,
    run_suite,
};
use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::server::{
    CallerContext, InMemoryKeyStore, RejectionTable, Route, ServedApi, ServerConfig, SigningLayer,
};
use alipayhk_runtime::signature::KeySigner;
use alipayhk_runtime::{RejectReason, ResultStatus};
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::post;
use axum::{Extension, Router};

pub const CLIENT_ID: &str = "TEST-CLIENT";

/// RSA keys are slow to generate: one pair per test binary.
pub struct Keys {
    pub partner: PrivateKey,
    pub server: PrivateKey,
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        partner: PrivateKey::generate_rsa2048().expect("generate partner key"),
        server: PrivateKey::generate_rsa2048().expect("generate server key"),
    })
}

pub fn credentials() -> Credentials {
    let k = keys();
    Credentials {
        client_id: CLIENT_ID.to_owned(),
        private_key: k.partner.clone(),
        key_version: Some(1),
        server_public_key: k.server.public_key(),
    }
}

/// How a double misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    None,
    /// Drops the `Signature` header from every response.
    Unsigned,
    /// Answers SUCCESS with resultStatus F.
    SwappedStatus,
    /// Drops the `Client-Id` header from every response.
    NoClientIdEcho,
    /// Sends `Response-Time` as epoch milliseconds (as some SDKs do for requests).
    EpochResponseTime,
    /// Answers a replay like the first call but moves points again (a ledger entry per call).
    AppliesReplays,
    /// Answers with a `Response-Time` ten minutes old, validly signed over that time (what a
    /// replayed old answer looks like).
    StaleResponseTime,
    /// Answers with another partner's `Client-Id`, validly signed over it.
    ForeignClientId,
}

/// The `Client-Id` a [`Defect::ForeignClientId`] double answers with.
pub const FOREIGN_CLIENT_ID: &str = "SOMEONE-ELSE";

/// The bizNos a double has moved points for, one entry per posting.
pub type Ledger = Arc<Mutex<Vec<String>>>;

/// Starts a double for `table` on 127.0.0.1 (port 0) and returns its base URL.
pub async fn start_double(table: &SpecTable, defect: Defect) -> String {
    start_double_with_ledger(table, defect, Ledger::default()).await
}

/// A double plus an admin API on its own port that serves `GET /admin/ledger` (entries with a
/// `bizNo`) and accepts rules; returns (API base URL, admin base URL).
pub async fn start_double_with_admin(table: &SpecTable, defect: Defect) -> (String, String) {
    let ledger = Ledger::default();
    let api = start_double_with_ledger(table, defect, ledger.clone()).await;
    let admin = Router::new()
        .route(
            "/admin/ledger",
            axum::routing::get(move || {
                let ledger = ledger.clone();
                async move {
                    let entries: Vec<serde_json::Value> = ledger
                        .lock()
                        .expect("lock")
                        .iter()
                        .map(|biz_no| serde_json::json!({ "bizNo": biz_no }))
                        .collect();
                    axum::Json(entries)
                }
            }),
        )
        .route("/admin/rules", post(|| async { http::StatusCode::CREATED }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, admin).await;
    });
    (api, format!("http://{addr}"))
}

async fn start_double_with_ledger(table: &SpecTable, defect: Defect, ledger: Ledger) -> String {
    let k = keys();
    let rejections = RejectionTable::from_fn(|reason| {
        let c = table
            .common_codes
            .iter()
            .find(|c| RejectReason::from_str(&c.reason) == Ok(reason))
            .expect("the spec has a code for every reason");
        alipayhk_runtime::server::CommonCode {
            code: c.code.clone(),
            status: c.status,
            message: format!("{} (double)", c.code),
            http_status: c.http_status,
        }
    });
    let served = ServedApi {
        routes: table
            .operations
            .iter()
            .map(|op| Route::new(op.path.clone(), op.result_field.clone()))
            .collect(),
        rejections,
    };
    let config = ServerConfig::new(
        Arc::new(KeySigner::new(k.server.clone(), Some(1))),
        Arc::new(InMemoryKeyStore::new().with_key(CLIENT_ID, 1, k.partner.public_key())),
    )
    .with_decryption_key(k.server.clone());

    let mut app = Router::new();
    for op in &table.operations {
        let path = op.path.clone();
        let op = Arc::new(op.clone());
        let seen: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let ledger = ledger.clone();
        app = app.route(
            &path,
            post(
                move |Extension(_caller): Extension<CallerContext>, body: String| {
                    let op = op.clone();
                    let seen = seen.clone();
                    let ledger = ledger.clone();
                    async move { answer(&op, &seen, &ledger, &body, defect) }
                },
            ),
        );
    }
    let mut app = app
        .fallback(|| async { "" })
        .layer(SigningLayer::new(served, config));
    if matches!(defect, Defect::StaleResponseTime | Defect::ForeignClientId) {
        let signer = Arc::new(KeySigner::new(k.server.clone(), Some(1)));
        app = app.layer(middleware::from_fn(move |req: Request, next: Next| {
            let signer = signer.clone();
            async move { resign(req, next, defect, &signer).await }
        }));
    } else if !matches!(
        defect,
        Defect::None | Defect::SwappedStatus | Defect::AppliesReplays
    ) {
        app = app.layer(middleware::from_fn(
            move |req: Request, next: Next| async move {
                let mut response: Response = next.run(req).await;
                let headers = response.headers_mut();
                match defect {
                    Defect::Unsigned => {
                        headers.remove("Signature");
                    }
                    Defect::NoClientIdEcho => {
                        headers.remove("Client-Id");
                    }
                    _ => {
                        headers.insert(
                            "Response-Time",
                            http::HeaderValue::from_static("1716360141000"),
                        );
                    }
                }
                response
            },
        ));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// Lets the signing layer answer, then replaces `Response-Time` or `Client-Id` and signs the
/// answer again over the new value: the result verifies, only freshness or addressee is wrong.
async fn resign(req: Request, next: Next, defect: Defect, signer: &KeySigner) -> Response {
    let path = req.uri().path().to_owned();
    let (mut parts, body) = next.run(req).await.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("the double's own body");
    let header = |parts: &http::response::Parts, name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut client_id = header(&parts, "Client-Id");
    let mut time = header(&parts, "Response-Time");
    match defect {
        Defect::StaleResponseTime => {
            time = alipayhk_runtime::time::format_time(
                time::OffsetDateTime::now_utc() - time::Duration::minutes(10),
            );
        }
        _ => client_id = FOREIGN_CLIENT_ID.to_owned(),
    }
    let content = alipayhk_runtime::signature::SignedContent {
        method: "POST",
        path: &path,
        client_id: &client_id,
        time: &time,
        body: &body,
    }
    .to_bytes();
    let signature = signer.sign_header_now(&content).expect("signs");
    let value = |v: &str| http::HeaderValue::from_str(v).expect("header value");
    parts.headers.insert("Client-Id", value(&client_id));
    parts.headers.insert("Response-Time", value(&time));
    parts
        .headers
        .insert("Signature", value(&signature.to_header_value()));
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// SUCCESS, or REPEAT_REQ_INCONSISTENT when an idempotency key comes back with a different body.
fn answer(
    op: &OperationSpec,
    seen: &Mutex<HashMap<String, String>>,
    ledger: &Ledger,
    body: &str,
    defect: Defect,
) -> String {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let mut code = "SUCCESS";
    if let Some(check) = op.validate_request
        && check(body.as_bytes()).is_err()
    {
        code = op.illegal_code.as_str();
    }
    if let Some(key) = op
        .idempotency_key
        .as_deref()
        .filter(|_| code == "SUCCESS")
        .and_then(|k| json.get(k))
        .and_then(|v| v.as_str())
    {
        let mut seen = seen.lock().expect("lock");
        let post = match seen.get(key) {
            Some(previous) if previous != body => {
                code = "REPEAT_REQ_INCONSISTENT";
                false
            }
            Some(_) => defect == Defect::AppliesReplays,
            None => {
                seen.insert(key.to_owned(), body.to_owned());
                true
            }
        };
        if post {
            ledger.lock().expect("lock").push(key.to_owned());
        }
    }
    let status = op
        .code(code)
        .map(|c| c.status)
        .unwrap_or(ResultStatus::Unknown);
    let status = match (defect, status) {
        (Defect::SwappedStatus, ResultStatus::Success) => "F",
        (_, s) => s.as_str(),
    };
    serde_json::json!({ op.result_field.clone(): { "resultCode": code, "resultStatus": status, "resultMessage": "double" } })
        .to_string()
}

/// Runs the suite against `base_url` without an admin API.
pub async fn run_against(
    table: &SpecTable,
    base_url: String,
    options: &RunOptions,
) -> SuiteOutcome {
    run_with_admin(table, base_url, None, options).await
}

/// Runs the suite against `base_url`, with the admin API at `admin_url` if given.
pub async fn run_with_admin(
    table: &SpecTable,
    base_url: String,
    admin_url: Option<String>,
    options: &RunOptions,
) -> SuiteOutcome {
    let admin = admin_url.map(|url| {
        alipayhk_conformance::AdminClient::new(&url, "test-admin-token").expect("admin client")
    });
    let target = Target {
        base_url,
        credentials: credentials(),
        admin,
    };
    run_suite(&target, table, options, |_| {})
        .await
        .expect("run")
}

/// Two operations shaped like the spec's: one plain, one with an idempotency key.
pub fn small_table() -> SpecTable {
    let code = |c: &str, s: ResultStatus| CodeSpec {
        code: c.to_owned(),
        status: s,
    };
    let common = |c: &str, reason: &str| CommonCode {
        code: c.to_owned(),
        status: ResultStatus::Failure,
        reason: reason.to_owned(),
        http_status: 200,
    };
    SpecTable {
        operations: vec![
            OperationSpec {
                id: "inquireAPoint".into(),
                path: "/api/open/v1/alipayhk/promotion/benefit/userPromoBenefitQuery".into(),
                result_field: "result".into(),
                idempotency_key: None,
                result_codes: vec![
                    code("SUCCESS", ResultStatus::Success),
                    code("USER_NOT_EXIST", ResultStatus::Failure),
                ],
                example_request: serde_json::json!({"accessToken": "281001133486932346851012000aKLpNuDBB"}),
                validate_response: None,
                illegal_code: "PARAM_ILLEGAL".into(),
                request_rules: &[],
                validate_request: None,
            },
            OperationSpec {
                id: "issueAPoint".into(),
                path: "/api/open/alipay/v1/promotion/benefit/issue".into(),
                result_field: "result".into(),
                idempotency_key: Some("bizNo".into()),
                result_codes: vec![
                    code("SUCCESS", ResultStatus::Success),
                    code("RISK_REJECT", ResultStatus::Failure),
                    code("UNKNOWN_EXCEPTION", ResultStatus::Unknown),
                    code("REPEAT_REQ_INCONSISTENT", ResultStatus::Failure),
                ],
                example_request: serde_json::json!({
                    "bizNo": "ISSUE-1", "bizDate": 1716360141000_i64,
                    "providerUserInfo": {"userId": "2160400000000135"},
                    "benefitIssueMode": "BENEFIT_PRODUCT_ID",
                    "benefitIssueDetail": {"benefitProductId": "POINT_CAMPAIGN_2024", "amount": 100}
                }),
                validate_response: None,
                illegal_code: "PARAM_ILLEGAL".into(),
                request_rules: &[],
                validate_request: None,
            },
        ],
        common_codes: vec![
            common("INVALID_HEADER", "missing_header"),
            common("INVALID_SIGNATURE", "invalid_signature"),
            common("INVALID_CLIENT", "unknown_client"),
            common("KEY_NOT_FOUND", "unknown_key_version"),
            common("INVALID_REQUEST_TIME", "request_time_out_of_window"),
            common("MEDIA_TYPE_NOT_ACCEPTABLE", "unsupported_media_type"),
            common("REQUEST_TOO_LARGE", "body_too_large"),
            common("INVALID_ENCRYPTION", "decryption_failed"),
            common("NO_INTERFACE_DEF", "unknown_api"),
        ],
    }
}
