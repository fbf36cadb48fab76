//! The suite against test doubles: a correct one passes, each broken one fails the right
//! cases with a message that names the defect.

use alipayhk_conformance::{RunOptions, SuiteOutcome, Verdict};

use crate::support::{
    Defect, FOREIGN_CLIENT_ID, run_against, run_with_admin, small_table, start_double,
    start_double_with_admin,
};

async fn run_double(defect: Defect) -> SuiteOutcome {
    let table = small_table();
    let url = start_double(&table, defect).await;
    run_against(&table, url, &RunOptions::default()).await
}

fn failures(outcome: &SuiteOutcome) -> Vec<(String, Vec<String>)> {
    outcome
        .outcomes
        .iter()
        .filter_map(|o| match &o.verdict {
            Verdict::Fail(p) => Some((o.case.id(), p.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_correct_double_passes_every_case_that_needs_no_admin_api() {
    let outcome = run_double(Defect::None).await;
    assert!(failures(&outcome).is_empty(), "{:#?}", failures(&outcome));
    for o in &outcome.outcomes {
        match &o.verdict {
            Verdict::Skipped(reason) if o.case.needs_admin() => {
                assert!(reason.contains("--admin-url"), "{reason}");
            }
            Verdict::Skipped(reason) => {
                assert!(
                    reason.contains("--test-user-token"),
                    "{}: {reason}",
                    o.case.id()
                );
            }
            Verdict::Pass => {}
            Verdict::Fail(_) => unreachable!(),
        }
    }
}

#[tokio::test]
async fn an_unsigned_double_fails_every_case_with_signature_missing() {
    let outcome = run_double(Defect::Unsigned).await;
    let ran: Vec<_> = outcome
        .outcomes
        .iter()
        .filter(|o| !matches!(o.verdict, Verdict::Skipped(_)))
        .collect();
    assert!(!ran.is_empty());
    for o in ran {
        let Verdict::Fail(problems) = &o.verdict else {
            panic!("{} passed against an unsigned server", o.case.id());
        };
        assert!(
            problems
                .iter()
                .any(|p| p.contains("Signature header is missing: the response is not signed")),
            "{}: {problems:?}",
            o.case.id()
        );
    }
}

#[tokio::test]
async fn a_double_that_swaps_success_to_f_fails_exactly_the_success_cases() {
    let outcome = run_double(Defect::SwappedStatus).await;
    let failed: Vec<String> = failures(&outcome).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        failed,
        [
            "inquireAPoint/success",
            "inquireAPoint/encrypted_round_trip",
            "issueAPoint/success",
            "issueAPoint/encrypted_round_trip",
            "issueAPoint/idempotent_replay",
            "issueAPoint/inconsistent_replay",
        ]
    );
    for (id, problems) in failures(&outcome) {
        assert!(
            problems.iter().any(|p| p.contains("result code SUCCESS has resultStatus F, the spec documents S")),
            "{id}: {problems:?}"
        );
    }
}

#[tokio::test]
async fn a_double_that_does_not_echo_client_id_fails_every_case_that_sent_one() {
    let outcome = run_double(Defect::NoClientIdEcho).await;
    for o in &outcome.outcomes {
        if matches!(o.verdict, Verdict::Skipped(_)) {
            continue;
        }
        let sent_client_id = o
            .exchanges
            .iter()
            .any(|e| e.request.header("Client-Id").is_some());
        match (&o.verdict, sent_client_id) {
            (Verdict::Fail(problems), true) => assert!(
                problems
                    .iter()
                    .any(|p| p.contains("Client-Id header is missing, expected the request's")),
                "{}: {problems:?}",
                o.case.id()
            ),
            (Verdict::Pass, false) => {}
            (v, _) => panic!("{}: unexpected {v:?}", o.case.id()),
        }
    }
}

#[tokio::test]
async fn a_correct_double_passes_the_generated_table_with_schema_checks() {
    let table = alipayhk_conformance::SpecTable::from_generated();
    let url = start_double(&table, Defect::None).await;
    let outcome = crate::support::run_against(&table, url, &RunOptions::default()).await;
    assert!(failures(&outcome).is_empty(), "{:#?}", failures(&outcome));
}

#[tokio::test]
async fn a_double_with_an_epoch_response_time_fails_every_case_on_the_time_format() {
    let outcome = run_double(Defect::EpochResponseTime).await;
    for o in outcome
        .outcomes
        .iter()
        .filter(|o| !matches!(o.verdict, Verdict::Skipped(_)))
    {
        let Verdict::Fail(problems) = &o.verdict else {
            panic!("{} passed with an epoch Response-Time", o.case.id());
        };
        assert!(
            problems.iter().any(|p| p.contains(
                "Response-Time \"1716360141000\" is not an ISO-8601 date-time with an offset"
            )),
            "{}: {problems:?}",
            o.case.id()
        );
    }
}

#[tokio::test]
async fn a_double_that_moves_points_again_on_replay_fails_the_replay_case_by_its_ledger() {
    let table = small_table();
    let only = RunOptions {
        only: Some("idempotent_replay".into()),
        ..RunOptions::default()
    };
    // Correct: same answer, one ledger entry.
    let (api, admin) = start_double_with_admin(&table, Defect::None).await;
    let outcome = run_with_admin(&table, api, Some(admin), &only).await;
    assert!(!outcome.outcomes.is_empty());
    assert!(failures(&outcome).is_empty(), "{:#?}", failures(&outcome));

    // Same answer twice, but two postings: only the ledger shows it.
    let (api, admin) = start_double_with_admin(&table, Defect::AppliesReplays).await;
    let outcome = run_with_admin(&table, api, Some(admin), &only).await;
    let failed = failures(&outcome);
    assert!(!failed.is_empty(), "a double-applying server passed");
    for (id, problems) in failed {
        assert!(
            problems
                .iter()
                .any(|p| p.contains("added 2 ledger entries") && p.contains("expected exactly 1")),
            "{id}: {problems:?}"
        );
    }
}

/// Every case that ran failed, each with a problem containing `wanted`, and none because
/// the signature did not verify (the doubles sign their defect correctly).
fn assert_every_ran_case_fails_with(outcome: &SuiteOutcome, wanted: &str) {
    let ran: Vec<_> = outcome
        .outcomes
        .iter()
        .filter(|o| !matches!(o.verdict, Verdict::Skipped(_)))
        .collect();
    assert!(ran.len() > 10, "only {} cases ran", ran.len());
    for o in ran {
        let Verdict::Fail(problems) = &o.verdict else {
            panic!("{} passed: {wanted:?} went unnoticed", o.case.id());
        };
        assert!(
            problems.iter().any(|p| p.contains(wanted)),
            "{}: {problems:?}",
            o.case.id()
        );
        assert!(
            !problems
                .iter()
                .any(|p| p.contains("Signature does not verify")),
            "{}: the double's answers are validly signed: {problems:?}",
            o.case.id()
        );
    }
}

#[tokio::test]
async fn a_double_with_a_validly_signed_stale_response_time_fails_every_case() {
    let outcome = run_double(Defect::StaleResponseTime).await;
    assert_every_ran_case_fails_with(&outcome, "s away from the suite's clock (allowed 300s)");
    // A wider window accepts the same answers: the window is what fails them.
    let table = small_table();
    let url = start_double(&table, Defect::StaleResponseTime).await;
    let wide = RunOptions {
        response_time_window: std::time::Duration::from_secs(15 * 60),
        ..RunOptions::default()
    };
    let outcome = run_against(&table, url, &wide).await;
    assert!(failures(&outcome).is_empty(), "{:#?}", failures(&outcome));
}

#[tokio::test]
async fn a_double_answering_with_another_client_id_validly_signed_fails_every_case() {
    let outcome = run_double(Defect::ForeignClientId).await;
    let wanted = format!("Client-Id is {FOREIGN_CLIENT_ID:?}, expected the request's");
    let ran: Vec<_> = outcome
        .outcomes
        .iter()
        .filter(|o| !matches!(o.verdict, Verdict::Skipped(_)))
        .collect();
    for o in &ran {
        // A case that sends no Client-Id has nothing to be echoed.
        let sent_client_id = o
            .exchanges
            .iter()
            .any(|e| e.request.header("Client-Id").is_some());
        if !sent_client_id {
            continue;
        }
        let Verdict::Fail(problems) = &o.verdict else {
            panic!("{} passed with a foreign Client-Id", o.case.id());
        };
        assert!(
            problems.iter().any(|p| p.contains(&wanted)),
            "{}: {problems:?}",
            o.case.id()
        );
        assert!(
            !problems
                .iter()
                .any(|p| p.contains("Signature does not verify")),
            "{}: {problems:?}",
            o.case.id()
        );
    }
    assert!(ran.len() > 10, "only {} cases ran", ran.len());
}
