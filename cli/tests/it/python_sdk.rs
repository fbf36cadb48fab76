//! Alipay's own Python SDK (`global-alipay-sdk-python`) as the reference client and signer.
//!
//! 1. The SDK's `DefaultAlipayClient.execute` drives all five operations against
//!    `alipayhk serve --tls`, including every documented non-S code, and must verify every
//!    answer with its own code (tests/python/sdk_client.py). The test replaces exactly one
//!    piece of the SDK: its connection factory, which opens HTTPS to port 443 of the URL's
//!    host whatever the URL says (and checks no certificate); the replacement opens the
//!    URL's port and verifies the simulator's certificate. Signing, headers and
//!    verification stay the SDK's.
//! 2. The generated Rust client calls a small server that signs with the SDK's
//!    `signature_tool` (tests/python/sdk_server.py) and must verify every answer.
//!
//! The SDK lives in a virtual environment under the target directory, made by
//! tests/python/setup-venv.sh (`.ci/run` runs it first; these tests run it when the venv is
//! missing, which needs python3 with venv and PyPI). They are ignored by default; run with
//! `--include-ignored` (as CI does), they fail when the SDK cannot be set up.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use alipayhk_api::spec::OPERATIONS;
use alipayhk_api::{CallError, Client, ClientConfig, KeySigner, OperationId, ResultStatus};
use alipayhk_runtime::keys::PrivateKey;
use serde_json::{Value, json};

use crate::support;

/// What a failed setup means (the words of the tests' `#[ignore]`).
const NEEDS: &str =
    "this test needs Alipay's Python SDK (python3 with venv, and PyPI; .ci/run installs it)";

pub(crate) fn python_dir() -> PathBuf {
    support::manifest_dir().join("tests/python")
}

/// The venv's python, set up if missing; fails the test when it cannot be.
pub(crate) fn sdk_python() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-sdk-venv");
    let setup = Command::new("bash")
        .arg(python_dir().join("setup-venv.sh"))
        .arg(&venv)
        .output();
    match setup {
        Ok(out) if out.status.success() => venv.join("bin/python"),
        Ok(out) => panic!(
            "{NEEDS}: tests/python/setup-venv.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("{NEEDS}: bash does not run: {e}"),
    }
}

fn example(op: &alipayhk_api::spec::OperationInfo, json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{} example: {e}", op.id))
}

#[test]
#[ignore = "needs Alipay's Python SDK (python3 with venv, and PyPI; .ci/run installs it)"]
fn the_sdk_drives_every_operation_against_the_simulator_and_verifies_every_answer() {
    let python = sdk_python();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    let served = support::serve_with(&data_dir, &["--tls"]);
    let keys = data_dir.join("keys");
    let token = std::fs::read_to_string(data_dir.join("admin-token")).unwrap();
    let operations: Vec<Value> = OPERATIONS
        .iter()
        .map(|op| {
            let success = op
                .result_codes
                .iter()
                .find(|c| c.status == ResultStatus::Success)
                .map(|c| c.code)
                .expect("every operation documents an S code");
            let codes: Vec<&str> = op
                .result_codes
                .iter()
                .filter(|c| c.status != ResultStatus::Success)
                .map(|c| c.code)
                .collect();
            json!({
                "id": op.id, "path": op.path, "result_field": op.result_field,
                "idempotency_key": op.idempotency_key, "body": example(op, op.request_example),
                "success_code": success, "codes": codes,
            })
        })
        .collect();
    let documented_f: usize = OPERATIONS
        .iter()
        .map(|op| {
            op.result_codes
                .iter()
                .filter(|c| c.status != ResultStatus::Success)
                .count()
        })
        .sum();
    let plan = json!({
        "base_url": format!("https://{}", served.api),
        "ca_file": data_dir.join("tls/ca.pem"),
        "client_id": "DEMO0000PARTNER0001",
        "private_key": keys.join("demo-partner-private.pem"),
        "alipay_public_key": keys.join("simulator-public.pem"),
        "wrong_public_key": keys.join("demo-partner-public.pem"),
        "admin_url": format!("http://{}", served.admin),
        "admin_token": token.trim(),
        "run": std::process::id(),
        "operations": operations,
    });
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, plan.to_string()).unwrap();
    let out = Command::new(&python)
        .arg(python_dir().join("sdk_client.py"))
        .arg(&plan_file)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every success, every documented non-S code, and the wrong-key control per operation.
    let calls = OPERATIONS.len() + documented_f + OPERATIONS.len();
    assert!(
        stdout.contains(&format!("{calls} passed, 0 failed")),
        "{stdout}"
    );
}

#[test]
#[ignore = "needs Alipay's Python SDK (python3 with venv, and PyPI; .ci/run installs it)"]
fn the_generated_client_verifies_answers_signed_by_the_sdk() {
    let python = sdk_python();
    let dir = tempfile::tempdir().unwrap();
    let server_key = PrivateKey::generate_rsa2048().unwrap();
    let partner_key = PrivateKey::generate_rsa2048().unwrap();
    let write = |name: &str, text: String| -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let answers: serde_json::Map<String, Value> = OPERATIONS
        .iter()
        .map(|op| {
            (
                op.path.to_string(),
                Value::String(op.response_example.to_string()),
            )
        })
        .collect();
    let plan = json!({
        "answers": answers,
        "partner_public_key": write("partner-public.pem", partner_key.public_key().to_spki_pem()),
        "server_private_key": write("server-private.pem", server_key.to_pkcs8_pem().unwrap()),
    });
    let plan_file = write("server-plan.json", plan.to_string());
    let mut server = Command::new(&python)
        .arg(python_dir().join("sdk_server.py"))
        .arg(&plan_file)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let port: u16 = first
        .trim()
        .strip_prefix("listening on ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the SDK server did not start: {first:?}"));
    let _server = KillOnDrop(server);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(call_every_operation(port, &server_key, partner_key));
}

/// Stops the SDK server however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Each operation's example request; each answer must be verified (S, or the documented F
/// of the example answer), never an unknown outcome.
async fn call_every_operation(port: u16, server_key: &PrivateKey, partner_key: PrivateKey) {
    let config = ClientConfig::new(
        format!("http://127.0.0.1:{port}"),
        "SDK_SIGNED_SERVER_PARTNER",
        Arc::new(KeySigner::new(partner_key, Some(1))),
        server_key.public_key(),
    );
    let client = Client::new(config).unwrap();
    let model = |op: OperationId| example(op.info(), op.info().request_example);
    fn verdict<T, F: std::fmt::Debug>(op: OperationId, outcome: Result<T, CallError<F>>) {
        match outcome {
            Ok(_) | Err(CallError::Failed { .. }) => {}
            Err(other) => panic!("{op}: the SDK's signature did not verify: {other:?}"),
        }
    }
    for op in OperationId::ALL {
        let body = model(op);
        match op {
            OperationId::InquireAPoint => {
                verdict(op, client.inquire_a_point(&decode(op, body)).await)
            }
            OperationId::IssueAPoint => verdict(op, client.issue_a_point(&decode(op, body)).await),
            OperationId::RedeemAPoint => {
                verdict(op, client.redeem_a_point(&decode(op, body)).await)
            }
            OperationId::QueryTemplate => {
                verdict(op, client.query_template(&decode(op, body)).await)
            }
            OperationId::UpdateMembershipCard => {
                verdict(op, client.update_membership_card(&decode(op, body)).await)
            }
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(op: OperationId, body: Value) -> T {
    serde_json::from_value(body).unwrap_or_else(|e| panic!("{op} example does not decode: {e}"))
}
