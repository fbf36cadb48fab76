//! The admin API over real HTTP.

use alipayhk_api::models::QueryTemplateResponseType;
use alipayhk_api::result_codes::{
    InquireAPointFailure, InquireAPointResultCode, QueryTemplateFailure, QueryTemplateResultCode,
};
use alipayhk_simulator::{DEMO_ACCESS_TOKEN, DEMO_USER_ID};
use reqwest::Method;
use serde_json::json;

use crate::support::AdminServer;

#[tokio::test]
async fn admin_api_refuses_missing_or_wrong_token() {
    let server = AdminServer::start().await;
    let none = server
        .http
        .get(server.url("/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status().as_u16(), 401);
    let wrong = server
        .http
        .get(server.url("/admin/users"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("Bearer"));
}

#[tokio::test]
async fn create_user_with_balance_and_token_then_read_ledger() {
    let server = AdminServer::start().await;
    let (status, user) = server
        .call(
            Method::POST,
            "/admin/users",
            Some(json!({"userId": "2160000000000042", "balance": 300, "accessTokens": [{"token": "tok42"}]})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(user["balance"], 300);
    let (status, user) = server
        .call(
            Method::PUT,
            "/admin/users/2160000000000042/balance",
            Some(json!({"balance": 120})),
        )
        .await;
    assert_eq!((status, user["balance"].as_i64()), (200, Some(120)));
    let (status, ledger) = server
        .call(Method::GET, "/admin/ledger?userId=2160000000000042", None)
        .await;
    assert_eq!(status, 200);
    let deltas: Vec<i64> = ledger
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["delta"].as_i64().unwrap())
        .collect();
    assert_eq!(deltas, vec![300, -180]);
    let answer = server.simulator.inquire("tok42".into()).await.unwrap();
    assert_eq!(answer.payload.and_then(|model| model.balance), Some(120));
}

#[tokio::test]
async fn duplicate_user_is_a_conflict_and_bad_id_is_refused() {
    let server = AdminServer::start().await;
    let (status, _) = server
        .call(
            Method::POST,
            "/admin/users",
            Some(json!({"userId": DEMO_USER_ID})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, body) = server
        .call(Method::POST, "/admin/users", Some(json!({"userId": "42"})))
        .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("2160"));
}

#[tokio::test]
async fn deleting_a_user_makes_its_token_answer_user_not_exist() {
    let server = AdminServer::start().await;
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/admin/users/{DEMO_USER_ID}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let answer = server
        .simulator
        .inquire(DEMO_ACCESS_TOKEN.into())
        .await
        .unwrap();
    assert_eq!(
        answer.code,
        InquireAPointResultCode::Failure(InquireAPointFailure::UserNotExist)
    );
    let (status, _) = server
        .call(Method::GET, &format!("/admin/users/{DEMO_USER_ID}"), None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn tokens_can_be_created_already_expired() {
    let server = AdminServer::start().await;
    let (status, token) = server
        .call(
            Method::POST,
            "/admin/tokens",
            Some(json!({"userId": DEMO_USER_ID, "expiresInSeconds": -1})),
        )
        .await;
    assert_eq!(status, 201);
    let answer = server
        .simulator
        .inquire(token["token"].as_str().unwrap().into())
        .await
        .unwrap();
    assert_eq!(
        answer.code,
        InquireAPointResultCode::Failure(InquireAPointFailure::AccesstokenValidateFailed)
    );
}

#[tokio::test]
async fn budgets_templates_and_cards_round_trip() {
    let server = AdminServer::start().await;
    let budget =
        json!({"productId": "P9", "totalRemaining": 10, "currentRemaining": 5, "paused": true});
    assert_eq!(
        server
            .call(Method::PUT, "/admin/budgets", Some(budget))
            .await
            .0,
        200
    );
    let (_, read) = server.call(Method::GET, "/admin/budgets/P9", None).await;
    assert_eq!(read["paused"], true);
    let template = json!({"templateCode": "T9", "merchantId": "M9", "body": {"type": "TICKET"}});
    assert_eq!(
        server
            .call(Method::PUT, "/admin/templates", Some(template))
            .await
            .0,
        200
    );
    let answer = server
        .simulator
        .query_template("M9".into(), "T9".into())
        .await
        .unwrap();
    assert_eq!(
        answer.payload.and_then(|template| template.r#type),
        Some(QueryTemplateResponseType::Ticket)
    );
    let card =
        json!({"passId": "C9", "merchantId": "M9", "userId": "2160000000000009", "point": 3});
    assert_eq!(
        server.call(Method::PUT, "/admin/cards", Some(card)).await.0,
        200
    );
    let (_, read) = server.call(Method::GET, "/admin/cards/C9", None).await;
    assert_eq!(
        (read["status"].as_str(), read["point"].as_i64()),
        (Some("ACTIVE"), Some(3))
    );
}

#[tokio::test]
async fn rules_are_added_listed_used_and_cleared() {
    let server = AdminServer::start().await;
    let (status, rule) = server
        .call(
            Method::POST,
            "/admin/rules",
            Some(json!({"operation": "queryTemplate", "code": "PARAM_ILLEGAL", "times": 2})),
        )
        .await;
    assert_eq!(status, 201);
    assert!(rule["ruleId"].as_u64().unwrap() > 0);
    let (_, rules) = server.call(Method::GET, "/admin/rules", None).await;
    assert_eq!(rules.as_array().unwrap().len(), 1);
    let answer = server
        .simulator
        .query_template("m".into(), "t".into())
        .await
        .unwrap();
    assert_eq!(
        answer.code,
        QueryTemplateResultCode::Failure(QueryTemplateFailure::ParamIllegal)
    );
    assert_eq!(
        server.call(Method::DELETE, "/admin/rules", None).await.0,
        204
    );
    assert!(server.simulator.rules().is_empty());
}

#[tokio::test]
async fn malformed_rules_are_refused_with_a_reason() {
    let server = AdminServer::start().await;
    for body in [
        json!({"operation": "payAPoint", "code": "X"}),
        json!({"operation": "issueAPoint"}),
        json!({"operation": "issueAPoint", "code": "X", "times": 0}),
        json!({"operation": "issueAPoint", "code": "X", "status": "Q"}),
    ] {
        let (status, _) = server
            .call(Method::POST, "/admin/rules", Some(body.clone()))
            .await;
        assert!((400..500).contains(&status), "{body} answered {status}");
    }
}

#[tokio::test]
async fn reset_restores_the_demo_data() {
    let server = AdminServer::start().await;
    server
        .call(
            Method::PUT,
            &format!("/admin/users/{DEMO_USER_ID}/balance"),
            Some(json!({"balance": 0})),
        )
        .await;
    assert_eq!(server.call(Method::POST, "/admin/reset", None).await.0, 204);
    let (_, user) = server
        .call(Method::GET, &format!("/admin/users/{DEMO_USER_ID}"), None)
        .await;
    assert_eq!(user["balance"], 1200);
    assert_eq!(
        server
            .call(Method::POST, "/admin/reset", Some(json!({"empty": true})))
            .await
            .0,
        204
    );
    let (_, users) = server.call(Method::GET, "/admin/users", None).await;
    assert_eq!(users, json!([]));
}

#[tokio::test]
async fn malformed_body_is_a_json_error_naming_the_field() {
    let server = AdminServer::start().await;
    let (status, body) = server
        .call(
            Method::PUT,
            "/admin/budgets",
            Some(json!({"productId": "P"})),
        )
        .await;
    assert_eq!(status, 422);
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("totalRemaining"), "{error}");
}

#[tokio::test]
async fn template_that_breaks_the_spec_is_refused() {
    let server = AdminServer::start().await;
    let template =
        json!({"templateCode": "T8", "merchantId": "M8", "body": {"stock": 0, "type": "COUPON"}});
    let (status, body) = server
        .call(Method::PUT, "/admin/templates", Some(template))
        .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("stock"), "{body}");
}
