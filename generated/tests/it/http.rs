//! The generated client against the generated server stub over real HTTP on 127.0.0.1:
//! success, a documented failure and an unknown outcome arrive as the right typed variants;
//! invalid bodies get the operation's own `*_ILLEGAL` code.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use alipayhk_api::models::*;
use alipayhk_api::result_codes::*;
use alipayhk_api::server::{AlipayHkApi, HandlerError, router};
use alipayhk_api::spec;
use alipayhk_api::{CallError, Client, UnknownOutcome};
use alipayhk_runtime::client::{ClientConfig, RetryPolicy, Transport};
use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::server::{CallerContext, InMemoryKeyStore, ServerConfig};
use alipayhk_runtime::signature::KeySigner;

pub(super) const CLIENT_ID: &str = "TEST_CLIENT";

pub(super) struct Keys {
    pub(super) partner: PrivateKey,
    pub(super) alipay: PrivateKey,
}

// RSA key generation is slow; every test shares one pair.
pub(super) static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys {
    partner: PrivateKey::generate_rsa2048().expect("partner key"),
    alipay: PrivateKey::generate_rsa2048().expect("alipay key"),
});

/// What the stub answers next.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Answer {
    Success,
    /// A documented F code of the operation.
    Failure,
    /// A `U` result (documented where the operation has one, otherwise undocumented).
    Unknown,
    /// The handler fails.
    HandlerError,
    /// Redeem only: UNKNOWN_EXCEPTION, which redeem documents as F.
    RedeemUnknownException,
    RedeemUnknownExceptionSentAsU,
}

pub(super) struct Stub {
    answer: Mutex<Answer>,
    calls: AtomicUsize,
    biz_nos: Mutex<Vec<String>>,
    /// When set, the body of a successful Query Template answer (its `result` replaced).
    pub(super) template: Mutex<Option<serde_json::Value>>,
}

impl Stub {
    fn answer(&self) -> Answer {
        self.calls.fetch_add(1, Ordering::SeqCst);
        *self.answer.lock().expect("lock")
    }
}

impl AlipayHkApi for Stub {
    async fn inquire_a_point(
        &self,
        _ctx: CallerContext,
        _request: InquireAPointRequest,
    ) -> Result<InquireAPointResponse, HandlerError<InquireAPointFailure>> {
        Ok(match self.answer() {
            Answer::Success => InquireAPointResponse::from_code(InquireAPointResultCode::Success)
                .with_account_benefit_model(AccountBenefitModel::new().with_balance(1200)),
            Answer::Failure => InquireAPointResponse::from_code(InquireAPointFailure::UserNotExist),
            Answer::Unknown => {
                InquireAPointResponse::from_code(InquireAPointFailure::UnknownException)
            }
            _ => return Err(HandlerError::msg("ledger offline")),
        })
    }

    async fn issue_a_point(
        &self,
        _ctx: CallerContext,
        request: IssueAPointRequest,
    ) -> Result<IssueAPointResponse, HandlerError<IssueAPointFailure>> {
        self.biz_nos.lock().expect("lock").extend(request.biz_no);
        Ok(match self.answer() {
            Answer::Success => IssueAPointResponse::from_code(IssueAPointResultCode::Success),
            // The typed way to answer a documented failure (the others build the response).
            Answer::Failure => return Err(HandlerError::failure(IssueAPointFailure::RiskReject)),
            Answer::Unknown => IssueAPointResponse::from_code(IssueAPointFailure::UnknownException),
            _ => return Err(HandlerError::msg("ledger offline")),
        })
    }

    async fn redeem_a_point(
        &self,
        _ctx: CallerContext,
        _request: RedeemAPointRequest,
    ) -> Result<RedeemAPointResponse, HandlerError<RedeemAPointFailure>> {
        Ok(match self.answer() {
            Answer::Success => RedeemAPointResponse::from_code(RedeemAPointResultCode::Success),
            Answer::Failure => RedeemAPointResponse::from_code(RedeemAPointFailure::PointNotEnough),
            // Redeem documents no U code: an undocumented one goes by resultStatus.
            Answer::Unknown => {
                RedeemAPointResponse::from_code(RedeemAPointResultCode::from("SYSTEM_BUSY"))
            }
            Answer::RedeemUnknownException => {
                RedeemAPointResponse::from_code(RedeemAPointFailure::UnknownException)
            }
            Answer::RedeemUnknownExceptionSentAsU => {
                // The wire says U, the table says F: a contradiction nobody can settle.
                let mut response =
                    RedeemAPointResponse::from_code(RedeemAPointFailure::UnknownException);
                response.result.result_status = alipayhk_api::ResultStatus::Unknown;
                response
            }
            Answer::HandlerError => return Err(HandlerError::msg("ledger offline")),
        })
    }

    async fn query_template(
        &self,
        _ctx: CallerContext,
        request: QueryTemplateRequest,
    ) -> Result<QueryTemplateResponse, HandlerError<QueryTemplateFailure>> {
        let scripted = self.template.lock().expect("lock").clone();
        Ok(match self.answer() {
            Answer::Success if scripted.is_some() => {
                let mut body = scripted.unwrap_or_default();
                body["result"] = serde_json::json!({"resultCode": "SUCCESS", "resultStatus": "S"});
                serde_json::from_value(body).map_err(HandlerError::msg)?
            }
            Answer::Success => QueryTemplateResponse::from_code(QueryTemplateResultCode::Success)
                .with_template_code(request.template_code)
                .with_type(QueryTemplateResponseType::Coupon),
            Answer::Failure => {
                QueryTemplateResponse::from_code(QueryTemplateFailure::PassTemplateNotExist)
            }
            Answer::Unknown => {
                QueryTemplateResponse::from_code(QueryTemplateResultCode::from("UNKNOWN_EXCEPTION"))
            }
            _ => return Err(HandlerError::msg("template store offline")),
        })
    }

    async fn update_membership_card(
        &self,
        _ctx: CallerContext,
        _request: UpdateMembershipCardRequest,
    ) -> Result<UpdateMembershipCardResponse, HandlerError<UpdateMembershipCardFailure>> {
        Ok(match self.answer() {
            Answer::Success => {
                UpdateMembershipCardResponse::from_code(UpdateMembershipCardResultCode::Success)
            }
            Answer::Failure => {
                UpdateMembershipCardResponse::from_code(UpdateMembershipCardFailure::ParamIllegal)
            }
            Answer::Unknown => UpdateMembershipCardResponse::from_code(
                UpdateMembershipCardFailure::UnknownException,
            ),
            _ => return Err(HandlerError::msg("card store offline")),
        })
    }
}

pub(super) struct Harness {
    pub(super) stub: Arc<Stub>,
    pub(super) client: Client,
    pub(super) transport: Transport,
    pub(super) config: ClientConfig,
    pub(super) base_url: String,
}

impl Harness {
    fn answer(&self, answer: Answer) {
        *self.stub.answer.lock().expect("lock") = answer;
    }
}

pub(super) async fn start() -> Harness {
    let keys = &*KEYS;
    let stub = Arc::new(Stub {
        answer: Mutex::new(Answer::Success),
        calls: AtomicUsize::new(0),
        biz_nos: Mutex::new(Vec::new()),
        template: Mutex::new(None),
    });
    let store = InMemoryKeyStore::new().with_key(CLIENT_ID, 1, keys.partner.public_key());
    let config = ServerConfig::new(
        Arc::new(KeySigner::new(keys.alipay.clone(), Some(1))),
        Arc::new(store),
    );
    let app = router(stub.clone(), config);
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
        keys.alipay.public_key(),
    )
    .with_timeouts(Duration::from_secs(5), Duration::from_secs(10));
    let transport = Transport::new(config.clone()).expect("valid config");
    let client = Client::new(config.clone()).expect("valid config");
    Harness {
        stub,
        client,
        transport,
        config,
        base_url: format!("http://{addr}"),
    }
}

pub(super) fn example<T: serde::de::DeserializeOwned>(id: &str) -> T {
    let op = spec::operation(id).expect("operation");
    serde_json::from_str(op.request_example).expect("example decodes")
}

fn unknown_code<C: std::fmt::Debug>(error: CallError<C>) -> String {
    match error {
        CallError::Unknown {
            reason: UnknownOutcome::ResultUnknown { code, .. },
            ..
        } => code,
        other => panic!("expected an unknown result, got {other:?}"),
    }
}

#[tokio::test]
async fn inquire_success_failure_and_unknown() {
    let h = start().await;
    let request: InquireAPointRequest = example("inquireAPoint");
    let response = h.client.inquire_a_point(&request).await.expect("success");
    assert_eq!(response.result_code(), InquireAPointResultCode::Success);
    assert_eq!(
        response
            .into_inner()
            .account_benefit_model
            .and_then(|m| m.balance),
        Some(1200)
    );

    h.answer(Answer::Failure);
    let error = h
        .client
        .inquire_a_point(&request)
        .await
        .expect_err("failure");
    assert!(
        matches!(
            error,
            CallError::Failed {
                code: InquireAPointFailure::UserNotExist,
                ..
            }
        ),
        "{error:?}"
    );

    h.answer(Answer::Unknown);
    let error = h
        .client
        .inquire_a_point(&request)
        .await
        .expect_err("unknown");
    assert_eq!(unknown_code(error), "UNKNOWN_EXCEPTION");
}

#[tokio::test]
async fn every_outcome_carries_tracer_id_response_time_client_id_and_status() {
    let h = start().await;
    let request: InquireAPointRequest = example("inquireAPoint");
    let response = h.client.inquire_a_point(&request).await.expect("success");
    let tracer = response.tracer_id().expect("Tracer-Id").to_string();
    assert!(!tracer.is_empty());
    assert_eq!(response.status(), 200);
    assert_eq!(response.response().client_id.as_deref(), Some(CLIENT_ID));
    assert!(response.response().verified);
    let time = response.response_time().expect("Response-Time");
    assert!(alipayhk_runtime::time::parse_time(time).is_ok(), "{time}");

    h.answer(Answer::Failure);
    let failed = h.client.inquire_a_point(&request).await.expect_err("F");
    let meta = failed.response().expect("a failure was answered");
    assert!(
        meta.tracer_id
            .as_deref()
            .is_some_and(|t| !t.is_empty() && t != tracer)
    );
    assert_eq!((meta.status, meta.verified), (200, true));
    assert!(failed.to_string().contains("Tracer-Id"), "{failed}");

    h.answer(Answer::Unknown);
    let unknown = h.client.inquire_a_point(&request).await.expect_err("U");
    assert!(unknown.is_unknown());
    assert!(unknown.tracer_id().is_some(), "{unknown:?}");
    assert_eq!(
        unknown.response().map(|m| m.client_id.as_deref()),
        Some(Some(CLIENT_ID))
    );
}

#[tokio::test]
async fn a_rejected_signature_still_reports_what_the_answer_said() {
    let h = start().await;
    let mut config = h.config.clone();
    config.alipay_public_key = KEYS.partner.public_key();
    let client = Client::new(config).expect("valid config");
    let request: InquireAPointRequest = example("inquireAPoint");
    let error = client
        .inquire_a_point(&request)
        .await
        .expect_err("unverifiable");
    assert!(error.is_unknown());
    let meta = error.response().expect("an answer came back");
    assert!(!meta.verified, "the signature did not verify");
    assert_eq!(meta.status, 200);
    assert!(meta.tracer_id.is_some());
}

#[tokio::test]
async fn issue_without_biz_no_gets_one_assigned_and_returned_with_every_outcome() {
    let h = start().await;
    let mut request: IssueAPointRequest = example("issueAPoint");
    request.biz_no = None;

    let response = h.client.issue_a_point(&request).await.expect("success");
    let first = response.idempotency_key().expect("assigned").to_string();
    assert_eq!(first.len(), 32, "{first}");

    h.answer(Answer::Unknown);
    let error = h.client.issue_a_point(&request).await.expect_err("unknown");
    assert!(error.is_unknown());
    let second = error
        .idempotency_key()
        .expect("returned with U")
        .to_string();
    assert_ne!(first, second, "each call without a key gets its own");
    assert!(error.to_string().contains(&second), "{error}");

    // The retry after an unknown outcome reuses the returned key.
    h.answer(Answer::Success);
    request.biz_no = Some(second.clone());
    let retried = h.client.issue_a_point(&request).await.expect("success");
    assert_eq!(retried.idempotency_key(), Some(second.as_str()));
    assert_eq!(
        *h.stub.biz_nos.lock().expect("lock"),
        [first, second.clone(), second],
        "the server saw exactly the keys the client returned"
    );
}

#[tokio::test]
async fn a_callers_biz_no_is_kept_and_returned() {
    let h = start().await;
    let request: IssueAPointRequest = example("issueAPoint");
    let given = request.biz_no.clone().expect("the example has one");
    h.answer(Answer::Failure);
    let error = h.client.issue_a_point(&request).await.expect_err("F");
    assert_eq!(error.idempotency_key(), Some(given.as_str()));
    assert_eq!(*h.stub.biz_nos.lock().expect("lock"), [given]);
    // Inquire has no idempotency key.
    h.answer(Answer::Success);
    let inquiry: InquireAPointRequest = example("inquireAPoint");
    let response = h.client.inquire_a_point(&inquiry).await.expect("success");
    assert_eq!(response.idempotency_key(), None);
}

#[tokio::test]
async fn issue_success_failure_and_unknown() {
    let h = start().await;
    let request: IssueAPointRequest = example("issueAPoint");
    assert_eq!(
        h.client
            .issue_a_point(&request)
            .await
            .expect("success")
            .result_code(),
        IssueAPointResultCode::Success
    );

    h.answer(Answer::Failure);
    let error = h.client.issue_a_point(&request).await.expect_err("failure");
    assert!(
        matches!(
            error,
            CallError::Failed {
                code: IssueAPointFailure::RiskReject,
                ..
            }
        ),
        "{error:?}"
    );

    h.answer(Answer::Unknown);
    assert_eq!(
        unknown_code(h.client.issue_a_point(&request).await.expect_err("unknown")),
        "UNKNOWN_EXCEPTION"
    );
}

#[tokio::test]
async fn redeem_success_failure_and_unknown() {
    let h = start().await;
    let request: RedeemAPointRequest = example("redeemAPoint");
    assert_eq!(
        h.client
            .redeem_a_point(&request)
            .await
            .expect("success")
            .result_code(),
        RedeemAPointResultCode::Success
    );

    h.answer(Answer::Failure);
    let error = h
        .client
        .redeem_a_point(&request)
        .await
        .expect_err("failure");
    assert!(
        matches!(
            error,
            CallError::Failed {
                code: RedeemAPointFailure::PointNotEnough,
                ..
            }
        ),
        "{error:?}"
    );

    h.answer(Answer::Unknown);
    assert_eq!(
        unknown_code(
            h.client
                .redeem_a_point(&request)
                .await
                .expect_err("unknown")
        ),
        "SYSTEM_BUSY"
    );
}

#[tokio::test]
async fn redeem_unknown_exception_is_a_failure_as_documented() {
    let h = start().await;
    h.answer(Answer::RedeemUnknownException);
    let request: RedeemAPointRequest = example("redeemAPoint");
    let error = h
        .client
        .redeem_a_point(&request)
        .await
        .expect_err("failure");
    assert!(
        matches!(
            error,
            CallError::Failed {
                code: RedeemAPointFailure::UnknownException,
                ..
            }
        ),
        "{error:?}"
    );

    h.answer(Answer::RedeemUnknownExceptionSentAsU);
    let error = h
        .client
        .redeem_a_point(&request)
        .await
        .expect_err("unknown");
    assert!(
        error.is_unknown(),
        "a contradicting status is unknown: {error:?}"
    );
}

#[tokio::test]
async fn query_template_success_failure_and_unknown() {
    let h = start().await;
    let request: QueryTemplateRequest = example("queryTemplate");
    let response = h.client.query_template(&request).await.expect("success");
    assert_eq!(
        response.template_code.as_deref(),
        Some(request.template_code.as_str())
    );
    assert_eq!(response.r#type, Some(QueryTemplateResponseType::Coupon));

    h.answer(Answer::Failure);
    let error = h
        .client
        .query_template(&request)
        .await
        .expect_err("failure");
    assert!(
        matches!(
            error,
            CallError::Failed {
                code: QueryTemplateFailure::PassTemplateNotExist,
                ..
            }
        ),
        "{error:?}"
    );

    h.answer(Answer::Unknown);
    assert_eq!(
        unknown_code(
            h.client
                .query_template(&request)
                .await
                .expect_err("unknown")
        ),
        "UNKNOWN_EXCEPTION"
    );
}

#[tokio::test]
async fn update_membership_card_success_failure_and_unknown() {
    let h = start().await;
    let request: UpdateMembershipCardRequest = example("updateMembershipCard");
    let response = h
        .client
        .update_membership_card(&request)
        .await
        .expect("success");
    assert_eq!(
        response.result_code(),
        UpdateMembershipCardResultCode::Success
    );

    h.answer(Answer::Failure);
    let error = h
        .client
        .update_membership_card(&request)
        .await
        .expect_err("failure");
    assert!(
        matches!(
            error,
            CallError::Failed {
                code: UpdateMembershipCardFailure::ParamIllegal,
                ..
            }
        ),
        "{error:?}"
    );

    h.answer(Answer::Unknown);
    assert_eq!(
        unknown_code(
            h.client
                .update_membership_card(&request)
                .await
                .expect_err("unknown")
        ),
        "UNKNOWN_EXCEPTION"
    );
}

#[tokio::test]
async fn handler_error_answers_the_unknown_exception_code() {
    let h = start().await;
    h.answer(Answer::HandlerError);
    let request: InquireAPointRequest = example("inquireAPoint");
    assert_eq!(
        unknown_code(
            h.client
                .inquire_a_point(&request)
                .await
                .expect_err("unknown")
        ),
        "UNKNOWN_EXCEPTION"
    );
    // Redeem documents UNKNOWN_EXCEPTION as F: a handler error there is a documented failure.
    let request: RedeemAPointRequest = example("redeemAPoint");
    let error = h
        .client
        .redeem_a_point(&request)
        .await
        .expect_err("failure");
    assert!(
        matches!(
            error,
            CallError::Failed {
                code: RedeemAPointFailure::UnknownException,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn client_refuses_an_invalid_request_without_sending() {
    let h = start().await;
    let mut request: RedeemAPointRequest = example("redeemAPoint");
    request.benefit_redeem_infos[0].amount = 0;
    match h.client.redeem_a_point(&request).await {
        Err(CallError::Invalid(errors)) => {
            assert_eq!(errors.0[0].path, "benefitRedeemInfos[0].amount")
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// Sends raw bytes (bypassing the client's validation) and returns the result code.
pub(super) async fn raw_result_code(
    h: &Harness,
    path: &str,
    body: &str,
    result_field: &str,
) -> String {
    let response = h
        .transport
        .send(path, body.as_bytes().to_vec(), &|_| false)
        .await
        .expect("a verified response");
    let json: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    json[result_field]["resultCode"]
        .as_str()
        .expect("resultCode")
        .to_string()
}

#[tokio::test]
async fn invalid_bodies_get_each_operation_s_illegal_code() {
    let h = start().await;
    // Every operation, with a body that is not even an object of the right shape.
    for op in spec::OPERATIONS {
        let code = raw_result_code(&h, op.path, r#"{"unexpected": true"#, op.result_field).await;
        assert_eq!(code, op.illegal_code, "{}", op.id);
    }
    // Inquire keeps its documented quirk.
    assert_eq!(
        spec::operation("inquireAPoint").map(|op| op.illegal_code),
        Some("PARAMETER_ILLEGAL")
    );
}

#[tokio::test]
async fn missing_fields_constraints_and_unknown_enum_values_are_illegal() {
    let h = start().await;
    let inquire = spec::paths::INQUIRE_A_POINT;
    assert_eq!(
        raw_result_code(&h, inquire, "{}", "result").await,
        "PARAMETER_ILLEGAL"
    );
    let query = spec::paths::QUERY_TEMPLATE;
    let too_long = format!(
        r#"{{"merchantId":"2160120041113167","templateCode":"{}"}}"#,
        "8".repeat(33)
    );
    assert_eq!(
        raw_result_code(&h, query, &too_long, "result").await,
        "PARAM_ILLEGAL"
    );
    let update = spec::paths::UPDATE_MEMBERSHIP_CARD;
    let frozen = r#"{"merchantId":"m","userId":"2160400000000135","passId":"p","status":"FROZEN","updateDetailType":"UPDATE_MEMBER_CARD"}"#;
    assert_eq!(
        raw_result_code(&h, update, frozen, "resultInfo").await,
        "PARAM_ILLEGAL"
    );
    // The message says what was wrong.
    let response = h
        .transport
        .send(update, frozen.as_bytes().to_vec(), &|_| false)
        .await
        .expect("response");
    let json: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    let message = json["resultInfo"]["resultMessage"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("status") && message.contains("FROZEN"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unverifiable_response_is_an_unknown_outcome() {
    let h = start().await;
    // The client trusts the wrong AlipayHK key: the response signature cannot verify.
    let mut config = h.config.clone();
    config.alipay_public_key = KEYS.partner.public_key();
    let client = Client::new(config).expect("valid config");
    let request: InquireAPointRequest = example("inquireAPoint");
    match client.inquire_a_point(&request).await {
        Err(CallError::Unknown {
            reason: UnknownOutcome::Transport(error),
            ..
        }) => {
            assert!(error.outcome_unknown(), "{error}")
        }
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
    assert_eq!(
        h.stub.calls.load(Ordering::SeqCst),
        1,
        "the request did reach the server"
    );
}

#[tokio::test]
async fn nothing_listening_means_not_sent() {
    let keys = &*KEYS;
    // Bind, learn the port, close it: nothing listens there.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let config = ClientConfig::new(
        format!("http://{addr}"),
        CLIENT_ID,
        Arc::new(KeySigner::new(keys.partner.clone(), Some(1))),
        keys.alipay.public_key(),
    )
    .with_timeouts(Duration::from_secs(2), Duration::from_secs(2));
    let client = Client::new(config).expect("valid config");
    let request: InquireAPointRequest = example("inquireAPoint");
    let error = client
        .inquire_a_point(&request)
        .await
        .expect_err("nothing listens");
    assert!(matches!(error, CallError::NotSent(_)), "{error:?}");
}

#[tokio::test]
async fn a_u_result_is_retried_with_the_same_biz_no() {
    let h = start().await;
    h.answer(Answer::Unknown);
    let retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
    };
    let client = Client::new(h.config.clone().with_retry(retry)).expect("valid config");
    let request: IssueAPointRequest = example("issueAPoint");
    let error = client
        .issue_a_point(&request)
        .await
        .expect_err("still unknown");
    assert!(error.is_unknown(), "{error:?}");
    assert_eq!(h.stub.calls.load(Ordering::SeqCst), 3);
    let biz_nos = h.stub.biz_nos.lock().expect("lock").clone();
    assert_eq!(
        biz_nos,
        vec![request.biz_no.clone().expect("example has a bizNo"); 3]
    );
}

#[tokio::test]
async fn a_documented_failure_is_not_retried() {
    let h = start().await;
    h.answer(Answer::Failure);
    let retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
    };
    let client = Client::new(h.config.clone().with_retry(retry)).expect("valid config");
    let request: IssueAPointRequest = example("issueAPoint");
    assert!(
        client
            .issue_a_point(&request)
            .await
            .expect_err("failure")
            .failed_code()
            .is_some()
    );
    assert_eq!(h.stub.calls.load(Ordering::SeqCst), 1);
}
