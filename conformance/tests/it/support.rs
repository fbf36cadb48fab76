//! Keys, a spec table and a correctly behaving double built on the runtime's SigningLayer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use alipayhk_api::spec::{CommonCodeInfo, OperationInfo, ResultCodeInfo};
use alipayhk_conformance::{Credentials, RunOptions, SpecTable, SuiteOutcome, Target, run_suite};
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
pub async fn start_double(table: &SpecTable<'_>, defect: Defect) -> String {
    start_double_with_ledger(table, defect, Ledger::default()).await
}

/// A double plus an admin API on its own port that serves `GET /admin/ledger` (entries with a
/// `bizNo`) and accepts rules; returns (API base URL, admin base URL).
pub async fn start_double_with_admin(table: &SpecTable<'_>, defect: Defect) -> (String, String) {
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

async fn start_double_with_ledger(table: &SpecTable<'_>, defect: Defect, ledger: Ledger) -> String {
    let k = keys();
    let rejections = RejectionTable::from_fn(|reason| {
        let c = table
            .common_codes
            .iter()
            .find(|c| c.reason == reason)
            .expect("the spec has a code for every reason");
        alipayhk_runtime::server::CommonCode {
            code: c.code.to_owned(),
            status: c.status,
            message: format!("{} (double)", c.code),
            http_status: c.http_status,
        }
    });
    let served = ServedApi {
        routes: table
            .operations
            .iter()
            .map(|op| Route::new(op.path, op.result_field))
            .collect(),
        rejections,
    };
    let config = ServerConfig::new(
        Arc::new(KeySigner::new(k.server.clone(), Some(1))),
        Arc::new(InMemoryKeyStore::new().with_key(CLIENT_ID, 1, k.partner.public_key())),
    )
    .with_decryption_key(k.server.clone());

    let mut app = Router::new();
    for op in table.operations {
        let path = op.path;
        let op = Arc::new(*op);
        let seen: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let ledger = ledger.clone();
        app = app.route(
            path,
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
    op: &OperationInfo,
    seen: &Mutex<HashMap<String, String>>,
    ledger: &Ledger,
    body: &str,
    defect: Defect,
) -> String {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let mut code = "SUCCESS";
    if (op.check_request)(body.as_bytes()).is_err() {
        code = op.illegal_code;
    }
    if let Some(key) = op
        .idempotency_key
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
    serde_json::json!({ op.result_field: { "resultCode": code, "resultStatus": status, "resultMessage": "double" } })
        .to_string()
}

/// Runs the suite against `base_url` without an admin API.
pub async fn run_against(
    table: &SpecTable<'_>,
    base_url: String,
    options: &RunOptions,
) -> SuiteOutcome {
    run_with_admin(table, base_url, None, options).await
}

/// Runs the suite against `base_url`, with the admin API at `admin_url` if given.
pub async fn run_with_admin(
    table: &SpecTable<'_>,
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

/// Any body passes: the small table checks the result object only, no schema.
fn any_body(_: &[u8]) -> Result<(), alipayhk_api::spec::BodyProblem> {
    Ok(())
}

fn nothing_undocumented(_: &[u8]) -> Vec<String> {
    Vec::new()
}

const fn code(code: &'static str, status: ResultStatus) -> ResultCodeInfo {
    ResultCodeInfo {
        code,
        status,
        message: "",
        assumption: None,
    }
}

const fn common(code: &'static str, reason: RejectReason) -> CommonCodeInfo {
    CommonCodeInfo {
        code,
        status: ResultStatus::Failure,
        message: "",
        reason,
        http_status: 200,
    }
}

static SMALL_OPERATIONS: [OperationInfo; 2] = [
    OperationInfo {
        id: "inquireAPoint",
        summary: "Inquire A. Point",
        path: "/api/open/v1/alipayhk/promotion/benefit/userPromoBenefitQuery",
        result_field: "result",
        idempotency_key: None,
        illegal_code: "PARAM_ILLEGAL",
        unknown_code: None,
        result_codes: &[
            code("SUCCESS", ResultStatus::Success),
            code("USER_NOT_EXIST", ResultStatus::Failure),
        ],
        request_example: r#"{"accessToken":"281001133486932346851012000aKLpNuDBB"}"#,
        response_example: "",
        request_rules: &[],
        secret_fields: &[],
        volatile_fields: &[],
        check_request: any_body,
        check_response: any_body,
        undocumented_in_request: nothing_undocumented,
        undocumented_in_response: nothing_undocumented,
    },
    OperationInfo {
        id: "issueAPoint",
        summary: "Issue A. Point",
        path: "/api/open/alipay/v1/promotion/benefit/issue",
        result_field: "result",
        idempotency_key: Some("bizNo"),
        illegal_code: "PARAM_ILLEGAL",
        unknown_code: None,
        result_codes: &[
            code("SUCCESS", ResultStatus::Success),
            code("RISK_REJECT", ResultStatus::Failure),
            code("UNKNOWN_EXCEPTION", ResultStatus::Unknown),
            code("REPEAT_REQ_INCONSISTENT", ResultStatus::Failure),
        ],
        request_example: r#"{"bizNo":"ISSUE-1","bizDate":1716360141000,"providerUserInfo":{"userId":"2160400000000135"},"benefitIssueMode":"BENEFIT_PRODUCT_ID","benefitIssueDetail":{"benefitProductId":"POINT_CAMPAIGN_2024","amount":100}}"#,
        response_example: "",
        request_rules: &[],
        secret_fields: &[],
        volatile_fields: &[],
        check_request: any_body,
        check_response: any_body,
        undocumented_in_request: nothing_undocumented,
        undocumented_in_response: nothing_undocumented,
    },
];

static SMALL_COMMON_CODES: [CommonCodeInfo; 9] = [
    common("INVALID_HEADER", RejectReason::MissingHeader),
    common("INVALID_SIGNATURE", RejectReason::InvalidSignature),
    common("INVALID_CLIENT", RejectReason::UnknownClient),
    common("KEY_NOT_FOUND", RejectReason::UnknownKeyVersion),
    common("INVALID_REQUEST_TIME", RejectReason::RequestTimeOutOfWindow),
    common(
        "MEDIA_TYPE_NOT_ACCEPTABLE",
        RejectReason::UnsupportedMediaType,
    ),
    common("REQUEST_TOO_LARGE", RejectReason::BodyTooLarge),
    common("INVALID_ENCRYPTION", RejectReason::DecryptionFailed),
    common("NO_INTERFACE_DEF", RejectReason::UnknownApi),
];

/// Two operations shaped like the spec's: one plain, one with an idempotency key; values of
/// the generated table types, with the result object checked but no schema.
pub fn small_table() -> SpecTable<'static> {
    SpecTable {
        operations: &SMALL_OPERATIONS,
        common_codes: &SMALL_COMMON_CODES,
    }
}
