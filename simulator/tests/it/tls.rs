//! `serve --tls` over real TLS: the generated local CA, HTTP/1.1 and h2 by ALPN, your own
//! certificate, and the client's extra root certificate.

use alipayhk_api::client::Client;
use alipayhk_api::models::{InquireAPointRequest, RedeemAPointRequest};
use alipayhk_runtime::client::ClientConfig;
use alipayhk_runtime::outcome::CallError;
use alipayhk_simulator::TlsMode;
use alipayhk_simulator::{DEMO_ACCESS_TOKEN, DEMO_USER_ID};
use serde_json::json;

use crate::support::TestServer;

fn inquiry() -> InquireAPointRequest {
    InquireAPointRequest::new(DEMO_ACCESS_TOKEN.to_string())
}

/// A simulator with TLS in a data directory of its own (its certificates are made there).
async fn tls_server(name: &str, mode: impl FnOnce(&std::path::Path) -> TlsMode) -> TestServer {
    let dir = crate::process::temp_dir(name);
    let tls = mode(&dir);
    TestServer::start_with(move |config| {
        config.data_dir = dir;
        config.tls = tls;
    })
    .await
}

/// The client-config.toml the simulator wrote for this start.
fn written_config(server: &TestServer) -> ClientConfig {
    let dir = server
        .running
        .data
        .client_config_path
        .clone()
        .expect("demo data");
    ClientConfig::from_file(dir).expect("the written config loads")
}

#[tokio::test]
async fn tls_with_the_generated_ca_speaks_http1_and_h2() {
    let server = tls_server("tls-generated", |_| TlsMode::Generated).await;
    let ca = server
        .running
        .tls
        .as_ref()
        .and_then(|t| t.ca_certificate.clone())
        .expect("a generated CA");
    let config = written_config(&server);
    assert!(
        config.base_url.starts_with("https://127.0.0.1:"),
        "{}",
        config.base_url
    );
    assert_eq!(
        config.root_certificates_pem,
        vec![std::fs::read(&ca).unwrap()]
    );
    let balance = Client::new(config)
        .unwrap()
        .inquire_a_point(&inquiry())
        .await;
    assert!(balance.is_ok(), "{balance:?}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = ca.with_file_name("server-key.pem");
        let mode = std::fs::metadata(key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let root = reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap();
    let url = format!(
        "https://localhost:{}{}",
        server.running.api_address.port(),
        alipayhk_api::OperationId::InquireAPoint.info().path
    );
    for (http1_only, version) in [
        (true, reqwest::Version::HTTP_11),
        (false, reqwest::Version::HTTP_2),
    ] {
        let mut builder = reqwest::Client::builder().add_root_certificate(root.clone());
        if http1_only {
            builder = builder.http1_only();
        }
        let response = builder
            .build()
            .unwrap()
            .post(&url)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.version(), version);
        // Unsigned: the signing layer's signed refusal, over TLS.
        assert!(response.headers().contains_key("signature"));
    }
    // Refused on its head, a body is never read; over h2 the client must still get the
    // answer, not a reset stream (found with curl: "Stream error in the HTTP/2 framing layer").
    let h2 = reqwest::Client::builder()
        .add_root_certificate(root)
        .build()
        .unwrap();
    let body = format!("{{\"accessToken\":\"{}\"}}", "x".repeat(100 * 1024));
    for _ in 0..5 {
        let response = h2
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let response = response.expect("an answer, not a reset");
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        assert!(response.headers().contains_key("signature"));
        assert!(response.text().await.unwrap().contains("INVALID_HEADER"));
    }
}

#[tokio::test]
async fn a_client_without_the_ca_is_refused_before_sending() {
    let server = tls_server("tls-untrusted", |_| TlsMode::Generated).await;
    let mut config = written_config(&server);
    config.root_certificates_pem.clear();
    let outcome = Client::new(config)
        .unwrap()
        .inquire_a_point(&inquiry())
        .await;
    match outcome {
        Err(CallError::NotSent(_)) => {}
        other => panic!("an untrusted certificate must fail before sending: {other:?}"),
    }
}

#[tokio::test]
async fn your_own_certificate_is_served() {
    let server = tls_server("tls-own", |dir| {
        let made = alipayhk_simulator::generate_tls().unwrap();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("own.pem"), &made.server_chain).unwrap();
        std::fs::write(dir.join("own-key.pem"), &made.server_key).unwrap();
        std::fs::write(dir.join("own-ca.pem"), &made.ca_certificate).unwrap();
        TlsMode::Files {
            cert: dir.join("own.pem"),
            key: dir.join("own-key.pem"),
        }
    })
    .await;
    let tls = server.running.tls.as_ref().expect("tls");
    assert_eq!(tls.ca_certificate, None);
    let dir = server.running.data.client_config_path.clone().unwrap();
    let ca = std::fs::read(dir.with_file_name("own-ca.pem")).unwrap();
    let config = written_config(&server).with_root_certificate_pem(ca);
    let balance = Client::new(config)
        .unwrap()
        .inquire_a_point(&inquiry())
        .await;
    assert!(balance.is_ok(), "{balance:?}");
}

#[tokio::test]
async fn a_lost_answer_over_h2_is_an_unknown_outcome_too() {
    let server = tls_server("tls-fault", |_| TlsMode::Generated).await;
    server
        .admin
        .rule(json!({"operation": "redeemAPoint", "fault": "reset_after_commit", "times": 1}))
        .await;
    let redeem: RedeemAPointRequest = serde_json::from_value(json!({
        "benefitProductCode": "POINT", "bizNo": "TLS-LOST-1", "bizdt": "1716360141000",
        "ipRoleId": DEMO_USER_ID, "sceneCode": "OFFLINE_REDEEM", "benefitRedeemInfos": [{"amount": 5}]
    }))
    .unwrap();
    let client = Client::new(written_config(&server)).unwrap();
    let lost = client.redeem_a_point(&redeem).await;
    assert!(matches!(lost, Err(CallError::Unknown { .. })), "{lost:?}");
    let retry = client.redeem_a_point(&redeem).await;
    assert!(retry.is_ok(), "{retry:?}");
}
