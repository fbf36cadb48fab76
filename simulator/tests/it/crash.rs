//! The simulator as a separate process: SIGKILL mid-load loses no acknowledged
//! transaction; SIGTERM exits cleanly.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alipayhk_api::client::Client;
use alipayhk_api::models::{IssueAPointRequest, RedeemAPointRequest};
use alipayhk_simulator::{DEMO_PRODUCT_ID, DEMO_USER_ID};
use reqwest::Method;
use serde_json::json;

use crate::process::{SimulatorProcess, temp_dir};
use crate::support::{AdminClient, client_config, code_of};

pub(crate) const BINARY: &str = env!("CARGO_BIN_EXE_alipayhk-simulator");

pub(crate) fn admin_of(process: &SimulatorProcess) -> AdminClient {
    AdminClient {
        base: format!("http://{}", process.admin_address),
        token: process.admin_token(),
        http: reqwest::Client::new(),
    }
}

pub(crate) fn issue(biz_no: &str) -> IssueAPointRequest {
    serde_json::from_value(json!({
        "bizNo": biz_no,
        "providerUserInfo": {"userId": DEMO_USER_ID},
        "benefitIssueMode": "BENEFIT_PRODUCT_ID",
        "benefitIssueDetail": {"benefitProductId": DEMO_PRODUCT_ID, "amount": 1}
    }))
    .unwrap()
}

pub(crate) fn redeem(biz_no: &str) -> RedeemAPointRequest {
    serde_json::from_value(json!({
        "benefitProductCode": "POINT", "bizNo": biz_no, "bizdt": "1716360141000",
        "ipRoleId": DEMO_USER_ID, "sceneCode": "CRASH", "benefitRedeemInfos": [{"amount": 1}]
    }))
    .unwrap()
}

/// Sends issues and redeems with fresh bizNos until a call fails; records acknowledged ones.
async fn drive(client: Arc<Client>, worker: usize, acked: Arc<Mutex<Vec<String>>>) {
    for n in 0..20_000 {
        let biz_no = format!("K-{worker}-{n}");
        let code = if worker & 1 == 0 {
            code_of(&client.issue_a_point(&issue(&biz_no)).await)
        } else {
            code_of(&client.redeem_a_point(&redeem(&biz_no)).await)
        };
        if code != "SUCCESS" {
            return; // the server is gone (or refused): stop this worker
        }
        acked.lock().unwrap().push(biz_no);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_load_loses_no_acknowledged_transaction() {
    let dir = temp_dir("crash");
    // `ALIPAYHK_TEST_POSTGRES=1`: the same test on a PostgreSQL database.
    let database = crate::support::suite_process_config();
    let server = SimulatorProcess::start(Path::new(BINARY), &dir, &database);
    let admin = admin_of(&server);
    let (status, _) = admin
        .call(
            Method::PUT,
            &format!("/admin/users/{DEMO_USER_ID}/balance"),
            Some(json!({"balance": 1_000_000})),
        )
        .await;
    assert_eq!(status, 200);

    let client = Arc::new(Client::new(client_config(&dir, server.api_address)).unwrap());
    let acked = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..8)
        .map(|w| tokio::spawn(drive(client.clone(), w, acked.clone())))
        .collect();
    let started = Instant::now();
    while acked.lock().unwrap().len() < 150 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill_9();
    for worker in workers {
        worker.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 150,
        "only {} calls were acknowledged before the deadline",
        acked.len()
    );

    let restarted = SimulatorProcess::start(Path::new(BINARY), &dir, &database);
    let admin = admin_of(&restarted);
    let (status, ledger) = admin
        .call(
            Method::GET,
            &format!("/admin/ledger?userId={DEMO_USER_ID}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let entries = ledger.as_array().unwrap();
    let mut seen = HashMap::<&str, usize>::new();
    for entry in entries {
        if let Some(biz_no) = entry["bizNo"].as_str() {
            *seen.entry(biz_no).or_default() += 1;
        }
    }
    for biz_no in &acked {
        assert_eq!(
            seen.get(biz_no.as_str()),
            Some(&1),
            "acknowledged {biz_no} is not in the ledger exactly once"
        );
    }
    assert!(seen.values().all(|n| *n == 1), "a bizNo moved points twice");
    let (_, user) = admin
        .call(Method::GET, &format!("/admin/users/{DEMO_USER_ID}"), None)
        .await;
    let sum: i64 = entries.iter().map(|e| e["delta"].as_i64().unwrap()).sum();
    assert_eq!(
        user["balance"].as_i64(),
        Some(sum),
        "balance equals the ledger after the crash"
    );

    // A retry of an acknowledged call after the restart replays it and moves nothing.
    let client = Client::new(client_config(&dir, restarted.api_address)).unwrap();
    let first = &acked[0];
    let worker: usize = first.split('-').nth(1).unwrap().parse().unwrap();
    let replay = if worker & 1 == 0 {
        code_of(&client.issue_a_point(&issue(first)).await)
    } else {
        code_of(&client.redeem_a_point(&redeem(first)).await)
    };
    assert_eq!(replay, "SUCCESS");
    let (_, after) = admin
        .call(
            Method::GET,
            &format!("/admin/ledger?userId={DEMO_USER_ID}"),
            None,
        )
        .await;
    assert_eq!(after.as_array().unwrap().len(), entries.len());
    drop(restarted);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sigterm_shuts_down_cleanly() {
    let dir = temp_dir("sigterm");
    let database = crate::support::suite_process_config();
    let server = SimulatorProcess::start(Path::new(BINARY), &dir, &database);
    assert_eq!(server.terminate(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}
