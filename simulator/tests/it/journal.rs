//! The request journal and the console over real HTTP: what a partner sees when a call fails.

use std::time::Duration;

use alipayhk_api::models::InquireAPointRequest;
use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::signature::{SignatureHeader, SignedContent};
use alipayhk_simulator::DEMO_ACCESS_TOKEN;
use alipayhk_simulator::DEMO_CLIENT_ID;
use reqwest::Method;
use serde_json::Value;

use crate::support::{TestServer, shared_data_dir};

const INQUIRE: &str = "/api/open/v1/alipayhk/promotion/benefit/userPromoBenefitQuery";

/// Sends an Inquire whose signature covers the Request-Time without its offset (a common
/// mistake); returns the answer's Tracer-Id.
pub async fn call_signed_without_offset(server: &TestServer) -> String {
    let key =
        PrivateKey::from_file(shared_data_dir().join("keys/demo-partner-private.pem")).unwrap();
    let time = alipayhk_runtime::time::now_header_value();
    let bare = &time[..19];
    let body = format!(r#"{{"accessToken":"{DEMO_ACCESS_TOKEN}"}}"#);
    let content = SignedContent {
        method: "POST",
        path: INQUIRE,
        client_id: DEMO_CLIENT_ID,
        time: bare,
        body: body.as_bytes(),
    }
    .to_bytes();
    let signature = SignatureHeader::rsa256(Some(1), key.sign_rsa_sha256(&content).unwrap());
    let response = reqwest::Client::new()
        .post(format!("http://{}{INQUIRE}", server.running.api_address))
        .header("Content-Type", "application/json; charset=UTF-8")
        .header("Client-Id", DEMO_CLIENT_ID)
        .header("Request-Time", &time)
        .header("Signature", signature.to_header_value())
        .body(body)
        .send()
        .await
        .unwrap();
    response.headers()["tracer-id"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_answer_is_journaled_with_secrets_masked() {
    let server = TestServer::start().await;
    let answer = server
        .client()
        .inquire_a_point(&InquireAPointRequest::new(DEMO_ACCESS_TOKEN))
        .await
        .unwrap();
    let tracer = answer.tracer_id().unwrap().to_owned();

    let (status, entry) = server
        .admin
        .call(Method::GET, &format!("/admin/requests/{tracer}"), None)
        .await;
    assert_eq!(status, 200, "{entry}");
    assert_eq!(entry["operation"], "inquireAPoint");
    assert_eq!(entry["clientId"], DEMO_CLIENT_ID);
    assert_eq!(entry["resultCode"], "SUCCESS");
    assert_eq!(entry["resultStatus"], "S");
    assert_eq!(entry["verification"]["outcome"], "ok");
    let text = entry.to_string();
    assert!(
        !text.contains(DEMO_ACCESS_TOKEN),
        "the access token leaked: {text}"
    );
    let signature = entry["request"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "signature")
        .unwrap()[1]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(signature.contains("signature=(redacted"), "{signature}");

    // Filters and clearing.
    let (_, none) = server
        .admin
        .call(Method::GET, "/admin/requests?operation=redeemAPoint", None)
        .await;
    assert_eq!(none.as_array().unwrap().len(), 0);
    let (_, some) = server
        .admin
        .call(
            Method::GET,
            &format!("/admin/requests?tracerId={tracer}&limit=5"),
            None,
        )
        .await;
    assert_eq!(some.as_array().unwrap().len(), 1);
    let (status, _) = server
        .admin
        .call(Method::GET, "/admin/requests?colour=red", None)
        .await;
    assert_eq!(status, 400, "an unknown filter is refused");
    let (status, _) = server
        .admin
        .call(Method::DELETE, "/admin/requests", None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = server
        .admin
        .call(Method::GET, &format!("/admin/requests/{tracer}"), None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_bad_signature_is_diagnosed() {
    let server = TestServer::start().await;
    let tracer = call_signed_without_offset(&server).await;
    let (status, entry) = server
        .admin
        .call(Method::GET, &format!("/admin/requests/{tracer}"), None)
        .await;
    assert_eq!(status, 200, "{entry}");
    assert_eq!(entry["verification"]["reason"], "invalid_signature");
    let diagnosis = &entry["diagnosis"];
    let mistake = diagnosis["likelyMistake"].as_str().unwrap_or_default();
    assert!(mistake.contains("without its offset"), "{diagnosis}");
    let expected = diagnosis["expectedContent"].as_str().unwrap();
    assert!(
        expected.starts_with(&format!("POST {INQUIRE}\n{DEMO_CLIENT_ID}.")),
        "{expected}"
    );
}

#[tokio::test]
async fn the_stream_delivers_new_entries() {
    let server = TestServer::start().await;
    let response = reqwest::Client::new()
        .get(format!("{}/admin/requests/stream", server.admin.base))
        .bearer_auth(&server.admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let client = server.client();
    let mut response = response;
    let call = tokio::spawn(async move {
        client
            .inquire_a_point(&InquireAPointRequest::new(DEMO_ACCESS_TOKEN))
            .await
            .map(|answer| answer.tracer_id().map(str::to_owned))
    });
    let mut received = String::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        while !received.contains("\n\n") || !received.contains("event: request") {
            match response.chunk().await.unwrap() {
                Some(chunk) => received.push_str(&String::from_utf8_lossy(&chunk)),
                None => break,
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no event within 20 s: {received:?}");
    let tracer = call.await.unwrap().unwrap().unwrap();
    let data = received
        .lines()
        .find_map(|l| l.strip_prefix("data:"))
        .unwrap();
    let entry: Value = serde_json::from_str(data.trim()).unwrap();
    assert_eq!(entry["tracerId"], tracer);
}

#[tokio::test]
async fn the_console_signs_in_with_a_strict_cookie_and_adds_rules() {
    let server = TestServer::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = &server.admin.base;

    let page = http.get(format!("{base}/")).send().await.unwrap();
    assert!(
        page.text().await.unwrap().contains("name=\"token\""),
        "the sign-in page"
    );
    let wrong = http
        .post(format!("{base}/console/login"))
        .form(&[("token", "not-the-token")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());

    let signed_in = http
        .post(format!("{base}/console/login"))
        .form(&[("token", server.admin.token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(&server.admin.token),
        "the cookie must not carry the token"
    );
    let session = cookie.split(';').next().unwrap().to_owned();

    // The session works for the admin API too (the page's live list uses it).
    let listed = http
        .get(format!("{base}/admin/requests"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);

    let added = http
        .post(format!("{base}/console/rules"))
        .header("Cookie", &session)
        .form(&[
            ("operation", "inquireAPoint"),
            ("code", "USER_NOT_EXIST"),
            ("times", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 303);
    let answer = server
        .client()
        .inquire_a_point(&InquireAPointRequest::new(DEMO_ACCESS_TOKEN))
        .await;
    match answer {
        Err(alipayhk_api::CallError::Failed { code, .. }) => {
            assert_eq!(code.as_str(), "USER_NOT_EXIST")
        }
        other => panic!("the console's rule did not answer: {other:?}"),
    }
    let dashboard = http
        .get(format!("{base}/"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        dashboard.contains("USER_NOT_EXIST"),
        "the failed call is listed"
    );

    let out = http
        .post(format!("{base}/console/logout"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = http
        .get(format!("{base}/admin/requests"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401, "a signed-out session is dead");
}

#[tokio::test]
async fn a_redeem_shows_the_points_it_moved_and_a_replay_none() {
    use alipayhk_api::models::RedeemAPointRequest;
    use alipayhk_simulator::DEMO_USER_ID;
    let server = TestServer::start().await;
    let redeem: RedeemAPointRequest = serde_json::from_value(serde_json::json!({
        "benefitProductCode": "POINT", "bizNo": "JOURNAL-1", "bizdt": "1716360141000",
        "ipRoleId": DEMO_USER_ID, "sceneCode": "OFFLINE_REDEEM", "benefitRedeemInfos": [{"amount": 30}]
    }))
    .unwrap();
    let client = server.client();
    let mut moved = Vec::new();
    for _ in 0..2 {
        let answer = client.redeem_a_point(&redeem).await.unwrap();
        let tracer = answer.tracer_id().unwrap().to_owned();
        let (status, entry) = server
            .admin
            .call(Method::GET, &format!("/admin/requests/{tracer}"), None)
            .await;
        assert_eq!(status, 200, "{entry}");
        moved.push(entry["ledgerEntries"].as_array().unwrap().clone());
    }
    assert_eq!(moved[0].len(), 1, "{:?}", moved[0]);
    assert_eq!(moved[0][0]["delta"], -30);
    assert_eq!(moved[0][0]["bizNo"], "JOURNAL-1");
    assert!(
        moved[1].is_empty(),
        "a replay moves nothing: {:?}",
        moved[1]
    );
}

#[tokio::test]
async fn an_encrypted_exchange_shows_its_decrypted_bodies_masked() {
    use alipayhk_api::models::RedeemAPointRequest;
    use alipayhk_simulator::DEMO_USER_ID;
    let server = TestServer::start().await;
    let client = server.encrypted_client();

    let inquire = client
        .inquire_a_point(&InquireAPointRequest::new(DEMO_ACCESS_TOKEN))
        .await
        .unwrap();
    let entry = journal_entry(&server, inquire.tracer_id().unwrap()).await;
    let wire = entry["request"]["body"].as_str().unwrap();
    assert!(wire.starts_with("(RSA_AES-encrypted"), "{wire}");
    let plain: Value =
        serde_json::from_str(entry["request"]["decrypted"].as_str().unwrap()).unwrap();
    assert!(
        plain["accessToken"].as_str().unwrap().contains("(redacted"),
        "{plain}"
    );
    assert!(
        !entry.to_string().contains(DEMO_ACCESS_TOKEN),
        "the access token leaked: {entry}"
    );
    // The code comes from the plaintext answer, so filters and the list see it.
    assert_eq!(entry["resultCode"], "SUCCESS");
    let answer: Value =
        serde_json::from_str(entry["response"]["decrypted"].as_str().unwrap()).unwrap();
    assert_eq!(answer["result"]["resultStatus"], "S");
    // The console's detail page shows the same plaintext, masked.
    let page = console_page(
        &server,
        &format!("/console/requests/{}", inquire.tracer_id().unwrap()),
    )
    .await;
    assert!(page.contains("id=\"request-decrypted\""), "{page}");
    assert!(page.contains("id=\"response-decrypted\""), "{page}");
    assert!(!page.contains(DEMO_ACCESS_TOKEN), "the access token leaked");

    let redeem: RedeemAPointRequest = serde_json::from_value(serde_json::json!({
        "benefitProductCode": "POINT", "bizNo": "JOURNAL-ENC-1", "bizdt": "1716360141000",
        "ipRoleId": DEMO_USER_ID, "sceneCode": "OFFLINE_REDEEM", "benefitRedeemInfos": [{"amount": 7}]
    }))
    .unwrap();
    let redeemed = client.redeem_a_point(&redeem).await.unwrap();
    let entry = journal_entry(&server, redeemed.tracer_id().unwrap()).await;
    let moved = entry["ledgerEntries"].as_array().unwrap();
    assert_eq!(moved.len(), 1, "{entry}");
    assert_eq!(moved[0]["delta"], -7);
    let (_, listed) = server
        .admin
        .call(
            Method::GET,
            "/admin/requests?resultCode=SUCCESS&operation=redeemAPoint",
            None,
        )
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
}

/// A console session: a client that follows no redirect, and the session cookie to send.
pub async fn console_session(server: &TestServer) -> (reqwest::Client, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = http
        .post(format!("{}/console/login", server.admin.base))
        .form(&[("token", server.admin.token.as_str())])
        .send()
        .await
        .unwrap();
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
    let session = cookie.split(';').next().unwrap().to_owned();
    (http, session)
}

/// A console page, fetched with a fresh session.
pub async fn console_page(server: &TestServer, path: &str) -> String {
    let (http, session) = console_session(server).await;
    let base = &server.admin.base;
    let page = http
        .get(format!("{base}{path}"))
        .header("Cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

/// The journal entry with this Tracer-Id, from the admin API.
async fn journal_entry(server: &TestServer, tracer_id: &str) -> Value {
    let (status, entry) = server
        .admin
        .call(Method::GET, &format!("/admin/requests/{tracer_id}"), None)
        .await;
    assert_eq!(status, 200, "{entry}");
    entry
}
