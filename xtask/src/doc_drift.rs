//! `cargo xtask doc-drift`: does the spec still say what the documentation pages say?
//!
//! Each page is matched to an operation (by endpoint, else by title = operation summary) and
//! every fact the page states is compared with the spec: endpoint, headers, top-level fields
//! (type, required, max length, max size, value range, enum values) and the result-code table
//! (code, status, message, order). Spec facts the page does not state are drift too, unless
//! the spec marks them `x-assumption`: those are listed separately, not as drift. Rules the
//! descriptions state in prose are compared with `x-conditions` and `x-either-of`, both ways.

use crate::doc_page::{DocPage, PageCode, PageCondition, PageField, PageHeader};
use crate::spec_facts::{
    CodeFact, ConditionFact, EitherOfFact, FieldFact, HeaderFact, OperationFacts, SpecFacts,
};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Serialize)]
pub struct PageReport {
    pub page: String,
    pub operation: Option<String>,
    /// Differences between the page and the spec.
    pub drift: Vec<String>,
    /// Spec facts the page does not state, labelled `x-assumption` in the spec.
    pub assumptions: Vec<String>,
    /// Page facts the checker cannot compare.
    pub unchecked: Vec<String>,
}

pub fn check(page_name: &str, page: &DocPage, spec: &SpecFacts) -> PageReport {
    let mut report = PageReport {
        page: page_name.to_string(),
        operation: None,
        drift: Vec::new(),
        assumptions: Vec::new(),
        unchecked: page.unchecked.clone(),
    };
    let Some(op) = find_operation(page, spec) else {
        report.drift.push(format!(
            "no operation in the spec matches this page (title `{}`{})",
            page.title,
            page.endpoint
                .as_ref()
                .map(|(m, p)| format!(", endpoint {m} {p}"))
                .unwrap_or_default()
        ));
        return report;
    };
    report.operation = Some(op.id.clone());
    check_endpoint(page, op, &mut report);
    let request_headers: Vec<PageHeader> =
        [page.general_headers.clone(), page.request_headers.clone()].concat();
    let response_headers: Vec<PageHeader> =
        [page.general_headers.clone(), page.response_headers.clone()].concat();
    check_headers(
        "request",
        &request_headers,
        &op.request_headers,
        &mut report,
    );
    check_headers(
        "response",
        &response_headers,
        &op.response_headers,
        &mut report,
    );
    check_fields(
        "request",
        &page.request_fields,
        &op.request_fields,
        &mut report,
    );
    check_fields(
        "response",
        &page.response_fields,
        &op.response_fields,
        &mut report,
    );
    check_conditions(
        "request",
        &page.request_fields,
        &op.request_conditions,
        &mut report,
    );
    check_conditions(
        "response",
        &page.response_fields,
        &op.response_conditions,
        &mut report,
    );
    check_either_of(
        "request",
        &page.request_fields,
        &op.request_either_of,
        &mut report,
    );
    check_either_of(
        "response",
        &page.response_fields,
        &op.response_either_of,
        &mut report,
    );
    check_codes(&page.codes, &op.codes, &mut report);
    report
}

/// The page's "either A or B" rules against the spec's `x-either-of`, both ways, as sets of
/// fields (top-level only, like the other field checks). Each field of a rule may state it;
/// it is one rule.
fn check_either_of(side: &str, page: &[PageField], spec: &[EitherOfFact], report: &mut PageReport) {
    let mut page_rules: Vec<Vec<String>> = Vec::new();
    for field in page.iter().filter(|f| !f.either_of.is_empty()) {
        let rule = EitherOfFact {
            paths: field.either_of.clone(),
            assumption: None,
        };
        if !page_rules.contains(&rule.key()) {
            page_rules.push(rule.key());
            match spec.iter().find(|fact| fact.key() == rule.key()) {
                None => report.drift.push(format!(
                    "{side} fields {}: the page says one of them must be given; the spec has no such x-either-of rule",
                    rule.paths.join(", ")
                )),
                Some(EitherOfFact {
                    assumption: Some(note),
                    ..
                }) => report.assumptions.push(format!(
                    "{side} fields {}: only one of them: {note}",
                    rule.paths.join(", ")
                )),
                Some(_) => {}
            }
        }
    }
    for fact in spec {
        let top_level = !fact.paths.iter().any(|p| p.contains(['.', '[']));
        if top_level && !page_rules.contains(&fact.key()) {
            report.drift.push(format!(
                "{side} fields {}: the spec's x-either-of rule `{}` is not on the page",
                fact.paths.join(", "),
                fact.describe()
            ));
        }
    }
}

/// Whether a spec condition says what a page condition says. The page's "when X" (`only`)
/// is the spec's `applies` `if` X (documented, not refused otherwise), or a `forbidden`
/// `unless` X where the spec reads the page as refusing it otherwise; a code table (`enum`) compares its codes only (its
/// trigger is prose the page parser does not read).
fn condition_matches(page: &PageCondition, fact: &ConditionFact) -> bool {
    let same_trigger = |negated: bool| {
        let page_fact = ConditionFact {
            path: String::new(),
            effect: String::new(),
            value: String::new(),
            negated,
            alternatives: page.alternatives.clone(),
        };
        page_fact.trigger_key() == fact.trigger_key()
    };
    let sorted = |text: &str| {
        let mut values: Vec<String> = text.split(", ").map(str::to_string).collect();
        values.sort();
        values
    };
    match page.effect.as_str() {
        "pattern" => fact.effect == "pattern" && fact.value == page.value && same_trigger(false),
        "only" => {
            (fact.effect == "applies" && same_trigger(false))
                || (fact.effect == "forbidden" && same_trigger(true))
        }
        "default" => {
            fact.effect == "default"
                && serde_json::from_str::<serde_json::Value>(&fact.value).ok()
                    == Some(serde_json::Value::String(page.value.clone()))
                && same_trigger(false)
        }
        "enum" => fact.effect == "enum" && sorted(&fact.value) == sorted(&page.value),
        _ => false,
    }
}

fn describe_page_condition(page: &PageCondition) -> String {
    let trigger = page
        .alternatives
        .iter()
        .flatten()
        .map(|(p, v)| format!("{p} == {}", v.join("/")))
        .collect::<Vec<_>>()
        .join(" or ");
    match page.effect.as_str() {
        "pattern" => format!("must match {} when {trigger}", page.value),
        "only" => format!("only when {trigger}"),
        "default" => format!("defaults to {} when {trigger}", page.value),
        "enum" => format!("one of the table's codes ({})", page.value),
        other => other.to_string(),
    }
}

/// The page's conditional rules against the spec's `x-conditions` (top-level fields only,
/// like the other field checks).
fn check_conditions(
    side: &str,
    page: &[PageField],
    spec: &[ConditionFact],
    report: &mut PageReport,
) {
    let mut matched = vec![false; spec.len()];
    for field in page {
        for condition in &field.conditions {
            let found = spec
                .iter()
                .enumerate()
                .filter(|(_, f)| f.path == field.name)
                .find(|(_, f)| condition_matches(condition, f));
            match found {
                Some((i, _)) => {
                    matched[i] = true;
                    // One page "only" covers the spec's forbidden-unless of the same trigger.
                }
                None => report.drift.push(format!(
                    "{side} field {}: the page says it {}; the spec has no such x-conditions rule",
                    field.name,
                    describe_page_condition(condition)
                )),
            }
        }
    }
    for (fact, matched) in spec.iter().zip(matched) {
        if !matched && !fact.path.contains(['.', '[']) {
            report.drift.push(format!(
                "{side} field {}: the spec's x-conditions rule `{}` is not on the page",
                fact.path,
                fact.describe()
            ));
        }
    }
}

fn find_operation<'a>(page: &DocPage, spec: &'a SpecFacts) -> Option<&'a OperationFacts> {
    let by_path = page
        .endpoint
        .as_ref()
        .and_then(|(_, path)| spec.operations.iter().find(|op| &op.path == path));
    by_path.or_else(|| {
        spec.operations
            .iter()
            .find(|op| op.summary.eq_ignore_ascii_case(page.title.trim()))
    })
}

fn check_endpoint(page: &DocPage, op: &OperationFacts, report: &mut PageReport) {
    match &page.endpoint {
        Some((method, path)) => {
            if method != &op.method || path != &op.path {
                report.drift.push(format!(
                    "endpoint: page says {method} {path}, spec says {} {}",
                    op.method, op.path
                ));
            }
        }
        None => {
            let note = op
                .assumption
                .clone()
                .unwrap_or_else(|| "(not labelled as an assumption)".to_string());
            let line = format!(
                "endpoint {} {} is not on the page: {note}",
                op.method, op.path
            );
            if op.assumption.is_some() {
                report.assumptions.push(line);
            } else {
                report.drift.push(line);
            }
        }
    }
}

/// `Content-Type` is stated by the request body's media type, not as a header parameter
/// (OpenAPI ignores a `Content-Type` header parameter).
const BODY_HEADERS: [&str; 1] = ["Content-Type"];

fn check_headers(side: &str, page: &[PageHeader], spec: &[HeaderFact], report: &mut PageReport) {
    for header in page {
        if BODY_HEADERS.contains(&header.name.as_str()) {
            continue;
        }
        match spec
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(&header.name))
        {
            None => report.drift.push(format!(
                "{side} header {} is on the page but not in the spec",
                header.name
            )),
            Some(fact) => {
                if let Some(required) = header.required
                    && required != fact.required
                {
                    report.drift.push(format!(
                        "{side} header {}: page says required={required}, spec says required={}",
                        header.name, fact.required
                    ));
                }
            }
        }
    }
    for fact in spec {
        if !page.iter().any(|h| h.name.eq_ignore_ascii_case(&fact.name)) {
            report.drift.push(format!(
                "{side} header {} is in the spec but not on the page",
                fact.name
            ));
        }
    }
}

fn check_fields(side: &str, page: &[PageField], spec: &[FieldFact], report: &mut PageReport) {
    for field in page {
        let subject = format!("{side} field {}", field.name);
        let Some(fact) = spec.iter().find(|f| f.path == field.name) else {
            report
                .drift
                .push(format!("{subject} is on the page but not in the spec"));
            continue;
        };
        // A page field the spec checks beyond what the page says carries its label (a field
        // of a named schema shows the schema's, about its children: listed with them).
        if let Some(note) = fact
            .assumption
            .as_ref()
            .filter(|_| fact.type_name.is_none())
        {
            report.assumptions.push(format!("{subject}: {note}"));
        }
        if !types_agree(&field.ty, fact) {
            report.drift.push(format!(
                "{subject}: page type {}, spec type {}{}",
                field.ty,
                fact.ty,
                fact.type_name
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ));
        }
        if field.required != fact.required {
            report.drift.push(format!(
                "{subject}: page says {}, spec says {}",
                requiredness(field.required, field.conditional),
                requiredness(fact.required, false)
            ));
        }
        if field.max_length != fact.max_length {
            report.drift.push(format!(
                "{subject}: max length {} on the page, {} in the spec",
                opt(field.max_length),
                opt(fact.max_length)
            ));
        }
        if field.max_items != fact.max_items {
            report.drift.push(format!(
                "{subject}: max size {} on the page, {} in the spec",
                opt(field.max_items),
                opt(fact.max_items)
            ));
        }
        let spec_range = fact.minimum.zip(fact.maximum);
        if field.range != spec_range {
            report.drift.push(format!(
                "{subject}: value range {} on the page, {} in the spec",
                range(field.range),
                range(spec_range)
            ));
        }
        let mut page_values = field.enum_values.clone();
        let mut spec_values = fact.enum_values.clone();
        page_values.sort();
        spec_values.sort();
        if page_values != spec_values {
            report.drift.push(format!(
                "{subject}: values [{}] on the page, [{}] in the spec",
                field.enum_values.join(", "),
                fact.enum_values.join(", ")
            ));
        }
    }
    // Only top-level fields are on the pages; nested ones are collapsed ("Show child
    // parameters") and must carry an assumption on their schema.
    for fact in spec.iter().filter(|f| !f.path.contains(['.', '['])) {
        if page.iter().any(|f| f.name == fact.path) {
            continue;
        }
        let line = format!("{side} field {} is not on the page", fact.path);
        match &fact.assumption {
            Some(note) => report.assumptions.push(format!("{line}: {note}")),
            None => report.drift.push(line),
        }
    }
    // The row of an array's items (`categories[]`) belongs to its field, which the page shows.
    for fact in spec
        .iter()
        .filter(|f| f.path.contains(['.', '[']) && !is_item_row(f))
    {
        if fact.assumption.is_none() {
            report.drift.push(format!(
                "{side} field {} is nested below what the page shows and is not labelled as an assumption",
                fact.path
            ));
        }
    }
}

/// `categories[]`, `labels{}`: the items or values of a field, not a field of their own.
pub fn is_item_row(fact: &FieldFact) -> bool {
    fact.path.ends_with("[]") || fact.path.ends_with("{}")
}

fn requiredness(required: bool, conditional: bool) -> &'static str {
    match (required, conditional) {
        (true, _) => "REQUIRED",
        (false, true) => "CONDITIONAL",
        (false, false) => "optional",
    }
}

fn opt(value: Option<u64>) -> String {
    value.map_or("none".to_string(), |v| v.to_string())
}

fn range(value: Option<(f64, f64)>) -> String {
    value.map_or("none".to_string(), |(a, b)| format!("{a}-{b}"))
}

/// The page's type names (`number`, `Array<object>`, `Result`) against the spec's.
fn types_agree(page_type: &str, fact: &FieldFact) -> bool {
    let is_object = |ty: &str| ty == "object" || ty.starts_with("map<");
    match page_type {
        // Milliseconds are documented as "number" and modelled as integers.
        "number" => matches!(fact.ty.as_str(), "number" | "integer"),
        "integer" | "string" | "boolean" => fact.ty == page_type,
        "object" => is_object(&fact.ty),
        array if array.starts_with("Array<") => {
            let item = &array["Array<".len()..array.len() - 1];
            match fact
                .ty
                .strip_prefix("array<")
                .and_then(|t| t.strip_suffix('>'))
            {
                Some(spec_item) => match item {
                    "object" => {
                        spec_item
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_uppercase())
                            || spec_item == "object"
                    }
                    "number" => matches!(spec_item, "number" | "integer"),
                    other => spec_item == other,
                },
                None => false,
            }
        }
        named => fact.type_name.as_deref() == Some(named) && is_object(&fact.ty),
    }
}

fn check_codes(page: &[PageCode], spec: &[CodeFact], report: &mut PageReport) {
    for code in page {
        match spec.iter().find(|c| c.code == code.code) {
            None => report.drift.push(format!(
                "result code {} ({}) is on the page but not in the spec",
                code.code, code.status
            )),
            Some(fact) => {
                if fact.status != code.status {
                    report.drift.push(format!(
                        "result code {}: page status {}, spec status {}",
                        code.code, code.status, fact.status
                    ));
                }
                if normalise(&fact.message) != normalise(&code.message) {
                    report.drift.push(format!(
                        "result code {}: page message \"{}\", spec message \"{}\"",
                        code.code, code.message, fact.message
                    ));
                }
            }
        }
    }
    for fact in spec {
        if page.iter().any(|c| c.code == fact.code) {
            continue;
        }
        let line = format!(
            "result code {} ({}) is not on the page",
            fact.code, fact.status
        );
        match &fact.assumption {
            Some(note) => report.assumptions.push(format!("{line}: {note}")),
            None => report.drift.push(line),
        }
    }
    let page_order: Vec<&str> = page
        .iter()
        .map(|c| c.code.as_str())
        .filter(|c| spec.iter().any(|f| f.code == *c))
        .collect();
    let spec_order: Vec<&str> = spec
        .iter()
        .map(|c| c.code.as_str())
        .filter(|c| page.iter().any(|p| p.code == *c))
        .collect();
    if page_order != spec_order {
        report.drift.push(format!(
            "result codes are in a different order: page [{}], spec [{}]",
            page_order.join(", "),
            spec_order.join(", ")
        ));
    }
}

fn normalise(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn render_text(reports: &[PageReport]) -> String {
    let mut out = String::new();
    for report in reports {
        let _ = writeln!(
            out,
            "{} -> {}: {} drift, {} assumptions, {} unchecked",
            report.page,
            report.operation.as_deref().unwrap_or("(no operation)"),
            report.drift.len(),
            report.assumptions.len(),
            report.unchecked.len()
        );
        for line in &report.drift {
            let _ = writeln!(out, "  DRIFT       {line}");
        }
        for line in &report.assumptions {
            let _ = writeln!(out, "  assumption  {line}");
        }
        for line in &report.unchecked {
            let _ = writeln!(out, "  unchecked   {line}");
        }
    }
    let total: usize = reports.iter().map(|r| r.drift.len()).sum();
    let _ = writeln!(out, "{total} drift in {} pages", reports.len());
    out
}
