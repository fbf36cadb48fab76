//! JUnit XML for CI: one `<testsuite>` per operation, one `<testcase>` per case.

use std::fmt::Write as _;

use crate::exchange::Redaction;
use crate::runner::{CaseOutcome, SuiteOutcome, Verdict};

/// The whole document.
pub fn render(outcome: &SuiteOutcome) -> String {
    let (_, failed, skipped) = outcome.counts();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"alipayhk-conformance\" tests=\"{}\" failures=\"{failed}\" skipped=\"{skipped}\">",
        outcome.outcomes.len()
    );
    let mut operations: Vec<&str> = Vec::new();
    for o in &outcome.outcomes {
        if !operations.contains(&o.case.operation.as_str()) {
            operations.push(&o.case.operation);
        }
    }
    for op in operations {
        let cases: Vec<&CaseOutcome> = outcome
            .outcomes
            .iter()
            .filter(|o| o.case.operation == op)
            .collect();
        let count = |f: fn(&Verdict) -> bool| cases.iter().filter(|o| f(&o.verdict)).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            escape(op),
            cases.len(),
            count(|v| matches!(v, Verdict::Fail(_))),
            count(|v| matches!(v, Verdict::Skipped(_))),
        );
        for o in cases {
            write_case(&mut out, o);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn write_case(out: &mut String, o: &CaseOutcome) {
    let mut open = format!(
        "    <testcase classname=\"{}\" name=\"{}\"",
        escape(&o.case.operation),
        escape(&o.case.name)
    );
    // A case from a recording names its file (relative to the recording folder).
    if let crate::case::CaseKind::Recorded(recorded) = &o.case.kind {
        let _ = write!(
            open,
            " file=\"{}\"",
            escape(&recorded.file.display().to_string())
        );
    }
    match &o.verdict {
        Verdict::Pass => {
            let _ = writeln!(out, "{open}/>");
        }
        Verdict::Skipped(reason) => {
            let _ = writeln!(
                out,
                "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                escape(reason)
            );
        }
        Verdict::Fail(problems) => {
            let mut head = problems.join("\n");
            if let Some(note) = &o.case.assumption {
                head = format!("assumption not held (not on the pages): {note}\n{head}");
            }
            if let Some(repro) = &o.reproduction {
                head.push_str(&format!("\n\nreproduce:\n{repro}"));
            }
            let exchanges: String = o
                .exchanges
                .iter()
                .map(|e| e.render(Redaction::None))
                .collect();
            let _ = writeln!(
                out,
                "{open}>\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                escape(&problems.join("; ")),
                escape(&format!("{head}\n\n{exchanges}"))
            );
        }
    }
}

/// XML-escapes text for attributes and content; drops characters XML 1.0 forbids.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
