//! `serve --replay DIR` over real HTTP: recorded answers come back signed (and encrypted
//! when the request was), volatile fields still match, strict mode names the near miss,
//! stateful replay posts points, hostile recordings stop the start, and the admin API
//! loads only from the data directory's `recordings/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use alipayhk_api::OperationId;
use alipayhk_api::models::{InquireAPointRequest, QueryTemplateRequest, RedeemAPointRequest};
use alipayhk_recording::{Answer, Exchange, FORMAT, RecordOptions, Recorder, Request, Signatures};
use alipayhk_simulator::{
    DEMO_ACCESS_TOKEN, DEMO_CLIENT_ID, DEMO_MERCHANT_ID, DEMO_TEMPLATE_CODE, DEMO_USER_ID,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::journal::{console_page, console_session};
use crate::process::temp_dir;
use crate::support::{TestServer, code_of, shared_data_dir};

/// The balance the recorded Inquire answers (the seed data says 1200).
const RECORDED_BALANCE: i64 = 777;
/// The name of the template the recorded Query Template answers (not the seed's).
const RECORDED_TEMPLATE_NAME: &str = "Recorded sandbox voucher";

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

fn template(code: &str) -> QueryTemplateRequest {
    serde_json::from_value(json!({"merchantId": DEMO_MERCHANT_ID, "templateCode": code})).unwrap()
}

fn exchange(operation: OperationId, request: Value, answer: Value) -> Exchange {
    let info = operation.info();
    let result = &answer[info.result_field];
    Exchange {
        format: FORMAT.into(),
        operation: info.id.into(),
        path: info.path.into(),
        request: Request {
            client_id: DEMO_CLIENT_ID.into(),
            encrypted: false,
            body: Some(request),
        },
        answer: Answer {
            http_status: 200,
            result_code: result["resultCode"].as_str().map(str::to_owned),
            result_status: result["resultStatus"].as_str().map(str::to_owned),
            tracer_id: Some("0123456789abcdef0123456789abcdef".into()),
            encrypted: false,
            body: Some(answer),
        },
        latency_ms: 12,
        signatures: Signatures {
            request: Some(true),
            response: Some(true),
        },
        findings: Vec::new(),
    }
}

/// A recording, written by the recorder the proxy uses, of what a sandbox with other data
/// answered: a SUCCESS inquire with another balance, a redeem refused with an F code, a
/// successful redeem, and a Query Template answer with another template.
fn write_recording(dir: &Path) {
    let recorder = Recorder::create(
        dir,
        RecordOptions {
            secret_fields: BTreeSet::from(["accessToken".to_owned()]),
            ..RecordOptions::default()
        },
    )
    .unwrap();
    let inquire = serde_json::to_value(InquireAPointRequest::new(DEMO_ACCESS_TOKEN)).unwrap();
    let mut balance: Value =
        serde_json::from_str(OperationId::InquireAPoint.info().response_example).unwrap();
    balance["accountBenefitModel"]["balance"] = json!(RECORDED_BALANCE);
    let refused = json!({"result": {"resultCode": "POINT_NOT_ENOUGH", "resultStatus": "F", "resultMessage": "The user has insufficient points."}});
    let redeemed = json!({"result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "Success"}});
    let mut other_template: Value =
        serde_json::from_str(OperationId::QueryTemplate.info().response_example).unwrap();
    other_template["localeInfo"]["en_US"]["name"] = json!(RECORDED_TEMPLATE_NAME);
    other_template["stock"] = json!(7);
    let value = |model: &dyn erased_json::Json| model.json();
    for exchange in [
        exchange(OperationId::InquireAPoint, inquire, balance),
        exchange(
            OperationId::RedeemAPoint,
            value(&redeem("REC-1", 50)),
            refused,
        ),
        exchange(
            OperationId::RedeemAPoint,
            value(&redeem("REC-2", 30)),
            redeemed,
        ),
        exchange(
            OperationId::QueryTemplate,
            value(&template(DEMO_TEMPLATE_CODE)),
            other_template,
        ),
    ] {
        recorder.record(exchange).unwrap().unwrap();
    }
}

/// Request models as the JSON the client sends (so the recording matches what it sends).
mod erased_json {
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

fn recording(name: &str) -> PathBuf {
    let dir = temp_dir(&format!("replay-{name}"));
    write_recording(&dir);
    dir
}

async fn start(dir: &Path, strict: bool, stateful: bool) -> TestServer {
    let dir = dir.to_path_buf();
    TestServer::start_with(move |config| {
        config.replay = Some(dir);
        config.replay_strict = strict;
        config.replay_stateful = stateful;
    })
    .await
}

async fn balance(server: &TestServer) -> i64 {
    let (status, user) = server
        .admin
        .call(Method::GET, &format!("/admin/users/{DEMO_USER_ID}"), None)
        .await;
    assert_eq!(status, 200, "{user}");
    user["balance"].as_i64().unwrap()
}

/// The newest journal entry of `operation`.
async fn last_entry(server: &TestServer, operation: OperationId) -> Value {
    let (status, entries) = server
        .admin
        .call(
            Method::GET,
            &format!("/admin/requests?operation={operation}&limit=1"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{entries}");
    entries[0].clone()
}

#[tokio::test]
async fn recorded_answers_come_back_signed_and_move_no_points() {
    let dir = recording("answers");
    let server = start(&dir, false, false).await;
    let client = server.client();

    // The generated client verifies every answer's signature and Response-Time: an answer
    // that did not verify would be an error here.
    let inquired = client
        .inquire_a_point(&InquireAPointRequest::new(DEMO_ACCESS_TOKEN))
        .await
        .unwrap();
    assert_eq!(
        inquired.into_inner().account_benefit_model.unwrap().balance,
        Some(RECORDED_BALANCE),
        "the recorded balance, not the seed's 1200"
    );
    let entry = last_entry(&server, OperationId::InquireAPoint).await;
    assert_eq!(entry["replay"]["outcome"], "replayed", "{entry}");
    assert_eq!(entry["replay"]["file"], "inquireAPoint/0001-SUCCESS.yaml");

    // bizNo is volatile: a fresh one still matches the recorded redeem, and its F code
    // comes back although the demo user has the points.
    let refused = client.redeem_a_point(&redeem("LIVE-1", 50)).await;
    assert_eq!(code_of(&refused), "POINT_NOT_ENOUGH");
    let entry = last_entry(&server, OperationId::RedeemAPoint).await;
    assert_eq!(
        entry["replay"]["file"],
        "redeemAPoint/0001-POINT_NOT_ENOUGH.yaml"
    );

    // A replayed SUCCESS moves no points (as a scripted answer does not).
    let redeemed = client.redeem_a_point(&redeem("LIVE-2", 30)).await;
    assert_eq!(code_of(&redeemed), "SUCCESS");
    assert_eq!(balance(&server).await, 1200);
    let entry = last_entry(&server, OperationId::RedeemAPoint).await;
    assert_eq!(entry["ledgerEntries"], json!([]), "{entry}");

    // The recorded template, as recorded (not the seed's).
    let template_answer = client
        .query_template(&template(DEMO_TEMPLATE_CODE))
        .await
        .unwrap();
    let payload = serde_json::to_value(template_answer.into_inner()).unwrap();
    assert_eq!(
        payload["localeInfo"]["en_US"]["name"],
        RECORDED_TEMPLATE_NAME
    );
    assert_eq!(payload["stock"], 7);

    // Not matched and not strict: runs normally (another amount is not the recording).
    let normal = client.redeem_a_point(&redeem("LIVE-3", 10)).await;
    assert_eq!(code_of(&normal), "SUCCESS");
    assert_eq!(balance(&server).await, 1190);
    let entry = last_entry(&server, OperationId::RedeemAPoint).await;
    assert_eq!(entry["replay"]["outcome"], "nearMiss", "{entry}");
    assert_eq!(entry["replay"]["strict"], false);

    server.running.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_encrypted_request_gets_the_recorded_answer_encrypted() {
    let dir = recording("encrypted");
    let server = start(&dir, false, false).await;
    let inquired = server
        .encrypted_client()
        .inquire_a_point(&InquireAPointRequest::new(DEMO_ACCESS_TOKEN))
        .await
        .unwrap();
    assert_eq!(
        inquired.into_inner().account_benefit_model.unwrap().balance,
        Some(RECORDED_BALANCE)
    );
    let entry = last_entry(&server, OperationId::InquireAPoint).await;
    assert_eq!(entry["replay"]["file"], "inquireAPoint/0001-SUCCESS.yaml");
    let wire = entry["response"]["body"].as_str().unwrap();
    assert!(wire.starts_with("(RSA_AES-encrypted"), "{wire}");
    let plain = entry["response"]["decrypted"].as_str().unwrap();
    assert!(plain.contains(&RECORDED_BALANCE.to_string()), "{plain}");
    server.running.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn strict_replay_answers_unknown_and_names_the_near_miss() {
    let dir = recording("strict");
    let server = start(&dir, true, false).await;
    let client = server.client();
    // The seed has no template 99999, but strict replay never reaches the state.
    let missed = client.query_template(&template("99999")).await;
    assert_eq!(code_of(&missed), "UNKNOWN_EXCEPTION");
    let entry = last_entry(&server, OperationId::QueryTemplate).await;
    assert_eq!(entry["resultStatus"], "U", "{entry}");
    let replay = &entry["replay"];
    assert_eq!(replay["outcome"], "nearMiss", "{entry}");
    assert_eq!(replay["file"], "queryTemplate/0001-SUCCESS.yaml");
    assert_eq!(replay["strict"], true);
    let differing = replay["differing"].as_array().unwrap();
    assert_eq!(differing.len(), 1, "{replay}");
    assert_eq!(differing[0]["at"], "/templateCode");
    assert_eq!(differing[0]["recorded"], DEMO_TEMPLATE_CODE);
    assert_eq!(differing[0]["got"], "99999");
    // The console: the replay state on the dashboard, the near miss on the request's page.
    let dashboard = console_page(&server, "/").await;
    assert!(
        dashboard.contains(&dir.display().to_string())
            && dashboard.contains("4 recordings, strict"),
        "{dashboard}"
    );
    let tracer = entry["tracerId"].as_str().unwrap();
    let page = console_page(&server, &format!("/console/requests/{tracer}")).await;
    assert!(
        page.contains("id=\"near-miss\"")
            && page.contains("queryTemplate/0001-SUCCESS.yaml")
            && page.contains("<code>/templateCode</code>"),
        "{page}"
    );
    // A matching request is still replayed.
    let matched = client.redeem_a_point(&redeem("STRICT-1", 50)).await;
    assert_eq!(code_of(&matched), "POINT_NOT_ENOUGH");
    server.running.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn stateful_replay_posts_a_replayed_success_once() {
    let dir = recording("stateful");
    let server = start(&dir, false, true).await;
    let client = server.client();
    let redeemed = client.redeem_a_point(&redeem("STATEFUL-1", 30)).await;
    assert_eq!(code_of(&redeemed), "SUCCESS");
    assert_eq!(balance(&server).await, 1170);
    let entry = last_entry(&server, OperationId::RedeemAPoint).await;
    assert_eq!(
        entry["replay"]["ledger"], "posted; balance now 1170",
        "{entry}"
    );
    // The same bizNo again: the recorded answer, no second posting.
    let again = client.redeem_a_point(&redeem("STATEFUL-1", 30)).await;
    assert_eq!(code_of(&again), "SUCCESS");
    assert_eq!(balance(&server).await, 1170);
    // A replayed F moves nothing.
    let refused = client.redeem_a_point(&redeem("STATEFUL-2", 50)).await;
    assert_eq!(code_of(&refused), "POINT_NOT_ENOUGH");
    assert_eq!(balance(&server).await, 1170);
    server.running.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starting with `dir` fails; the error.
async fn start_error(dir: &Path) -> String {
    let dir = dir.to_path_buf();
    let config = alipayhk_simulator::SimulatorConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        admin_listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: shared_data_dir().clone(),
        in_memory: true,
        replay: Some(dir),
        ..alipayhk_simulator::SimulatorConfig::default()
    };
    alipayhk_simulator::start(config)
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn a_hostile_recording_stops_the_start_naming_the_file() {
    let dir = recording("truncated");
    let good = std::fs::read_to_string(dir.join("inquireAPoint/0001-SUCCESS.yaml")).unwrap();
    std::fs::write(
        dir.join("inquireAPoint/0002-SUCCESS.yaml"),
        &good[..good.len() / 2],
    )
    .unwrap();
    let error = start_error(&dir).await;
    assert!(
        error.contains("inquireAPoint/0002-SUCCESS.yaml")
            && error.contains("not a recorded exchange"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    #[cfg(unix)]
    {
        let dir = recording("link");
        let outside = dir.with_extension("outside.yaml");
        std::fs::write(&outside, &good).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("inquireAPoint/0002-SUCCESS.yaml")).unwrap();
        let error = start_error(&dir).await;
        assert!(
            error.contains("inquireAPoint/0002-SUCCESS.yaml")
                && error.contains("not a regular file"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_file(&outside);
    }
}

#[tokio::test]
async fn an_answer_that_breaks_the_spec_loads_with_a_warning_and_replays_as_recorded() {
    let dir = temp_dir("replay-off-spec");
    let recorder = Recorder::create(&dir, RecordOptions::default()).unwrap();
    let odd = json!({"result": {"resultCode": "SANDBOX_ONLY_CODE", "resultStatus": "F"}});
    recorder
        .record(exchange(
            OperationId::QueryTemplate,
            serde_json::to_value(template("12345")).unwrap(),
            odd,
        ))
        .unwrap();
    let server = start(&dir, false, false).await;
    let (status, loaded) = server.admin.call(Method::GET, "/admin/replay", None).await;
    assert_eq!(status, 200, "{loaded}");
    assert_eq!(loaded["count"], 1);
    let warnings = loaded["warnings"].to_string();
    assert!(
        warnings.contains("queryTemplate/0001-SANDBOX_ONLY_CODE.yaml")
            && warnings.contains("SANDBOX_ONLY_CODE is not documented"),
        "{warnings}"
    );
    let answer = server.client().query_template(&template("12345")).await;
    assert_eq!(code_of(&answer), "SANDBOX_ONLY_CODE");
    server.running.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_admin_api_loads_from_the_data_directory_only() {
    let server = TestServer::start().await;
    let name = unique_name("admin");
    let dir = shared_data_dir().join("recordings").join(&name);
    write_recording(&dir);

    #[cfg(unix)]
    std::os::unix::fs::symlink(&dir, dir.with_file_name(format!("{name}-link"))).unwrap();
    #[cfg(unix)]
    {
        let (status, error) = server
            .admin
            .call(
                Method::POST,
                "/admin/replay",
                Some(json!({"recording": format!("{name}-link")})),
            )
            .await;
        assert_eq!(status, 400, "{error}");
        assert!(
            error["error"].as_str().unwrap().contains("is a link"),
            "{error}"
        );
        let _ = std::fs::remove_file(dir.with_file_name(format!("{name}-link")));
    }
    for hostile in ["../x", "..", "/etc", "a/b"] {
        let (status, error) = server
            .admin
            .call(
                Method::POST,
                "/admin/replay",
                Some(json!({"recording": hostile})),
            )
            .await;
        assert_eq!(status, 400, "{hostile}: {error}");
        assert!(
            error["error"]
                .as_str()
                .unwrap()
                .contains("not one folder name"),
            "{error}"
        );
    }

    let inquiry = InquireAPointRequest::new(DEMO_ACCESS_TOKEN);
    let client = server.client();
    let (status, loaded) = server
        .admin
        .call(
            Method::POST,
            "/admin/replay",
            Some(json!({"recording": name, "strict": true})),
        )
        .await;
    assert_eq!(status, 200, "{loaded}");
    assert_eq!(
        (loaded["count"].as_u64(), loaded["strict"].as_bool()),
        (Some(4), Some(true))
    );
    let (_, status_now) = server.admin.call(Method::GET, "/admin/replay", None).await;
    assert_eq!(status_now["loaded"], true);
    let balance_of = |answer: alipayhk_api::models::InquireAPointResponse| {
        answer.account_benefit_model.unwrap().balance
    };
    let replayed = client.inquire_a_point(&inquiry).await.unwrap().into_inner();
    assert_eq!(balance_of(replayed), Some(RECORDED_BALANCE));

    let (status, _) = server
        .admin
        .call(Method::DELETE, "/admin/replay", None)
        .await;
    assert_eq!(status, 204);
    let normal = client.inquire_a_point(&inquiry).await.unwrap().into_inner();
    assert_eq!(balance_of(normal), Some(1200));
    let (_, status_now) = server.admin.call(Method::GET, "/admin/replay", None).await;
    assert_eq!(status_now["loaded"], false);

    server.running.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_field_declared_volatile_is_left_out_of_matching() {
    let dir = recording("volatile");
    let other_merchant = || -> QueryTemplateRequest {
        serde_json::from_value(
            json!({"merchantId": "2160120041119999", "templateCode": DEMO_TEMPLATE_CODE}),
        )
        .unwrap()
    };
    let strict = start(&dir, true, false).await;
    let missed = strict.client().query_template(&other_merchant()).await;
    assert_eq!(code_of(&missed), "UNKNOWN_EXCEPTION");
    let entry = last_entry(&strict, OperationId::QueryTemplate).await;
    assert_eq!(
        entry["replay"]["differing"][0]["at"], "/merchantId",
        "{entry}"
    );
    strict.running.shutdown().await.unwrap();

    let volatile_dir = dir.clone();
    let lenient = TestServer::start_with(move |config| {
        config.replay = Some(volatile_dir);
        config.replay_strict = true;
        config.replay_volatile = vec!["queryTemplate.merchantId".into()];
    })
    .await;
    let matched = lenient
        .client()
        .query_template(&other_merchant())
        .await
        .unwrap();
    let payload = serde_json::to_value(matched.into_inner()).unwrap();
    assert_eq!(
        payload["localeInfo"]["en_US"]["name"],
        RECORDED_TEMPLATE_NAME
    );
    lenient.running.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_console_loads_and_stops_a_recording() {
    let server = TestServer::start().await;
    let name = unique_name("console");
    let dir = shared_data_dir().join("recordings").join(&name);
    write_recording(&dir);
    let (http, session) = console_session(&server).await;
    let base = &server.admin.base;
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        http.post(format!("{base}{path}"))
            .header("Cookie", session.clone())
            .form(&form)
            .send()
    };

    // A name that leaves recordings/ is refused on the page, and nothing is loaded.
    let refused = post("/console/replay", vec![("recording", "../x".into())])
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("not one folder name")
    );
    let (_, state) = server.admin.call(Method::GET, "/admin/replay", None).await;
    assert_eq!(state["loaded"], false, "{state}");

    let loaded = post(
        "/console/replay",
        vec![("recording", name.clone()), ("strict", "on".into())],
    )
    .await
    .unwrap();
    assert_eq!(loaded.status(), 303);
    let (_, state) = server.admin.call(Method::GET, "/admin/replay", None).await;
    assert_eq!(
        (state["loaded"].as_bool(), state["strict"].as_bool()),
        (Some(true), Some(true)),
        "{state}"
    );
    assert_eq!(state["stateful"], false, "{state}");
    let dashboard = console_page(&server, "/").await;
    assert!(dashboard.contains("Replaying <code>"), "{dashboard}");
    let replayed = server
        .client()
        .inquire_a_point(&InquireAPointRequest::new(DEMO_ACCESS_TOKEN))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        replayed.account_benefit_model.unwrap().balance,
        Some(RECORDED_BALANCE)
    );

    let stopped = post("/console/replay/stop", Vec::new()).await.unwrap();
    assert_eq!(stopped.status(), 303);
    let (_, state) = server.admin.call(Method::GET, "/admin/replay", None).await;
    assert_eq!(state["loaded"], false, "{state}");

    // Without a session, the forms do nothing.
    let anonymous = http
        .post(format!("{base}/console/replay"))
        .form(&[("recording", name.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303);
    let (_, state) = server.admin.call(Method::GET, "/admin/replay", None).await;
    assert_eq!(state["loaded"], false, "{state}");

    server.running.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A folder name under the shared data directory's `recordings/` that no other run uses.
fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}
