//! The self-contained HTML report (`templates/report.html`): failures first, each with
//! the requests and responses behind it.

use askama::Template;

use crate::exchange::Redaction;
use crate::report::ReportError;
use crate::runner::{CaseOutcome, SuiteOutcome, Verdict};

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    base_url: &'a str,
    total: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    cases: Vec<CaseView>,
}

struct CaseView {
    id: String,
    /// `fail`, `skipped` or `pass` (also the CSS class).
    status: &'static str,
    reason: String,
    problems: Vec<String>,
    exchanges: Vec<ExchangeView>,
}

struct ExchangeView {
    label: String,
    text: String,
}

/// Renders the page.
pub fn render(outcome: &SuiteOutcome) -> Result<String, ReportError> {
    let (passed, failed, skipped) = outcome.counts();
    let mut cases: Vec<CaseView> = outcome.outcomes.iter().map(case_view).collect();
    // Failures first, then skipped, then passes; spec order within each (stable sort).
    cases.sort_by_key(|c| match c.status {
        "fail" => 0,
        "skipped" => 1,
        _ => 2,
    });
    let page = ReportPage {
        base_url: &outcome.base_url,
        total: outcome.outcomes.len(),
        passed,
        failed,
        skipped,
        cases,
    };
    page.render()
        .map_err(|e| ReportError::Render(e.to_string()))
}

fn case_view(o: &CaseOutcome) -> CaseView {
    let (status, reason, problems) = match &o.verdict {
        Verdict::Pass => ("pass", String::new(), Vec::new()),
        Verdict::Fail(p) => ("fail", String::new(), p.clone()),
        Verdict::Skipped(r) => ("skipped", r.clone(), Vec::new()),
    };
    CaseView {
        id: o.case.id(),
        status,
        reason,
        problems,
        exchanges: o
            .exchanges
            .iter()
            .map(|e| ExchangeView {
                label: e.label.clone(),
                text: e.render(Redaction::None),
            })
            .collect(),
    }
}
