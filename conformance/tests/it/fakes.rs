//! Independent AlipayHK fakes, each with one defect, run through the whole suite without an
//! admin API but with a test user: each defect fails it, the correct fake passes it.
//!
//! A fake is a real HTTP server on 127.0.0.1 (port 0) behind the runtime's signing layer,
//! with its own in-memory points for one test user; other users and tokens are unknown to
//! it, as the pages say. It does not use the generated server stubs, so request
//! validation can be switched off.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipayhk_api::spec::OPERATIONS;
use alipayhk_conformance::{RunOptions, SpecTable, SuiteOutcome, TestUser, Verdict};
use alipayhk_runtime::server::{CallerContext, InMemoryKeyStore, ServerConfig, SigningLayer};
use alipayhk_runtime::signature::KeySigner;
use axum::routing::post;
use axum::{Extension, Router};
use serde_json::{Value, json};

use crate::support::{CLIENT_ID, keys, run_against};

const USER_ID: &str = "2160111122223333";
const TOKEN: &str = "fake-test-user-token";
const START_BALANCE: i64 = 500;

/// The one thing a fake does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    NoValidation,
    WrongIllegalCode,
    AcceptsFutureTimes,
    NegativeBalance,
    RefusedRedeemDeducts,
    ReplayMovesTwice,
    IssueNeverCredits,
}

#[derive(Default)]
struct Points {
    balance: i64,
    /// bizNo -> (body, answered code)
    seen: HashMap<String, (Value, String)>,
}

async fn start_fake(fault: Fault) -> String {
    let k = keys();
    let mut config = ServerConfig::new(
        Arc::new(KeySigner::new(k.server.clone(), Some(1))),
        Arc::new(InMemoryKeyStore::new().with_key(CLIENT_ID, 1, k.partner.public_key())),
    )
    .with_decryption_key(k.server.clone());
    if fault == Fault::AcceptsFutureTimes {
        config = config.with_clock_skew(Duration::from_secs(10 * 24 * 60 * 60));
    }
    let points = Arc::new(Mutex::new(Points {
        balance: START_BALANCE,
        ..Points::default()
    }));
    let mut app = Router::new();
    for op in OPERATIONS {
        let points = points.clone();
        app = app.route(
            op.path,
            post(
                move |Extension(_c): Extension<CallerContext>, body: axum::body::Bytes| {
                    let points = points.clone();
                    async move { answer(op.id, &body, &points, fault) }
                },
            ),
        );
    }
    let app = app.layer(SigningLayer::new(alipayhk_api::spec::served_api(), config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn answer(op_id: &str, body: &[u8], points: &Mutex<Points>, fault: Fault) -> String {
    let Some(op) = alipayhk_api::spec::operation(op_id) else {
        return String::new();
    };
    let reply = |code: &str, extra: Value| {
        let status = op.code(code).map_or("U", |c| c.status.as_str());
        let mut out = json!({ op.result_field: { "resultCode": code, "resultStatus": status, "resultMessage": "fake" } });
        if let (Some(out), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
            out.extend(extra.clone());
        }
        out.to_string()
    };
    if fault != Fault::NoValidation && (op.check_request)(body).is_err() {
        let code = if fault == Fault::WrongIllegalCode {
            op.unknown_code.unwrap_or("UNKNOWN_EXCEPTION")
        } else {
            op.illegal_code
        };
        return reply(code, json!({}));
    }
    let request: Value = serde_json::from_slice(body).unwrap_or_default();
    let mut p = points.lock().expect("lock");
    match op_id {
        "inquireAPoint" => {
            if request["accessToken"] != TOKEN {
                return reply("ACCESSTOKEN_VALIDATE_FAILED", json!({}));
            }
            reply(
                "SUCCESS",
                json!({"accountBenefitModel": {"benefitProductCode": "POINT", "balance": p.balance}}),
            )
        }
        "issueAPoint" | "redeemAPoint" => {
            let issue = op_id == "issueAPoint";
            let user = if issue {
                &request["providerUserInfo"]["userId"]
            } else {
                &request["ipRoleId"]
            };
            if user != USER_ID {
                return reply(
                    if issue { "PROCESS_FAIL" } else { "RISK_REJECT" },
                    json!({}),
                );
            }
            let amount = if issue {
                request["benefitIssueDetail"]["amount"].as_i64()
            } else {
                request["benefitRedeemInfos"][0]["amount"].as_i64()
            }
            .unwrap_or(0);
            // Keyed per operation, as the simulator keys it (an issue and a redeem may share one).
            let biz_no = format!("{op_id}/{}", request["bizNo"].as_str().unwrap_or_default());
            let mut replayed = None;
            if let Some((previous, code)) = p.seen.get(&biz_no) {
                if *previous != request {
                    return reply("REPEAT_REQ_INCONSISTENT", json!({}));
                }
                if fault != Fault::ReplayMovesTwice {
                    return reply(code, json!({}));
                }
                replayed = Some(code.clone());
            }
            let code = if issue {
                if fault != Fault::IssueNeverCredits {
                    p.balance += amount;
                }
                "SUCCESS"
            } else if amount > p.balance {
                match fault {
                    Fault::NegativeBalance => {
                        p.balance -= amount;
                        "SUCCESS"
                    }
                    Fault::RefusedRedeemDeducts => {
                        p.balance -= amount;
                        "POINT_NOT_ENOUGH"
                    }
                    _ => "POINT_NOT_ENOUGH",
                }
            } else {
                p.balance -= amount;
                "SUCCESS"
            };
            let code = replayed.unwrap_or_else(|| code.to_owned());
            p.seen.insert(biz_no, (request, code.clone()));
            reply(&code, json!({}))
        }
        _ => reply("SUCCESS", json!({})),
    }
}

/// The bodies a partner would pass with `--requests`: the spec's examples for the test user.
fn requests_for_the_test_user() -> std::collections::BTreeMap<String, Value> {
    let mut requests = std::collections::BTreeMap::new();
    for op in OPERATIONS {
        let mut body: Value = serde_json::from_str(op.request_example).expect("example");
        match op.id {
            "inquireAPoint" => body["accessToken"] = json!(TOKEN),
            "issueAPoint" => body["providerUserInfo"]["userId"] = json!(USER_ID),
            "redeemAPoint" => body["ipRoleId"] = json!(USER_ID),
            _ => {}
        }
        requests.insert(op.id.to_owned(), body);
    }
    requests
}

async fn run(fault: Fault) -> SuiteOutcome {
    let url = start_fake(fault).await;
    let options = RunOptions {
        test_user: TestUser {
            access_token: Some(TOKEN.into()),
            user_id: Some(USER_ID.into()),
        },
        requests: requests_for_the_test_user(),
        ..RunOptions::default()
    };
    run_against(&SpecTable::from_generated(), url, &options).await
}

fn failed(outcome: &SuiteOutcome) -> Vec<String> {
    outcome
        .outcomes
        .iter()
        .filter(|o| matches!(o.verdict, Verdict::Fail(_)))
        .map(|o| o.case.id())
        .collect()
}

#[tokio::test]
async fn the_correct_fake_passes_and_skips_only_codes_the_public_api_cannot_provoke() {
    let outcome = run(Fault::None).await;
    let detail: Vec<String> = outcome
        .outcomes
        .iter()
        .filter(|o| matches!(o.verdict, Verdict::Fail(_)))
        .map(|o| o.summary_line())
        .collect();
    assert!(detail.is_empty(), "{}", detail.join("\n"));
    for o in &outcome.outcomes {
        if let Verdict::Skipped(reason) = &o.verdict {
            assert!(
                reason.contains("cannot be provoked through the public API"),
                "{}: {reason}",
                o.case.id()
            );
        }
    }
}

/// Each defect fails the suite, in the cases that prove the broken rule.
#[tokio::test]
async fn every_defective_fake_fails_the_suite_where_its_defect_shows() {
    let expectations: [(Fault, &str); 7] = [
        (
            Fault::NoValidation,
            "redeemAPoint/invalid/benefitRedeemInfos[0].amount/type",
        ),
        (
            Fault::WrongIllegalCode,
            "issueAPoint/invalid/bizNo/maxLength",
        ),
        (
            Fault::AcceptsFutureTimes,
            "inquireAPoint/request_time_in_future",
        ),
        (
            Fault::NegativeBalance,
            "redeemAPoint/business/redeem_over_balance_moves_nothing",
        ),
        (
            Fault::RefusedRedeemDeducts,
            "redeemAPoint/business/redeem_over_balance_moves_nothing",
        ),
        (
            Fault::ReplayMovesTwice,
            "redeemAPoint/business/redeem_debits_once",
        ),
        (
            Fault::IssueNeverCredits,
            "issueAPoint/business/issue_credits_once",
        ),
    ];
    for (fault, case) in expectations {
        let outcome = run(fault).await;
        let failed = failed(&outcome);
        assert!(outcome.has_failures(), "{fault:?} passed the suite");
        assert!(
            failed.iter().any(|id| id == case),
            "{fault:?}: {case} did not fail; failed: {failed:?}"
        );
    }
}

/// `--generate` against a fake without validation: the mutants fail, each operation's
/// failure shrunk to a small request, and the same seed reports the same request.
#[tokio::test]
async fn generated_mutants_catch_a_fake_without_validation_and_shrink_the_failure() {
    let url = start_fake(Fault::NoValidation).await;
    let options = RunOptions {
        only: Some("generated/".into()),
        generate: Some(alipayhk_conformance::Generate {
            count: 10,
            seed: 42,
        }),
        ..RunOptions::default()
    };
    let table = SpecTable::from_generated();
    let first = run_against(&table, url.clone(), &options).await;
    let again = run_against(&table, url, &options).await;
    let failed: Vec<String> = failed(&first);
    assert!(
        failed.contains(&"redeemAPoint/generated/invalid".to_owned()),
        "{failed:?}"
    );
    for (a, b) in first.outcomes.iter().zip(&again.outcomes) {
        assert_eq!(
            a.reproduction,
            b.reproduction,
            "{}: the same seed, another request",
            a.case.id()
        );
        if matches!(a.verdict, Verdict::Fail(_)) {
            let [shrunk] = a.exchanges.as_slice() else {
                panic!("{}: {} exchanges kept", a.case.id(), a.exchanges.len());
            };
            let body = shrunk.request.body.len();
            let original: Value = serde_json::from_str(
                alipayhk_api::spec::operation(&a.case.operation)
                    .expect("op")
                    .request_example,
            )
            .expect("example");
            assert!(
                body <= original.to_string().len(),
                "{}: shrunk to {body} bytes: {}",
                a.case.id(),
                String::from_utf8_lossy(&shrunk.request.body)
            );
        }
    }
}
