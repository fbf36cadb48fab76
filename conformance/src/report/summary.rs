//! The summary table printed at the end of a run: one row per case.

use crate::runner::{SuiteOutcome, Verdict};

/// The table: operation, case, result and reason, aligned; then the totals.
pub fn render(outcome: &SuiteOutcome) -> String {
    let rows: Vec<[String; 4]> = outcome
        .outcomes
        .iter()
        .map(|o| {
            let (result, reason) = match &o.verdict {
                Verdict::Pass => ("pass", String::new()),
                Verdict::Fail(problems) => (o.fail_label(), problems.join("; ")),
                Verdict::Skipped(reason) => ("skipped", reason.clone()),
            };
            [
                o.case.operation.clone(),
                o.case.name.clone(),
                result.to_owned(),
                reason,
            ]
        })
        .collect();
    let header = ["OPERATION", "CASE", "RESULT", "REASON"].map(String::from);
    let width = |i: usize| {
        rows.iter()
            .chain(std::iter::once(&header))
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let failures: Vec<_> = outcome
        .outcomes
        .iter()
        .filter(|o| o.reproduction.is_some())
        .collect();
    if !failures.is_empty() {
        out.push_str("\nReproduce a failure (the case's request, sent again):\n");
        for o in failures {
            if let Some(repro) = &o.reproduction {
                out.push_str(&format!("  {}:\n    {repro}\n", o.case.id()));
            }
        }
    }
    let unproven = unproven_lines(outcome);
    if !unproven.is_empty() {
        out.push_str("\nNot proven on this server:\n");
        for line in unproven {
            out.push_str(&format!("  - {line}\n"));
        }
    }
    let (passed, failed, skipped) = outcome.counts();
    let not_held = outcome.assumptions_not_held();
    let split = if not_held > 0 {
        format!(
            " ({} against the pages' facts, {not_held} assumption not held)",
            failed - not_held
        )
    } else {
        String::new()
    };
    out.push_str(&format!(
        "\n{} cases: {passed} passed, {failed} failed{split}, {skipped} skipped\n",
        outcome.outcomes.len()
    ));
    out
}

/// One line per reason the run left cases unproven: `<operations>: <reason>`.
pub fn unproven_lines(outcome: &SuiteOutcome) -> Vec<String> {
    outcome
        .unproven()
        .into_iter()
        .map(|(reason, operations)| format!("{}: {reason}", operations.join(", ")))
        .collect()
}
