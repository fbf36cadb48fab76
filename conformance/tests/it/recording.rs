//! `--recording DIR` against the reference simulator over real HTTP: a recording made from
//! the generated client's real answers, then diffed against the simulator it came from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use alipayhk_api::client::Client;
use alipayhk_api::models::{
    InquireAPointRequest, IssueAPointRequest, QueryTemplateRequest, RedeemAPointRequest,
    UpdateMembershipCardRequest,
};
use alipayhk_conformance::recorded::load_recording;
use alipayhk_conformance::report::{junit, summary};
use alipayhk_conformance::{
    AdminClient, CaseKind, RecordingOptions, RunOptions, SpecTable, SuiteOutcome, Target, Verdict,
    recorded_cases, run_cases,
};
use alipayhk_recording::read_secrets;
use alipayhk_recording::{
    Answer, Exchange, FORMAT, Filter, PLACEHOLDER_PREFIX, RecordOptions, Recorder, Request,
    Signatures,
};
use alipayhk_runtime::client::ClientConfig;
use alipayhk_runtime::signature::KeySigner;
use alipayhk_simulator::RunningSimulator;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::simulator::{ADMIN_TOKEN, start_simulator};
use crate::support::{CLIENT_ID, credentials, keys};

/// The demo template the recording queries.
const TEMPLATE: &str = "82022031000135000000000000624234";
/// The template's image after the change.
const CHANGED_IMAGE: &str = "https://example.com/images/changed-after-recording.png";
/// The bizNo the recorded issue (and its replay) used.
const RECORDED_ISSUE_BIZ_NO: &str = "REC-ISSUE-1";

fn snapshot_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .expect("CARGO_MANIFEST_DIR is set (run the tests with `cargo test`)")
        .join("tests/it/recording-snapshots")
}

fn api(sim: &RunningSimulator) -> String {
    format!("http://{}", sim.api_address)
}

fn admin_url(sim: &RunningSimulator) -> String {
    format!("http://{}", sim.admin_address)
}

/// The spec example of `operation` as its typed request, with `edit` applied first.
fn example<T: DeserializeOwned>(operation: &str, edit: impl FnOnce(&mut serde_json::Value)) -> T {
    let op = SpecTable::from_generated()
        .operation(operation)
        .copied()
        .expect("operation");
    let mut body = alipayhk_conformance::spec::example_request(&op);
    edit(&mut body);
    serde_json::from_value(body).expect("the example decodes")
}

/// Records one call of the generated client: the typed request and the typed answer (a
/// success; anything else fails the test), as the proxy would.
fn record_one<Q: Serialize, A: Serialize>(
    recorder: &Recorder,
    operation: &str,
    request: &Q,
    answer: alipayhk_runtime::outcome::ResponseValue<A>,
) {
    let op = SpecTable::from_generated()
        .operation(operation)
        .copied()
        .expect("operation");
    let meta = answer.response().clone();
    let body = serde_json::to_value(answer.into_inner()).expect("answer as JSON");
    let result = body.get(op.result_field).cloned().unwrap_or_default();
    let text = |name: &str| result.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let exchange = Exchange {
        format: FORMAT.to_owned(),
        operation: operation.to_owned(),
        path: op.path.to_owned(),
        request: Request {
            client_id: CLIENT_ID.to_owned(),
            encrypted: false,
            body: Some(serde_json::to_value(request).expect("request as JSON")),
        },
        answer: Answer {
            http_status: meta.status,
            result_code: text("resultCode"),
            result_status: text("resultStatus"),
            tracer_id: meta.tracer_id.clone(),
            encrypted: false,
            body: Some(body),
        },
        latency_ms: 1,
        signatures: Signatures {
            request: None,
            response: Some(meta.verified),
        },
        findings: Vec::new(),
    };
    recorder
        .record(exchange)
        .expect("record")
        .expect("the empty filter keeps it");
}

/// Records the five operations against `sim` with the generated client into `dir`, the
/// issue twice with one bizNo (a replay pair); the access token's real value goes into
/// `secrets`. Then resets the simulator, so a diff starts from the state the recording did.
async fn record(sim: &RunningSimulator, dir: &Path, secrets: &Path) {
    let k = keys();
    let client = Client::new(ClientConfig::new(
        api(sim),
        CLIENT_ID,
        Arc::new(KeySigner::new(k.partner.clone(), Some(1))),
        k.server.public_key(),
    ))
    .expect("client");
    let recorder = Recorder::create(
        dir,
        RecordOptions {
            // What the proxy redacts: the spec table's secret fields.
            secret_fields: SpecTable::from_generated()
                .operations
                .iter()
                .flat_map(|op| op.secret_fields.iter().map(|f| (*f).to_owned()))
                .collect(),
            filter: Filter::default(),
            secrets_file: Some(secrets.to_path_buf()),
        },
    )
    .expect("recorder");

    let inquire: InquireAPointRequest = example("inquireAPoint", |_| {});
    let answer = client.inquire_a_point(&inquire).await.expect("inquire");
    record_one(&recorder, "inquireAPoint", &inquire, answer);

    let issue: IssueAPointRequest = example("issueAPoint", |b| {
        b["bizNo"] = RECORDED_ISSUE_BIZ_NO.into();
    });
    for _ in 0..2 {
        let answer = client.issue_a_point(&issue).await.expect("issue");
        record_one(&recorder, "issueAPoint", &issue, answer);
    }

    let redeem: RedeemAPointRequest = example("redeemAPoint", |b| {
        b["bizNo"] = "REC-REDEEM-1".into();
    });
    let answer = client.redeem_a_point(&redeem).await.expect("redeem");
    record_one(&recorder, "redeemAPoint", &redeem, answer);

    let query: QueryTemplateRequest = example("queryTemplate", |b| {
        b["templateCode"] = TEMPLATE.into();
    });
    let answer = client.query_template(&query).await.expect("query");
    record_one(&recorder, "queryTemplate", &query, answer);

    let update: UpdateMembershipCardRequest = example("updateMembershipCard", |b| {
        b["templateCode"] = TEMPLATE.into();
    });
    let answer = client
        .update_membership_card(&update)
        .await
        .expect("update");
    record_one(&recorder, "updateMembershipCard", &update, answer);

    admin(sim)
        .post(format!("{}/admin/reset", admin_url(sim)))
        .send()
        .await
        .expect("reset")
        .error_for_status()
        .expect("reset answered");
}

/// A plain HTTP client for the admin API's endpoints the conformance admin client lacks.
fn admin(_sim: &RunningSimulator) -> AdminHttp {
    AdminHttp(reqwest::Client::new())
}

struct AdminHttp(reqwest::Client);

impl AdminHttp {
    fn post(&self, url: String) -> reqwest::RequestBuilder {
        self.0.post(url).bearer_auth(ADMIN_TOKEN)
    }
    fn get(&self, url: String) -> reqwest::RequestBuilder {
        self.0.get(url).bearer_auth(ADMIN_TOKEN)
    }
    fn put(&self, url: String) -> reqwest::RequestBuilder {
        self.0.put(url).bearer_auth(ADMIN_TOKEN)
    }
    fn delete(&self, url: String) -> reqwest::RequestBuilder {
        self.0.delete(url).bearer_auth(ADMIN_TOKEN)
    }
}

/// Diffs `sim` against the recording in `dir`; empty suffix: deterministic fresh keys.
async fn diff(sim: &RunningSimulator, dir: &Path, options: &RecordingOptions) -> SuiteOutcome {
    let table = SpecTable::from_generated();
    let recording = load_recording(dir).expect("load");
    let cases = recorded_cases(&recording, &table, options, "");
    let target = Target {
        base_url: api(sim),
        credentials: credentials(),
        admin: None,
    };
    run_cases(&target, &table, &RunOptions::default(), cases, |_| {})
        .await
        .expect("run")
}

fn with_secrets(secrets: &Path) -> RecordingOptions {
    RecordingOptions {
        secrets: read_secrets(secrets).expect("secrets"),
        ..RecordingOptions::default()
    }
}

/// The idempotency key each case sent, by case id.
fn sent_biz_nos(outcome: &SuiteOutcome, operation: &str) -> Vec<String> {
    outcome
        .outcomes
        .iter()
        .filter(|o| o.case.operation == operation)
        .flat_map(|o| &o.exchanges)
        .map(|e| {
            let body: serde_json::Value =
                serde_json::from_slice(&e.request.body).expect("a plain JSON request");
            body["bizNo"].as_str().expect("bizNo").to_owned()
        })
        .collect()
}

#[tokio::test]
async fn diffing_the_simulator_a_recording_was_made_against_passes_every_case() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sim = start_simulator(dir.path()).await;
    let recording = dir.path().join("recording");
    let secrets = dir.path().join("secrets.tsv");
    record(&sim, &recording, &secrets).await;

    let outcome = diff(&sim, &recording, &with_secrets(&secrets)).await;

    let ids: Vec<String> = outcome.outcomes.iter().map(|o| o.case.id()).collect();
    assert_eq!(
        ids,
        [
            "inquireAPoint/0001-SUCCESS.yaml",
            "issueAPoint/0001-SUCCESS.yaml",
            "issueAPoint/0002-SUCCESS.yaml",
            "queryTemplate/0001-SUCCESS.yaml",
            "redeemAPoint/0001-SUCCESS.yaml",
            "updateMembershipCard/0001-SUCCESS.yaml",
        ],
        "one case per recorded file, in file order"
    );
    assert_eq!(outcome.counts(), (6, 0, 0), "{}", summary::render(&outcome));
    // Every case sent once and got an answer that verified (a failed signature is a problem).
    assert!(
        outcome
            .outcomes
            .iter()
            .all(|o| o.exchanges.len() == 1 && o.exchanges[0].response.is_some())
    );
    let junit = junit::render(&outcome);
    assert!(
        junit.contains(r#"file="queryTemplate/0001-SUCCESS.yaml""#),
        "the JUnit report names each case's recording file:\n{junit}"
    );
    sim.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_template_changed_after_recording_fails_one_case_naming_exactly_that_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sim = start_simulator(dir.path()).await;
    let recording = dir.path().join("recording");
    let secrets = dir.path().join("secrets.tsv");
    record(&sim, &recording, &secrets).await;

    // The server changes its behaviour: one field of the template's answer.
    let http = admin(&sim);
    let template: serde_json::Value = http
        .get(format!("{}/admin/templates/{TEMPLATE}", admin_url(&sim)))
        .send()
        .await
        .expect("get template")
        .error_for_status()
        .expect("template exists")
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).expect("template JSON"))
        .expect("template body");
    let mut body = template["body"].clone();
    let old = body["imageUrl"].clone();
    assert!(
        old.is_string(),
        "the demo template has an image: {template}"
    );
    body["imageUrl"] = CHANGED_IMAGE.into();
    let changed = http
        .put(format!("{}/admin/templates", admin_url(&sim)))
        .header("content-type", "application/json")
        .body(
            serde_json::json!({
                "templateCode": TEMPLATE,
                "merchantId": template["merchantId"],
                "body": body,
            })
            .to_string(),
        )
        .send()
        .await
        .expect("put template");
    assert!(
        changed.status().is_success(),
        "template refused: {}",
        changed.text().await.unwrap_or_default()
    );

    let outcome = diff(&sim, &recording, &with_secrets(&secrets)).await;

    let failed: Vec<_> = outcome
        .outcomes
        .iter()
        .filter(|o| matches!(o.verdict, Verdict::Fail(_)))
        .collect();
    assert_eq!(failed.len(), 1, "{}", summary::render(&outcome));
    assert_eq!(failed[0].case.id(), "queryTemplate/0001-SUCCESS.yaml");
    let Verdict::Fail(problems) = &failed[0].verdict else {
        unreachable!()
    };
    assert_eq!(
        problems,
        &[format!(
            "differs from the recording at /imageUrl: recorded {old}, got \"{CHANGED_IMAGE}\""
        )],
        "exactly the changed field, with both values"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!("changed_template_summary", summary::render(&outcome));
    });
    sim.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_recorded_replay_pair_keeps_one_fresh_biz_no_and_moves_points_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sim = start_simulator(dir.path()).await;
    let recording = dir.path().join("recording");
    let secrets = dir.path().join("secrets.tsv");
    record(&sim, &recording, &secrets).await;

    let outcome = diff(&sim, &recording, &with_secrets(&secrets)).await;

    let issued = sent_biz_nos(&outcome, "issueAPoint");
    let redeemed = sent_biz_nos(&outcome, "redeemAPoint");
    assert_eq!(issued.len(), 2, "both recorded issues were sent");
    assert_eq!(issued[0], issued[1], "the pair shares one bizNo");
    assert_ne!(issued[0], RECORDED_ISSUE_BIZ_NO, "a fresh one");
    assert_ne!(
        redeemed[0], issued[0],
        "another recorded bizNo, another fresh one"
    );
    let admin = AdminClient::new(&admin_url(&sim), ADMIN_TOKEN).expect("admin client");
    assert_eq!(
        admin.ledger_entries_for(&issued[0]).await.expect("ledger"),
        1,
        "the replay did not move points again"
    );
    assert_eq!(
        outcome.counts().1,
        0,
        "the replay answered as recorded: {}",
        summary::render(&outcome)
    );
    sim.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_request_holding_a_placeholder_without_its_secret_is_reported_and_not_sent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sim = start_simulator(dir.path()).await;
    let recording = dir.path().join("recording");
    let secrets = dir.path().join("secrets.tsv");
    record(&sim, &recording, &secrets).await;
    let recorded = std::fs::read_to_string(recording.join("inquireAPoint/0001-SUCCESS.yaml"))
        .expect("the inquire recording");
    assert!(recorded.contains(PLACEHOLDER_PREFIX), "{recorded}");
    let http = admin(&sim);
    http.delete(format!("{}/admin/requests", admin_url(&sim)))
        .send()
        .await
        .expect("empty the journal")
        .error_for_status()
        .expect("journal emptied");

    // No secrets file.
    let outcome = diff(&sim, &recording, &RecordingOptions::default()).await;

    let inquire = &outcome.outcomes[0];
    assert_eq!(inquire.case.id(), "inquireAPoint/0001-SUCCESS.yaml");
    let Verdict::Fail(problems) = &inquire.verdict else {
        panic!("not reported as a failure: {:?}", inquire.verdict);
    };
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with("could not run:")
            && problems[0].contains("/accessToken")
            && problems[0].contains("--recording-secrets FILE"),
        "{}",
        problems[0]
    );
    assert!(inquire.exchanges.is_empty(), "nothing sent");
    assert!(matches!(inquire.case.kind, CaseKind::Recorded(_)));
    let journal = |operation: &'static str| {
        let http = &http;
        let url = format!("{}/admin/requests?operation={operation}", admin_url(&sim));
        async move {
            http.get(url)
                .send()
                .await
                .expect("journal")
                .error_for_status()
                .expect("journal answered")
                .bytes()
                .await
                .map(|b| {
                    serde_json::from_slice::<Vec<serde_json::Value>>(&b).expect("journal JSON")
                })
                .expect("journal body")
                .len()
        }
    };
    assert_eq!(journal("inquireAPoint").await, 0, "the server never saw it");
    assert_eq!(
        journal("queryTemplate").await,
        1,
        "the journal does record the cases that ran"
    );
    sim.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn an_encrypted_recording_is_sent_encrypted_and_one_without_its_body_is_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sim = start_simulator(dir.path()).await;
    let recording = dir.path().join("recording");
    let secrets = dir.path().join("secrets.tsv");
    record(&sim, &recording, &secrets).await;
    // The recorded queryTemplate exchange, as if it had gone encrypted: once recorded with
    // --record-plaintext (bodies kept), once without (no bodies).
    let loaded = load_recording(&recording).expect("load");
    let query = loaded
        .exchanges
        .iter()
        .find(|l| l.exchange.operation == "queryTemplate")
        .expect("recorded")
        .exchange
        .clone();
    let mut with_plaintext = query.clone();
    with_plaintext.request.encrypted = true;
    with_plaintext.answer.encrypted = true;
    let mut without = with_plaintext.clone();
    without.request.body = None;
    without.answer.body = None;
    let recorder = Recorder::create(&recording, RecordOptions::default()).expect("reopen");
    for exchange in [with_plaintext, without] {
        recorder.record(exchange).expect("record").expect("kept");
    }

    let outcome = diff(&sim, &recording, &with_secrets(&secrets)).await;

    let case = |id: &str| {
        outcome
            .outcomes
            .iter()
            .find(|o| o.case.id() == id)
            .unwrap_or_else(|| panic!("{id} ran"))
    };
    let encrypted = case("queryTemplate/0002-SUCCESS.yaml");
    assert_eq!(
        encrypted.verdict,
        Verdict::Pass,
        "{}",
        encrypted.transcript(alipayhk_conformance::exchange::Redaction::None)
    );
    let sent = &encrypted.exchanges[0];
    assert!(sent.request.plaintext.is_some(), "sent encrypted");
    assert!(
        sent.response
            .as_ref()
            .and_then(|r| r.header("Encrypt"))
            .is_some(),
        "answered encrypted"
    );
    let skipped = case("queryTemplate/0003-SUCCESS.yaml");
    assert!(
        matches!(&skipped.verdict, Verdict::Skipped(reason) if reason.contains("--record-plaintext")),
        "{:?}",
        skipped.verdict
    );
    assert!(skipped.exchanges.is_empty());

    // --send-plain: the same exchange goes plain, and its label says so.
    let plain = RecordingOptions {
        encrypt: false,
        ..with_secrets(&secrets)
    };
    let outcome = diff(&sim, &recording, &plain).await;
    let sent_plain = outcome
        .outcomes
        .iter()
        .find(|o| o.case.id() == "queryTemplate/0002-SUCCESS.yaml")
        .expect("ran");
    assert_eq!(sent_plain.verdict, Verdict::Pass);
    assert!(sent_plain.exchanges[0].request.plaintext.is_none());
    assert!(
        sent_plain.exchanges[0].label.contains("sent plain"),
        "{}",
        sent_plain.exchanges[0].label
    );
    sim.shutdown().await.expect("shutdown");
}
