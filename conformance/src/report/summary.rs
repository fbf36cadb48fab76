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
                Verdict::Fail(problems) => ("FAIL", problems.join("; ")),
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
    let (passed, failed, skipped) = outcome.counts();
    out.push_str(&format!(
        "\n{} cases: {passed} passed, {failed} failed, {skipped} skipped\n",
        outcome.outcomes.len()
    ));
    out
}
