//! The whole suite against the reference simulator over real HTTP on 127.0.0.1, one
//! snapshot per case: a spec change shows up as a reviewable snapshot diff.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use alipayhk_conformance::exchange::Redaction;
use alipayhk_conformance::report::summary;
use alipayhk_conformance::{
    AdminClient, Generate, RunOptions, SpecTable, Target, TestUser, Verdict, derive_cases,
    run_suite,
};
use alipayhk_simulator::{PartnerConfig, SimulatorConfig};
use alipayhk_simulator::{RunningSimulator, start};

use crate::support::{CLIENT_ID, credentials, keys};

pub(crate) const ADMIN_TOKEN: &str = "conformance-admin-token";
/// The business sequences' user.
const TEST_USER_ID: &str = "2160000000000027";
/// Its access token.
const TEST_USER_TOKEN: &str = "conformance-test-user-token";

/// In the checkout under test: CARGO_MANIFEST_DIR is read when the test runs (`cargo test`
/// sets it), never baked in with `env!`. Two checkouts that share one CARGO_TARGET_DIR share
/// this binary, and a baked-in path would compare against the other checkout's snapshots.
fn snapshot_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .expect("CARGO_MANIFEST_DIR is set (run the tests with `cargo test`)")
        .join("tests/it/snapshots")
}

/// A fresh in-memory simulator that knows our partner key and signs with our server key.
pub(crate) async fn start_simulator(dir: &Path) -> RunningSimulator {
    let k = keys();
    let partner_public = dir.join("partner_public.pem");
    let simulator_private = dir.join("simulator_private.pem");
    std::fs::write(&partner_public, k.partner.public_key().to_spki_pem())
        .expect("write partner key");
    std::fs::write(&simulator_private, k.server.to_pkcs8_pem().expect("pem"))
        .expect("write simulator key");
    let config = SimulatorConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        admin_listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.join("data"),
        in_memory: true,
        simulator_private_key: Some(simulator_private),
        admin_token: Some(ADMIN_TOKEN.to_owned()),
        partners: vec![PartnerConfig {
            client_id: CLIENT_ID.to_owned(),
            public_key: partner_public,
            key_version: 1,
        }],
        ..SimulatorConfig::default()
    };
    start(config).await.expect("start the simulator")
}

#[tokio::test]
async fn every_case_passes_against_the_simulator_and_matches_its_snapshot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let simulator = start_simulator(dir.path()).await;
    let target = Target {
        base_url: format!("http://{}", simulator.api_address),
        credentials: credentials(),
        admin: Some(
            AdminClient::new(&format!("http://{}", simulator.admin_address), ADMIN_TOKEN)
                .expect("admin client"),
        ),
    };
    let table = SpecTable::from_generated();
    // A fixed test user, so the business sequences' snapshots do not change between runs.
    let test_user = target
        .admin
        .as_ref()
        .expect("admin")
        .create_user(TEST_USER_ID, Some(TEST_USER_TOKEN))
        .await
        .expect("create the test user");
    let options = RunOptions {
        test_user,
        ..RunOptions::default()
    };
    let outcome = run_suite(&target, &table, &options, |_| {})
        .await
        .expect("run");

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for o in &outcome.outcomes {
            insta::assert_snapshot!(o.case.snapshot_name(), o.transcript(Redaction::Volatile));
        }
    });
    let not_passed: Vec<String> = outcome
        .outcomes
        .iter()
        .filter(|o| o.verdict != Verdict::Pass)
        .map(|o| o.summary_line())
        .collect();
    assert!(
        not_passed.is_empty(),
        "{}\n{}",
        not_passed.join("\n"),
        summary::render(&outcome)
    );
    simulator.shutdown().await.expect("shutdown");
}

#[test]
fn every_case_has_a_snapshot_and_every_snapshot_a_case() {
    let known: BTreeSet<String> = derive_cases(&SpecTable::from_generated())
        .iter()
        .map(|c| c.snapshot_name())
        .collect();
    let mut found = BTreeSet::new();
    let mut stray = Vec::new();
    for entry in std::fs::read_dir(snapshot_dir()).expect("read the snapshots folder") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        match name.strip_suffix(".snap") {
            Some(stem) if known.contains(stem) => {
                found.insert(stem.to_owned());
            }
            _ => stray.push(name),
        }
    }
    assert!(
        stray.is_empty(),
        "snapshot files that no case produces (or pending ones): {stray:?}; delete them, or run `cargo insta review`"
    );
    let missing: Vec<&String> = known.difference(&found).collect();
    assert!(
        missing.is_empty(),
        "cases without a snapshot: {missing:?}; run the simulator test and review the new snapshots"
    );
}

/// Without `--admin-url`, given the demo user as the test user: everything the public API
/// can provoke runs and passes, and every case still skipped names a code it cannot.
#[tokio::test]
async fn without_an_admin_api_only_codes_the_public_api_cannot_provoke_stay_unproven() {
    let dir = tempfile::tempdir().expect("temp dir");
    let simulator = start_simulator(dir.path()).await;
    let target = Target {
        base_url: format!("http://{}", simulator.api_address),
        credentials: credentials(),
        admin: None,
    };
    let options = RunOptions {
        test_user: TestUser {
            access_token: Some(alipayhk_simulator::DEMO_ACCESS_TOKEN.to_owned()),
            user_id: Some(alipayhk_simulator::DEMO_USER_ID.to_owned()),
        },
        idempotency_suffix: "-no-admin".into(),
        ..RunOptions::default()
    };
    let outcome = run_suite(&target, &SpecTable::from_generated(), &options, |_| {})
        .await
        .expect("run");
    let mut skipped = Vec::new();
    for o in &outcome.outcomes {
        match &o.verdict {
            Verdict::Pass => {}
            Verdict::Fail(_) => panic!("{}", o.summary_line()),
            Verdict::Skipped(reason) => {
                assert!(
                    reason.contains("cannot be provoked through the public API"),
                    "{}: {reason}",
                    o.case.id()
                );
                skipped.push(o.case.id());
            }
        }
    }
    // The illegal-parameter, inconsistent-replay and insufficient-points codes are proven
    // through the public API instead of being scripted.
    for proven in [
        "inquireAPoint/code_PARAMETER_ILLEGAL",
        "redeemAPoint/code_POINT_NOT_ENOUGH",
        "redeemAPoint/code_REPEAT_REQ_INCONSISTENT",
    ] {
        assert!(
            !outcome.outcomes.iter().any(|o| o.case.id() == proven),
            "{proven} still listed"
        );
    }
    assert!(
        skipped.contains(&"redeemAPoint/code_RISK_REJECT".to_owned()),
        "{skipped:?}"
    );
    // A selection without the proving cases says where the proof is.
    let only = RunOptions {
        only: Some("redeemAPoint/code_PARAM_ILLEGAL".into()),
        ..options.clone()
    };
    let selected = run_suite(&target, &SpecTable::from_generated(), &only, |_| {})
        .await
        .expect("run");
    let [single] = selected.outcomes.as_slice() else {
        panic!("{:?}", selected.outcomes.len());
    };
    assert!(
        matches!(&single.verdict, Verdict::Skipped(r) if r.contains("is proven through the public API by redeemAPoint/invalid/body/not_json")),
        "{}",
        single.summary_line()
    );
    let text = summary::render(&outcome);
    assert!(text.contains("Not proven on this server:\n"), "{text}");
    assert!(
        text.contains(
            "\n  - issueAPoint, redeemAPoint: RISK_REJECT cannot be provoked through the public API"
        ),
        "{text}"
    );
    simulator.shutdown().await.expect("shutdown");
}

/// `--generate`: valid requests from the schemas get documented codes, mutants get the
/// illegal code, against the simulator; the same seed sends the same requests.
#[tokio::test]
async fn generated_requests_pass_against_the_simulator() {
    let dir = tempfile::tempdir().expect("temp dir");
    let simulator = start_simulator(dir.path()).await;
    let target = Target {
        base_url: format!("http://{}", simulator.api_address),
        credentials: credentials(),
        admin: None,
    };
    let options = RunOptions {
        only: Some("generated/".into()),
        generate: Some(Generate { count: 30, seed: 7 }),
        ..RunOptions::default()
    };
    let outcome = run_suite(&target, &SpecTable::from_generated(), &options, |_| {})
        .await
        .expect("run");
    assert_eq!(
        outcome.outcomes.len(),
        10,
        "valid and invalid per operation"
    );
    for o in &outcome.outcomes {
        assert_eq!(o.verdict, Verdict::Pass, "{}", o.summary_line());
    }
    simulator.shutdown().await.expect("shutdown");
}
