//! The reports: summary table, JUnit XML and HTML, from a run against a double.

use alipayhk_conformance::exchange::Redaction;
use alipayhk_conformance::report::{self, junit, summary};
use alipayhk_conformance::{RunOptions, SuiteOutcome};

use crate::support::{Defect, run_against, small_table, start_double};

async fn swapped_status_run() -> SuiteOutcome {
    let table = small_table();
    let url = start_double(&table, Defect::SwappedStatus).await;
    run_against(&table, url, &RunOptions::default()).await
}

#[tokio::test]
async fn summary_lists_every_case_with_its_result_and_reason() {
    let outcome = swapped_status_run().await;
    let text = summary::render(&outcome);
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("inquireAPoint") || l.starts_with("issueAPoint"))
            .count(),
        outcome.outcomes.len()
    );
    assert!(text.starts_with("OPERATION      CASE "), "{text}");
    assert!(
        text.contains("  FAIL     result code SUCCESS has resultStatus F, the spec documents S"),
        "{text}"
    );
    assert!(
        text.contains("  skipped  USER_NOT_EXIST cannot be provoked through the public API"),
        "{text}"
    );
    let (p, f, s) = outcome.counts();
    assert!(
        text.contains(
            "Not proven on this server:\n  - inquireAPoint: USER_NOT_EXIST cannot be provoked"
        ),
        "{text}"
    );
    assert!(
        text.contains("    alipayhk call inquireAPoint --base-url <URL>"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{} cases: {p} passed, {f} failed, {s} skipped",
            outcome.outcomes.len()
        )),
        "{text}"
    );
}

#[tokio::test]
async fn junit_counts_failures_and_skips_per_operation() {
    let outcome = swapped_status_run().await;
    let xml = junit::render(&outcome);
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"alipayhk-conformance\""
    ));
    assert!(xml.contains("<testsuite name=\"issueAPoint\""), "{xml}");
    assert!(xml.contains("<testcase classname=\"issueAPoint\" name=\"success\">\n      <failure message=\"result code SUCCESS has resultStatus F, the spec documents S\">"), "{xml}");
    assert!(
        xml.contains("<skipped message=\"RISK_REJECT cannot be provoked through the public API"),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), outcome.outcomes.len());
    assert!(
        xml.contains("reproduce:\nalipayhk call issueAPoint "),
        "{xml}"
    );
}

#[tokio::test]
async fn html_report_puts_failures_first_with_their_exchanges() {
    let outcome = swapped_status_run().await;
    let dir = std::env::temp_dir().join(format!("conformance-report-{}", std::process::id()));
    let files = report::write_reports(&outcome, &dir).expect("write reports");
    let html = std::fs::read_to_string(&files.html).expect("read html");
    let first_fail = html.find("<span class=\"badge fail\">").expect("a failure");
    let first_pass = html.find("<span class=\"badge pass\">").expect("a pass");
    assert!(first_fail < first_pass);
    assert!(
        html.contains("-&#62; POST /api/open/alipay/v1/promotion/benefit/issue"),
        "request shown escaped"
    );
    assert!(html.contains("result code SUCCESS has resultStatus F, the spec documents S"));
    assert!(
        html.contains("<pre class=\"reproduction\">alipayhk call inquireAPoint --base-url"),
        "every failure carries its reproduction"
    );
    assert!(
        html.contains("<h2>Not proven on this server</h2>"),
        "the summary of the skips"
    );
    assert!(files.junit.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn redaction_hides_volatile_values_only() {
    let outcome = swapped_status_run().await;
    let ex = &outcome.outcomes[0].exchanges[0];
    let text = ex.render(Redaction::Volatile);
    assert!(text.contains("Request-Time: [time]"), "{text}");
    assert!(
        text.contains("Signature: algorithm=RSA256,keyVersion=1,signature=[signature]"),
        "{text}"
    );
    assert!(text.contains("response-time: [time]"), "{text}");
    assert!(text.contains("tracer-id: [tracer-id]"), "{text}");
    assert!(text.contains("client-id: TEST-CLIENT"), "{text}");
    assert!(!text.contains("date:"), "{text}");
    eprintln!("{}", summary::render(&outcome));
    eprintln!("{text}");
}
