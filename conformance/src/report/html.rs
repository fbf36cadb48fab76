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
    /// Failures that rest on an assumption.
    not_held: usize,
    /// What the run could not prove, and why.
    unproven: Vec<String>,
    cases: Vec<CaseView>,
}

struct CaseView {
    id: String,
    /// `fail`, `skipped` or `pass` (also the CSS class).
    status: &'static str,
    reason: String,
    problems: Vec<String>,
    /// For a failure resting on an assumption: the assumption.
    assumption: String,
    /// For a failure: the `alipayhk call` command.
    reproduction: String,
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
        not_held: outcome.assumptions_not_held(),
        unproven: super::summary::unproven_lines(outcome),
        cases,
    };
    page.render()
        .map_err(|e| ReportError::Render(e.to_string()))
}

fn case_view(o: &CaseOutcome) -> CaseView {
    let (status, reason, problems) = match &o.verdict {
        Verdict::Pass => ("pass", String::new(), Vec::new()),
        Verdict::Fail(_) if o.case.assumption.is_some() => {
            ("fail", String::new(), fail_problems(o))
        }
        Verdict::Fail(p) => ("fail", String::new(), p.clone()),
        Verdict::Skipped(r) => ("skipped", r.clone(), Vec::new()),
    };
    CaseView {
        id: o.case.id(),
        status,
        reason,
        problems,
        assumption: if matches!(o.verdict, Verdict::Fail(_)) {
            o.case.assumption.clone().unwrap_or_default()
        } else {
            String::new()
        },
        reproduction: o.reproduction.clone().unwrap_or_default(),
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

fn fail_problems(o: &CaseOutcome) -> Vec<String> {
    match &o.verdict {
        Verdict::Fail(p) => p.clone(),
        _ => Vec::new(),
    }
}
