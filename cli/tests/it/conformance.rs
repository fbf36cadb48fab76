//! `alipayhk conformance` against `alipayhk serve`, both as a partner runs them.

use std::process::Command;

use crate::support::{self, serve};

fn conformance(
    served: &support::Served,
    data_dir: &std::path::Path,
    server_key: &str,
) -> (std::process::Output, std::path::PathBuf) {
    let report_dir = data_dir.join("report");
    let token = std::fs::read_to_string(data_dir.join("admin-token")).expect("admin token");
    let output = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .arg("conformance")
        .args(["--base-url", &format!("http://{}", served.api)])
        .args(["--client-id", "DEMO0000PARTNER0001"])
        .arg("--private-key")
        .arg(data_dir.join("keys/demo-partner-private.pem"))
        .arg("--server-public-key")
        .arg(data_dir.join("keys").join(server_key))
        .args(["--admin-url", &format!("http://{}", served.admin)])
        .args(["--admin-token", token.trim()])
        .arg("--report-dir")
        .arg(&report_dir)
        .output()
        .expect("alipayhk conformance runs");
    (output, report_dir)
}

#[test]
fn the_simulator_passes_every_case_and_the_reports_are_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("sim");
    let served = serve(&data_dir);
    let (output, report_dir) = conformance(&served, &data_dir, "simulator-public.pem");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed, 0 skipped"), "{stdout}");
    let junit = std::fs::read_to_string(report_dir.join("junit.xml")).expect("junit.xml");
    assert!(junit.contains("failures=\"0\""), "{junit}");
    let html = std::fs::read_to_string(report_dir.join("report.html")).expect("report.html");
    assert!(html.contains("<html"), "report.html is HTML");
}

#[test]
fn trusting_the_wrong_server_key_fails_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("sim");
    let served = serve(&data_dir);
    // The partner's own public key cannot verify the simulator's signatures.
    let (output, report_dir) = conformance(&served, &data_dir, "demo-partner-public.pem");
    assert!(!output.status.success(), "a failing suite exits non-zero");
    let junit = std::fs::read_to_string(report_dir.join("junit.xml")).expect("junit.xml");
    assert!(!junit.contains("failures=\"0\""), "{junit}");
    let html = std::fs::read_to_string(report_dir.join("report.html")).expect("report.html");
    assert!(
        html.contains("Signature"),
        "the report names the signature problem"
    );
}

#[test]
fn list_prints_every_case_without_sending() {
    let output = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .args(["conformance", "--list"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let cases =
        alipayhk_conformance::derive_cases(&alipayhk_conformance::SpecTable::from_generated());
    for case in &cases {
        assert!(
            stdout.contains(&case.id()),
            "{} missing:\n{stdout}",
            case.id()
        );
    }
    assert!(
        stdout.contains(&format!("{} cases", cases.len())),
        "{stdout}"
    );
    assert!(stdout.contains("[needs --admin-url]"), "{stdout}");
}

/// The suite as a sandbox sees it: no admin API, request bodies from a file.
fn conformance_with_requests(
    served: &support::Served,
    data_dir: &std::path::Path,
    requests: &serde_json::Value,
    only: Option<&str>,
) -> std::process::Output {
    let file = data_dir.join("requests.json");
    std::fs::write(&file, requests.to_string()).expect("write");
    let mut command = Command::new(env!("CARGO_BIN_EXE_alipayhk"));
    command
        .arg("conformance")
        .args(["--base-url", &format!("http://{}", served.api)])
        .args(["--client-id", "DEMO0000PARTNER0001"])
        .arg("--private-key")
        .arg(data_dir.join("keys/demo-partner-private.pem"))
        .arg("--server-public-key")
        .arg(data_dir.join("keys/simulator-public.pem"))
        .arg("--requests")
        .arg(&file)
        .arg("--report-dir")
        .arg(data_dir.join("report"));
    if let Some(only) = only {
        command.args(["--only", only]);
    }
    command.output().expect("runs")
}

#[test]
fn requests_from_a_file_drive_the_success_encrypted_and_replay_cases_without_an_admin_api() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("sim");
    let served = serve(&data_dir);
    // A sandbox user the spec's examples know nothing about.
    let (status, body) = support::admin(
        &served,
        &data_dir,
        "POST",
        "/admin/users",
        r#"{"userId":"2160400000000777","balance":5000,"accessTokens":[{"token":"sandbox-token-777"}]}"#,
    );
    assert_eq!(status, 201, "{body}");
    let example = |id: &str| -> serde_json::Value {
        let op: alipayhk_api::OperationId = id.parse().unwrap();
        serde_json::from_str(op.info().request_example).unwrap()
    };
    let mut redeem = example("redeemAPoint");
    redeem["ipRoleId"] = "2160400000000777".into();
    let mut requests = serde_json::json!({
        "inquireAPoint": {"accessToken": "sandbox-token-777"},
        "redeemAPoint": redeem,
    });

    let out = conformance_with_requests(&served, &data_dir, &requests, Some("Point/"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    let (_, ledger) = support::admin(
        &served,
        &data_dir,
        "GET",
        "/admin/ledger?userId=2160400000000777",
        "",
    );
    assert!(
        ledger.contains("redeem"),
        "the redeem cases ran for the file's user: {ledger}"
    );

    // The bodies are really the file's: a token the server does not know fails the success case.
    requests["inquireAPoint"]["accessToken"] = "sandbox-token-unknown".into();
    let out =
        conformance_with_requests(&served, &data_dir, &requests, Some("inquireAPoint/success"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A body that breaks the spec, or an unknown operation, is refused before anything is sent.
    let bad = serde_json::json!({"redeemAPoint": {"bizNo": 1}});
    let out = conformance_with_requests(&served, &data_dir, &bad, None);
    assert_eq!(out.status.code(), Some(2));
    let unknown = serde_json::json!({"chargeCard": {}});
    let out = conformance_with_requests(&served, &data_dir, &unknown, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inquireAPoint"));
}

/// A server of one's own without an admin API, given a test user: the business rules and
/// generated requests run, the seed is printed, and what stays unproven is said.
#[test]
fn a_test_user_and_generated_requests_without_an_admin_api() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("sim");
    let served = serve(&data_dir);
    let output = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .arg("conformance")
        .args(["--base-url", &format!("http://{}", served.api)])
        .args(["--client-id", "DEMO0000PARTNER0001"])
        .arg("--private-key")
        .arg(data_dir.join("keys/demo-partner-private.pem"))
        .arg("--server-public-key")
        .arg(data_dir.join("keys/simulator-public.pem"))
        .args(["--test-user-token", alipayhk_simulator::DEMO_ACCESS_TOKEN])
        .args(["--test-user-id", alipayhk_simulator::DEMO_USER_ID])
        .args(["--generate", "5", "--seed", "11", "--facts-only"])
        .arg("--report-dir")
        .arg(data_dir.join("report"))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("--generate 5 --seed 11"), "{stdout}");
    assert!(
        stderr.contains("pass     redeemAPoint/business/redeem_debits_once"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pass     issueAPoint/generated/invalid"),
        "{stderr}"
    );
    assert!(stdout.contains("Not proven on this server:\n"), "{stdout}");
    assert!(
        stdout.contains("RISK_REJECT cannot be provoked through the public API"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("benefitRedeemInfos[0].amount/minimum"),
        "an assumption ran: {stdout}"
    );
}

/// The demo template (seeded by `alipayhk serve`).
const TEMPLATE_QUERY: &str =
    r#"{"merchantId":"2160120041113167","templateCode":"82022031000135000000000000624234"}"#;

/// One recorded queryTemplate exchange in the recording format (JSON is YAML too).
fn recorded_query_template(answer: &serde_json::Value) -> String {
    let result = &answer["result"];
    serde_json::json!({
        "format": "alipayhk-recording/1",
        "operation": "queryTemplate",
        "path": "/api/open/alipay/v1/ipass/template/manage/detail",
        "request": {
            "clientId": "DEMO0000PARTNER0001",
            "body": serde_json::from_str::<serde_json::Value>(TEMPLATE_QUERY).expect("JSON"),
        },
        "answer": {
            "httpStatus": 200,
            "resultCode": result["resultCode"],
            "resultStatus": result["resultStatus"],
            "tracerId": null,
            "body": answer,
        },
        "latencyMs": 3,
        "signatures": {"request": true, "response": true},
    })
    .to_string()
}

#[test]
fn a_recording_is_diffed_end_to_end_with_a_junit_report_naming_each_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("sim");
    let served = serve(&data_dir);
    let keys = data_dir.join("keys");
    // The real answer, through `alipayhk call`.
    let call = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .args(["call", "queryTemplate", "--data", TEMPLATE_QUERY])
        .args(["--base-url", &format!("http://{}", served.api)])
        .args(["--client-id", "DEMO0000PARTNER0001"])
        .arg("--private-key")
        .arg(keys.join("demo-partner-private.pem"))
        .arg("--alipay-public-key")
        .arg(keys.join("simulator-public.pem"))
        .env_remove("ALIPAYHK_BASE_URL")
        .output()
        .expect("alipayhk call runs");
    assert!(call.status.success(), "{call:?}");
    let answer: serde_json::Value =
        serde_json::from_slice(&call.stdout).expect("the answer body as JSON");
    assert_eq!(answer["result"]["resultCode"], "SUCCESS", "{answer}");

    // A recording: the answer as it came, and one whose image the server no longer sends.
    let recording = dir.path().join("recording");
    std::fs::create_dir_all(recording.join("queryTemplate")).expect("folder");
    std::fs::write(
        recording.join("recording.yaml"),
        format!(
            "format: alipayhk-recording/1\nplaceholderKey: {}\n",
            "ab".repeat(32)
        ),
    )
    .expect("manifest");
    std::fs::write(
        recording.join("queryTemplate/0001-SUCCESS.yaml"),
        recorded_query_template(&answer),
    )
    .expect("exchange 1");
    let mut older = answer.clone();
    older["imageUrl"] = "https://example.com/images/recorded.png".into();
    std::fs::write(
        recording.join("queryTemplate/0002-SUCCESS.yaml"),
        recorded_query_template(&older),
    )
    .expect("exchange 2");

    let diff = |report_dir: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_alipayhk"))
            .arg("conformance")
            .arg("--recording")
            .arg(&recording)
            .args(["--base-url", &format!("http://{}", served.api)])
            .args(["--client-id", "DEMO0000PARTNER0001"])
            .arg("--private-key")
            .arg(keys.join("demo-partner-private.pem"))
            .arg("--server-public-key")
            .arg(keys.join("simulator-public.pem"))
            .arg("--report-dir")
            .arg(report_dir)
            .output()
            .expect("alipayhk conformance runs")
    };
    let report_dir = dir.path().join("report");
    let output = diff(&report_dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a difference fails the run:\n{stdout}"
    );
    assert!(
        stdout.contains("2 cases: 1 passed, 1 failed, 0 skipped"),
        "{stdout}"
    );
    let junit = std::fs::read_to_string(report_dir.join("junit.xml")).expect("junit.xml");
    assert!(
        junit.contains(r#"name="0001-SUCCESS.yaml" file="queryTemplate/0001-SUCCESS.yaml"/>"#),
        "{junit}"
    );
    assert!(
        junit.contains(r#"file="queryTemplate/0002-SUCCESS.yaml">"#)
            && junit.contains(
                "differs from the recording at /imageUrl: recorded &quot;https://example.com/images/recorded.png&quot;"
            ),
        "{junit}"
    );

    // A file that is not a recording's refuses the whole run, named; nothing is sent.
    std::fs::write(
        recording.join("queryTemplate/0003-SUCCESS.yaml"),
        "format: [",
    )
    .expect("bad");
    let refused_report = dir.path().join("refused-report");
    let output = diff(&refused_report);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("queryTemplate/0003-SUCCESS.yaml") && stderr.contains("nothing was run"),
        "{stderr}"
    );
    assert!(!refused_report.exists(), "no report: nothing ran");
}
