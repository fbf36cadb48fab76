//! The signed API over real HTTP with the generated client: every documented code of
//! every operation, produced by state or by a scripted rule.

use std::time::Duration;

use alipayhk_api::client::Client;
use alipayhk_api::models::{
    InquireAPointRequest, IssueAPointRequest, QueryTemplateRequest, RedeemAPointRequest,
    UpdateMembershipCardRequest,
};
use alipayhk_api::spec;
use alipayhk_runtime::outcome::{CallError, UnknownOutcome};
use alipayhk_simulator::{
    DEMO_ACCESS_TOKEN, DEMO_MERCHANT_ID, DEMO_PASS_ID, DEMO_PRODUCT_ID, DEMO_TEMPLATE_CODE,
    DEMO_USER_ID,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestServer, code_of};

fn model<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn inquiry(token: &str) -> InquireAPointRequest {
    model(json!({"accessToken": token}))
}

fn issue(biz_no: &str, amount: i64) -> IssueAPointRequest {
    model(json!({
        "bizNo": biz_no,
        "bizDate": 1_767_225_600_000_i64,
        "providerUserInfo": {"userId": DEMO_USER_ID},
        "benefitIssueMode": "BENEFIT_PRODUCT_ID",
        "benefitIssueDetail": {"benefitProductId": DEMO_PRODUCT_ID, "amount": amount}
    }))
}

fn redeem(biz_no: &str, amount: i64) -> RedeemAPointRequest {
    model(json!({
        "benefitProductCode": "POINT",
        "bizNo": biz_no,
        "bizdt": "1716360141000",
        "ipRoleId": DEMO_USER_ID,
        "sceneCode": "OFFLINE_REDEEM",
        "benefitRedeemInfos": [{"amount": amount}]
    }))
}

fn template(code: &str) -> QueryTemplateRequest {
    model(json!({"merchantId": DEMO_MERCHANT_ID, "templateCode": code}))
}

fn card_update(status: &str, pass_id: &str) -> UpdateMembershipCardRequest {
    model(json!({
        "merchantId": DEMO_MERCHANT_ID,
        "userId": DEMO_USER_ID,
        "passId": pass_id,
        "status": status,
        "updateDetailType": "UPDATE_MEMBER_CARD",
        "endDate": 1_798_761_599_000_i64,
        "dataInfo": {"point": 1500, "level": "GOLD", "billNo": "B-1", "lastChangePoints": 500, "pointsProvider": "ALIPAYHK"}
    }))
}

/// Sends a raw (signed) body the generated client would refuse to send; returns the result code.
async fn raw_code(server: &TestServer, path: &str, body: &str, result_field: &str) -> String {
    let client = server.client();
    let response = client
        .transport()
        .send(path, body.as_bytes().to_vec(), &|_| false)
        .await
        .unwrap();
    let value: Value = serde_json::from_slice(&response.body).unwrap();
    value[result_field]["resultCode"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn balance(server: &TestServer) -> i64 {
    let (_, user) = server
        .admin
        .call(Method::GET, &format!("/admin/users/{DEMO_USER_ID}"), None)
        .await;
    user["balance"].as_i64().unwrap()
}

#[tokio::test]
async fn inquire_codes_from_state() {
    let server = TestServer::start().await;
    let client = server.client();
    let ok = client
        .inquire_a_point(&inquiry(DEMO_ACCESS_TOKEN))
        .await
        .unwrap();
    assert_eq!(
        ok.into_inner().account_benefit_model.unwrap().balance,
        Some(1200)
    );
    assert_eq!(
        code_of(&client.inquire_a_point(&inquiry("unknown-token")).await),
        "ACCESSTOKEN_VALIDATE_FAILED"
    );
    assert_eq!(
        code_of(&client.inquire_a_point(&inquiry("bad token!")).await),
        "ACCESSTOKEN_VALIDATE_FAILED"
    );
    let (_, expired) = server
        .admin
        .call(
            Method::POST,
            "/admin/tokens",
            Some(json!({"userId": DEMO_USER_ID, "expiresInSeconds": -5})),
        )
        .await;
    let expired = expired["token"].as_str().unwrap();
    assert_eq!(
        code_of(&client.inquire_a_point(&inquiry(expired)).await),
        "ACCESSTOKEN_VALIDATE_FAILED"
    );
    assert_eq!(
        raw_code(&server, spec::paths::INQUIRE_A_POINT, "{}", "result").await,
        "PARAMETER_ILLEGAL"
    );
    server
        .admin
        .call(
            Method::DELETE,
            &format!("/admin/users/{DEMO_USER_ID}"),
            None,
        )
        .await;
    assert_eq!(
        code_of(&client.inquire_a_point(&inquiry(DEMO_ACCESS_TOKEN)).await),
        "USER_NOT_EXIST"
    );
}

#[tokio::test]
async fn issue_codes_from_state() {
    let server = TestServer::start().await;
    let client = server.client();
    assert_eq!(
        code_of(&client.issue_a_point(&issue("I-1", 100)).await),
        "SUCCESS"
    );
    assert_eq!(balance(&server).await, 1300);
    let budget = |total: i64, current: i64, paused: bool| {
        json!({"productId": DEMO_PRODUCT_ID, "totalRemaining": total, "currentRemaining": current,
               "campaignStartMs": 1_704_038_400_000_i64, "campaignEndMs": 1_798_761_599_000_i64, "paused": paused})
    };
    server
        .admin
        .call(Method::PUT, "/admin/budgets", Some(budget(50, 50, false)))
        .await;
    assert_eq!(
        code_of(&client.issue_a_point(&issue("I-2", 60)).await),
        "TOTAL_BUDGET_NOT_ENOUGH"
    );
    server
        .admin
        .call(Method::PUT, "/admin/budgets", Some(budget(500, 50, false)))
        .await;
    assert_eq!(
        code_of(&client.issue_a_point(&issue("I-3", 60)).await),
        "CURRENT_BUDGET_NOT_ENOUGH"
    );
    server
        .admin
        .call(Method::PUT, "/admin/budgets", Some(budget(500, 500, true)))
        .await;
    assert_eq!(
        code_of(&client.issue_a_point(&issue("I-4", 1)).await),
        "NO_BUDGET_RIGHT_NOW"
    );
    server
        .admin
        .call(Method::PUT, "/admin/budgets", Some(budget(500, 500, false)))
        .await;
    let mut late = issue("I-5", 1);
    late.biz_date = Some(1_900_000_000_000);
    assert_eq!(code_of(&client.issue_a_point(&late).await), "PROCESS_FAIL");
    let bad = r#"{"providerUserInfo":{},"benefitIssueMode":"BENEFIT_PRODUCT_ID","benefitIssueDetail":{"amount":0}}"#;
    assert_eq!(
        raw_code(&server, spec::paths::ISSUE_A_POINT, bad, "result").await,
        "PARAM_ILLEGAL"
    );
    assert_eq!(balance(&server).await, 1300);
}

#[tokio::test]
async fn redeem_codes_from_state() {
    let server = TestServer::start().await;
    let client = server.client();
    assert_eq!(
        code_of(&client.redeem_a_point(&redeem("R-1", 200)).await),
        "SUCCESS"
    );
    assert_eq!(
        code_of(&client.redeem_a_point(&redeem("R-2", 1001)).await),
        "POINT_NOT_ENOUGH"
    );
    let bad = r#"{"benefitProductCode":"CASH","bizNo":"R-3","bizdt":"1","ipRoleId":"2160400000000135","sceneCode":"S","benefitRedeemInfos":[]}"#;
    assert_eq!(
        raw_code(&server, spec::paths::REDEEM_A_POINT, bad, "result").await,
        "PARAM_ILLEGAL"
    );
    assert_eq!(balance(&server).await, 1000);
}

#[tokio::test]
async fn query_template_codes_from_state() {
    let server = TestServer::start().await;
    let client = server.client();
    let found = client
        .query_template(&template(DEMO_TEMPLATE_CODE))
        .await
        .unwrap();
    assert_eq!(found.template_code.as_deref(), Some(DEMO_TEMPLATE_CODE));
    assert_eq!(found.available_stock, Some(950));
    assert_eq!(
        code_of(&client.query_template(&template("99999")).await),
        "PASS_TEMPLATE_NOT_EXIST"
    );
    let bad =
        r#"{"merchantId":"2160120041113167","templateCode":"123456789012345678901234567890123"}"#;
    assert_eq!(
        raw_code(&server, spec::paths::QUERY_TEMPLATE, bad, "result").await,
        "PARAM_ILLEGAL"
    );
}

#[tokio::test]
async fn update_card_changes_then_closes_the_card() {
    let server = TestServer::start().await;
    let client = server.client();
    assert_eq!(
        code_of(
            &client
                .update_membership_card(&card_update("UPDATE", DEMO_PASS_ID))
                .await
        ),
        "SUCCESS"
    );
    let (_, card) = server
        .admin
        .call(Method::GET, &format!("/admin/cards/{DEMO_PASS_ID}"), None)
        .await;
    assert_eq!(
        (card["point"].as_i64(), card["level"].as_str()),
        (Some(1500), Some("GOLD"))
    );
    assert_eq!(card["dataInfo"]["billNo"], "B-1");
    assert_eq!(
        code_of(
            &client
                .update_membership_card(&card_update("CLOSED", DEMO_PASS_ID))
                .await
        ),
        "SUCCESS"
    );
    let (_, card) = server
        .admin
        .call(Method::GET, &format!("/admin/cards/{DEMO_PASS_ID}"), None)
        .await;
    assert_eq!(card["status"], "CLOSED");
    assert_eq!(
        code_of(
            &client
                .update_membership_card(&card_update("UPDATE", DEMO_PASS_ID))
                .await
        ),
        "PARAM_ILLEGAL"
    );
    assert_eq!(
        code_of(
            &client
                .update_membership_card(&card_update("UPDATE", "NO-SUCH-PASS"))
                .await
        ),
        "PARAM_ILLEGAL"
    );
}

/// Calls `operation` once with a valid request for the demo user; returns the code.
async fn call(client: &Client, operation: &str, biz_no: &str) -> String {
    match operation {
        "inquireAPoint" => code_of(&client.inquire_a_point(&inquiry(DEMO_ACCESS_TOKEN)).await),
        "issueAPoint" => code_of(&client.issue_a_point(&issue(biz_no, 1)).await),
        "redeemAPoint" => code_of(&client.redeem_a_point(&redeem(biz_no, 1)).await),
        "queryTemplate" => code_of(&client.query_template(&template(DEMO_TEMPLATE_CODE)).await),
        "updateMembershipCard" => code_of(
            &client
                .update_membership_card(&card_update("UPDATE", DEMO_PASS_ID))
                .await,
        ),
        other => panic!("unknown operation {other}"),
    }
}

#[tokio::test]
async fn every_documented_code_of_every_operation_can_be_scripted() {
    let server = TestServer::start().await;
    let client = server.client();
    let mut checked = 0;
    for operation in spec::OPERATIONS {
        for (i, code) in operation.result_codes.iter().enumerate() {
            server
                .admin
                .rule(json!({"operation": operation.id, "code": code.code, "times": 1}))
                .await;
            let answered = call(
                &client,
                operation.id,
                &format!("SCRIPT-{}-{i}", operation.id),
            )
            .await;
            assert_eq!(
                answered, code.code,
                "{} scripted {}",
                operation.id, code.code
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        spec::OPERATIONS
            .iter()
            .map(|op| op.result_codes.len())
            .sum::<usize>()
    );
    // Scripted answers moved no points (the SUCCESS ones were scripted too).
    assert_eq!(balance(&server).await, 1200);
}

#[tokio::test]
async fn scripted_status_follows_the_spec_including_the_redeem_quirk() {
    let server = TestServer::start().await;
    let client = server.client();
    server
        .admin
        .rule(json!({"operation": "issueAPoint", "code": "UNKNOWN_EXCEPTION", "times": 1}))
        .await;
    let issued = client.issue_a_point(&issue("Q-1", 1)).await;
    assert!(
        matches!(
            issued,
            Err(CallError::Unknown {
                reason: UnknownOutcome::ResultUnknown { .. },
                ..
            })
        ),
        "{issued:?}"
    );
    // Redeem's page lists UNKNOWN_EXCEPTION as F: a final failure for the client.
    server
        .admin
        .rule(json!({"operation": "redeemAPoint", "code": "UNKNOWN_EXCEPTION", "times": 1}))
        .await;
    let redeemed = client.redeem_a_point(&redeem("Q-2", 1)).await;
    assert!(
        matches!(redeemed, Err(CallError::Failed { .. })),
        "{redeemed:?}"
    );
}

#[tokio::test]
async fn rule_for_one_user_leaves_other_users_alone() {
    let server = TestServer::start().await;
    let client = server.client();
    server.admin.rule(json!({"operation": "inquireAPoint", "userId": "2160400000000136", "code": "RISK_REJECT"})).await;
    assert_eq!(
        code_of(&client.inquire_a_point(&inquiry(DEMO_ACCESS_TOKEN)).await),
        "SUCCESS"
    );
    assert_eq!(
        code_of(
            &client
                .inquire_a_point(&inquiry("demo-token-empty-user"))
                .await
        ),
        "RISK_REJECT"
    );
}

#[tokio::test]
async fn delayed_answer_makes_a_client_timeout_an_unknown_outcome() {
    let server = TestServer::start().await;
    let config = server
        .client_config()
        .with_timeouts(Duration::from_secs(2), Duration::from_millis(300));
    let client = Client::new(config).unwrap();
    server
        .admin
        .rule(json!({"operation": "redeemAPoint", "delayMs": 1500, "times": 1}))
        .await;
    let timed_out = client.redeem_a_point(&redeem("T-1", 10)).await;
    assert!(
        matches!(
            timed_out,
            Err(CallError::Unknown {
                reason: UnknownOutcome::Transport(_),
                ..
            })
        ),
        "{timed_out:?}"
    );
    // The retry with the same bizNo and the delayed call it timed out on settle to one debit,
    // whichever of the two runs first.
    assert_eq!(
        code_of(&client.redeem_a_point(&redeem("T-1", 10)).await),
        "SUCCESS"
    );
    assert_eq!(balance(&server).await, 1190);
}

#[tokio::test]
async fn idempotent_replay_returns_the_stored_result_and_moves_no_points() {
    let server = TestServer::start().await;
    let client = server.client();
    for _ in 0..3 {
        assert_eq!(
            code_of(&client.issue_a_point(&issue("SAME-1", 25)).await),
            "SUCCESS"
        );
        assert_eq!(
            code_of(&client.redeem_a_point(&redeem("SAME-2", 5)).await),
            "SUCCESS"
        );
    }
    assert_eq!(balance(&server).await, 1220);
    let (_, ledger) = server
        .admin
        .call(
            Method::GET,
            &format!("/admin/ledger?userId={DEMO_USER_ID}"),
            None,
        )
        .await;
    let moves: Vec<&str> = ledger
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["bizNo"].as_str())
        .collect();
    assert_eq!(moves, vec!["SAME-1", "SAME-2"]);
}

#[tokio::test]
async fn same_biz_no_with_other_parameters_is_repeat_req_inconsistent() {
    let server = TestServer::start().await;
    let client = server.client();
    assert_eq!(
        code_of(&client.issue_a_point(&issue("DIFF-1", 25)).await),
        "SUCCESS"
    );
    assert_eq!(
        code_of(&client.issue_a_point(&issue("DIFF-1", 26)).await),
        "REPEAT_REQ_INCONSISTENT"
    );
    assert_eq!(
        code_of(&client.redeem_a_point(&redeem("DIFF-2", 5)).await),
        "SUCCESS"
    );
    assert_eq!(
        code_of(&client.redeem_a_point(&redeem("DIFF-2", 6)).await),
        "REPEAT_REQ_INCONSISTENT"
    );
    assert_eq!(balance(&server).await, 1220);
}

#[tokio::test]
async fn a_replay_that_differs_only_in_uninterpreted_parameters_is_inconsistent() {
    let server = TestServer::start().await;
    let client = server.client();
    let first = issue("EXTRA-1", 25);
    assert_eq!(code_of(&client.issue_a_point(&first).await), "SUCCESS");
    // extendInfo means nothing to the simulator, but it is part of the request.
    let mut other = first.clone();
    other
        .extend_info
        .get_or_insert_with(Default::default)
        .insert("channel".into(), json!("online"));
    assert_eq!(
        code_of(&client.issue_a_point(&other).await),
        "REPEAT_REQ_INCONSISTENT"
    );
    let mut line_extra = redeem("EXTRA-2", 5);
    assert_eq!(
        code_of(&client.redeem_a_point(&line_extra).await),
        "SUCCESS"
    );
    line_extra.benefit_redeem_infos[0]
        .extra
        .insert("memo".into(), json!("second"));
    assert_eq!(
        code_of(&client.redeem_a_point(&line_extra).await),
        "REPEAT_REQ_INCONSISTENT"
    );
    // The identical request again is a replay.
    assert_eq!(code_of(&client.issue_a_point(&first).await), "SUCCESS");
    assert_eq!(balance(&server).await, 1220);
}

#[tokio::test]
async fn replay_of_a_failure_is_the_same_failure() {
    let server = TestServer::start().await;
    let client = server.client();
    assert_eq!(
        code_of(&client.redeem_a_point(&redeem("F-1", 5000)).await),
        "POINT_NOT_ENOUGH"
    );
    server
        .admin
        .call(
            Method::PUT,
            &format!("/admin/users/{DEMO_USER_ID}/balance"),
            Some(json!({"balance": 9000})),
        )
        .await;
    assert_eq!(
        code_of(&client.redeem_a_point(&redeem("F-1", 5000)).await),
        "POINT_NOT_ENOUGH"
    );
    assert_eq!(balance(&server).await, 9000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_redeems_over_http_never_overdraw() {
    let server = TestServer::start().await;
    let (status, _) = server
        .admin
        .call(
            Method::PUT,
            &format!("/admin/users/{DEMO_USER_ID}/balance"),
            Some(json!({"balance": 1000})),
        )
        .await;
    assert_eq!(status, 200);
    let client = std::sync::Arc::new(server.client());
    let calls: Vec<_> = (0..200)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                code_of(&client.redeem_a_point(&redeem(&format!("C-{i}"), 10)).await)
            })
        })
        .collect();
    let mut codes = std::collections::BTreeMap::<String, usize>::new();
    for call in calls {
        *codes.entry(call.await.unwrap()).or_default() += 1;
    }
    assert_eq!(codes.get("SUCCESS"), Some(&100), "{codes:?}");
    assert_eq!(codes.get("POINT_NOT_ENOUGH"), Some(&100), "{codes:?}");
    assert_eq!(balance(&server).await, 0);
    let (_, ledger) = server
        .admin
        .call(
            Method::GET,
            &format!("/admin/ledger?userId={DEMO_USER_ID}"),
            None,
        )
        .await;
    let sum: i64 = ledger
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["delta"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, 0);
}

#[tokio::test]
async fn graceful_shutdown_stops_both_listeners() {
    let server = TestServer::start().await;
    // A client with an idle keep-alive connection must not hold the shutdown up.
    let client = server.client();
    assert_eq!(
        code_of(&client.inquire_a_point(&inquiry(DEMO_ACCESS_TOKEN)).await),
        "SUCCESS"
    );
    let (api, admin) = (server.running.api_address, server.running.admin_address);
    tokio::time::timeout(Duration::from_secs(10), server.running.shutdown())
        .await
        .expect("shutdown finishes while a client keeps a connection open")
        .unwrap();
    assert!(tokio::net::TcpStream::connect(api).await.is_err());
    assert!(tokio::net::TcpStream::connect(admin).await.is_err());
}
