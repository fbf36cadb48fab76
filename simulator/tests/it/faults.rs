//! Transport faults over real HTTP: every fault is an unknown outcome for the generated
//! client (never success, never a final failure), and the retry after a lost answer is safe.

use std::time::Duration;

use alipayhk_api::client::Client;
use alipayhk_api::models::{InquireAPointRequest, RedeemAPointRequest};
use alipayhk_runtime::outcome::CallError;
use alipayhk_simulator::{DEMO_ACCESS_TOKEN, DEMO_USER_ID};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::TestServer;

fn redeem(biz_no: &str, amount: i64) -> RedeemAPointRequest {
    serde_json::from_value(json!({
        "benefitProductCode": "POINT",
        "bizNo": biz_no,
        "bizdt": "1716360141000",
        "ipRoleId": DEMO_USER_ID,
        "sceneCode": "OFFLINE_REDEEM",
        "benefitRedeemInfos": [{"amount": amount}]
    }))
    .unwrap()
}

async fn balance(server: &TestServer) -> i64 {
    let (status, user) = server
        .admin
        .call(Method::GET, &format!("/admin/users/{DEMO_USER_ID}"), None)
        .await;
    assert_eq!(status, 200, "{user}");
    user["balance"].as_i64().unwrap()
}

/// Ledger entries of the demo user with this bizNo.
async fn entries_for(server: &TestServer, biz_no: &str) -> usize {
    let (status, entries) = server
        .admin
        .call(
            Method::GET,
            &format!("/admin/ledger?userId={DEMO_USER_ID}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{entries}");
    entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["bizNo"] == biz_no)
        .count()
}

/// Every fault, with whether the operation runs (and commits) before it strikes.
fn every_fault() -> Vec<(Value, bool)> {
    vec![
        (json!("reset_after_commit"), true),
        (json!("reset_before"), false),
        (json!("empty_body"), true),
        (json!("garbage_body"), true),
        (json!("unsigned"), true),
        (json!("bad_signature"), true),
        (json!("stale_response_time"), true),
        (json!({"http_status": 502}), true),
        (json!({"http_status": 504}), true),
        (json!({"slow_headers": 1500}), true),
    ]
}

#[tokio::test]
async fn every_fault_is_an_unknown_outcome_never_success_or_final_failure() {
    let server = TestServer::start().await;
    // A timeout shorter than `slow_headers`, long enough for everything else.
    let client = Client::new(
        server
            .client_config()
            .with_timeouts(Duration::from_secs(5), Duration::from_millis(700)),
    )
    .unwrap();
    for (index, (fault, runs)) in every_fault().into_iter().enumerate() {
        server
            .admin
            .rule(json!({"operation": "redeemAPoint", "fault": fault, "times": 1}))
            .await;
        let biz_no = format!("FAULT-{index}");
        let before = balance(&server).await;
        let outcome = client.redeem_a_point(&redeem(&biz_no, 10)).await;
        match &outcome {
            Err(CallError::Unknown { .. }) => {}
            Ok(_) => panic!("{fault}: a fault was taken for success"),
            Err(other) => panic!("{fault}: not an unknown outcome: {other}"),
        }
        // The rule was used up, and the operation ran exactly when the fault says so.
        assert_eq!(
            entries_for(&server, &biz_no).await,
            usize::from(runs),
            "{fault}"
        );
        assert_eq!(
            balance(&server).await,
            before - if runs { 10 } else { 0 },
            "{fault}"
        );
    }
    let (_, rules) = server.admin.call(Method::GET, "/admin/rules", None).await;
    assert_eq!(rules, json!([]));
}

#[tokio::test]
async fn retry_after_reset_after_commit_gets_the_recorded_answer_and_moves_no_points() {
    let server = TestServer::start().await;
    let client = server.client();
    server
        .admin
        .rule(json!({"operation": "redeemAPoint", "userId": DEMO_USER_ID, "fault": "reset_after_commit", "times": 1}))
        .await;
    let before = balance(&server).await;
    let lost = client.redeem_a_point(&redeem("LOST-ANSWER-1", 50)).await;
    let Err(error @ CallError::Unknown { .. }) = &lost else {
        panic!("expected an unknown outcome, got {lost:?}");
    };
    assert_eq!(error.idempotency_key(), Some("LOST-ANSWER-1"));
    // The redeem went through although nobody was told.
    assert_eq!(balance(&server).await, before - 50);
    assert_eq!(entries_for(&server, "LOST-ANSWER-1").await, 1);

    let retry = client.redeem_a_point(&redeem("LOST-ANSWER-1", 50)).await;
    assert!(retry.is_ok(), "the retry gets the recorded S: {retry:?}");
    assert_eq!(
        balance(&server).await,
        before - 50,
        "the retry moved points"
    );
    assert_eq!(entries_for(&server, "LOST-ANSWER-1").await, 1);
}

#[tokio::test]
async fn a_fault_for_one_user_leaves_other_users_alone() {
    let server = TestServer::start().await;
    let client = server.client();
    // Inquiries match on the token's user.
    server
        .admin
        .rule(json!({"operation": "inquireAPoint", "userId": "2160400000000136", "fault": "unsigned"}))
        .await;
    let mine = client
        .inquire_a_point(&InquireAPointRequest::new(DEMO_ACCESS_TOKEN.to_string()))
        .await;
    assert!(mine.is_ok(), "{mine:?}");
    let theirs = client
        .inquire_a_point(&InquireAPointRequest::new(
            "demo-token-empty-user".to_string(),
        ))
        .await;
    assert!(
        matches!(theirs, Err(CallError::Unknown { .. })),
        "{theirs:?}"
    );
}

/// Sends one raw request and returns every byte the server wrote before closing.
async fn raw_exchange(server: &TestServer, path: &str) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(server.running.api_address)
        .await
        .unwrap();
    let body = r#"{"accessToken":"x"}"#;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return received,
            Ok(Ok(n)) => received.extend_from_slice(&chunk[..n]),
            Err(_) => panic!(
                "the connection stays open after {:?}",
                String::from_utf8_lossy(&received)
            ),
        }
    }
}

#[tokio::test]
async fn resets_close_the_connection_without_a_byte_of_answer() {
    let server = TestServer::start().await;
    let path = alipayhk_api::OperationId::InquireAPoint.info().path;
    for fault in ["reset_before", "reset_after_commit"] {
        server
            .admin
            .rule(json!({"operation": "inquireAPoint", "fault": fault, "times": 1}))
            .await;
        let received = raw_exchange(&server, path).await;
        assert!(
            received.is_empty(),
            "{fault}: {:?}",
            String::from_utf8_lossy(&received)
        );
    }
    // Without a rule the same (unsigned) request gets a signed refusal.
    let received = raw_exchange(&server, path).await;
    assert!(received.starts_with(b"HTTP/1.1 200"), "{received:?}");
}

#[tokio::test]
async fn admin_refuses_faults_it_cannot_serve() {
    let server = TestServer::start().await;
    for (rule, status) in [
        (
            json!({"operation": "issueAPoint", "fault": {"http_status": 99}}),
            400,
        ),
        (
            json!({"operation": "issueAPoint", "fault": {"slow_headers": 3_600_000}}),
            400,
        ),
        (
            json!({"operation": "issueAPoint", "fault": "reset_before", "times": 0}),
            400,
        ),
        (
            json!({"operation": "issueAPoint", "fault": "reset_before", "code": "RISK_REJECT"}),
            422,
        ),
        (
            json!({"operation": "issueAPoint", "fault": "melt_down"}),
            422,
        ),
    ] {
        let (got, body) = server
            .admin
            .call(Method::POST, "/admin/rules", Some(rule.clone()))
            .await;
        assert_eq!(got, status, "{rule} -> {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    let (_, body) = server
        .admin
        .call(
            Method::POST,
            "/admin/rules",
            Some(json!({"operation": "issueAPoint", "fault": {"http_status": 503}, "times": 2})),
        )
        .await;
    assert_eq!(body["fault"], json!({"http_status": 503}));
    assert!(body["ruleId"].as_u64().is_some());
}

#[tokio::test]
async fn a_fault_for_a_user_matches_an_encrypted_request_too() {
    use alipayhk_runtime::client::EncryptionConfig;
    use alipayhk_runtime::keys::PrivateKey;
    let server = TestServer::start().await;
    let config = server.client_config();
    let encrypted = server.encrypted_client();
    // A rule for another user is not taken by the demo user's encrypted call.
    server
        .admin
        .rule(json!({"operation": "redeemAPoint", "userId": "2160400000000136", "fault": "reset_before"}))
        .await;
    server
        .admin
        .rule(json!({"operation": "redeemAPoint", "userId": DEMO_USER_ID, "fault": "reset_after_commit", "times": 1}))
        .await;
    let before = balance(&server).await;
    // Signed by a key the simulator does not know: its body is never decrypted, so it
    // names no user and takes no rule (the signing layer refuses it).
    let mut forged = config.clone().with_encryption(EncryptionConfig {
        alipay_public_key: config.alipay_public_key.clone(),
        key_version: Some(1),
        partner_private_key: PrivateKey::generate_rsa2048().unwrap(),
    });
    forged.signer = std::sync::Arc::new(alipayhk_runtime::signature::KeySigner::new(
        PrivateKey::generate_rsa2048().unwrap(),
        Some(1),
    ));
    let refused = Client::new(forged)
        .unwrap()
        .redeem_a_point(&redeem("FORGED-ENCRYPTED-1", 20))
        .await;
    assert!(
        matches!(
            refused,
            Err(CallError::Unknown { .. }) | Err(CallError::Failed { .. })
        ),
        "{refused:?}"
    );
    let (_, rules) = server.admin.call(Method::GET, "/admin/rules", None).await;
    assert_eq!(rules.as_array().unwrap().len(), 2, "no rule taken: {rules}");
    let lost = encrypted
        .redeem_a_point(&redeem("LOST-ENCRYPTED-1", 20))
        .await;
    assert!(
        matches!(lost, Err(CallError::Unknown { .. })),
        "the user's rule matched the decrypted body: {lost:?}"
    );
    assert_eq!(balance(&server).await, before - 20);
    let retry = encrypted
        .redeem_a_point(&redeem("LOST-ENCRYPTED-1", 20))
        .await;
    assert!(retry.is_ok(), "the retry gets the recorded S: {retry:?}");
    assert_eq!(balance(&server).await, before - 20);
    assert_eq!(entries_for(&server, "LOST-ENCRYPTED-1").await, 1);
    let (_, rules) = server.admin.call(Method::GET, "/admin/rules", None).await;
    assert_eq!(
        rules.as_array().unwrap().len(),
        1,
        "only the other user's rule is left: {rules}"
    );
}
