//! Doc-drift against page-like fixtures in both styles the real pages use.

use xtask::doc_drift::{self, PageReport};
use xtask::doc_page;
use xtask::spec_facts::SpecFacts;

fn check(page: &str) -> PageReport {
    let spec = SpecFacts::from_yaml(&crate::read_fixture("base.yaml"), "base.yaml").unwrap();
    let text = crate::read_fixture(&format!("pages/{page}"));
    doc_drift::check(page, &doc_page::parse(&text), &spec)
}

#[test]
fn plain_page_that_matches_has_no_drift() {
    let report = check("plain_ok.txt");
    assert_eq!(report.operation.as_deref(), Some("redeemThing"));
    assert!(report.drift.is_empty(), "{:#?}", report.drift);
    insta::assert_snapshot!(doc_drift::render_text(&[report]));
}

#[test]
fn table_page_that_matches_has_no_drift() {
    let report = check("table_ok.txt");
    assert_eq!(report.operation.as_deref(), Some("queryThing"));
    assert!(report.drift.is_empty(), "{:#?}", report.drift);
    // The path is not on a table-style page, and `type` (which the page's conditions name)
    // and `reward` are not listed: reported as assumptions, not drift.
    assert_eq!(report.assumptions.len(), 3, "{:#?}", report.assumptions);
    insta::assert_snapshot!(doc_drift::render_text(&[report]));
}

#[test]
fn code_on_the_page_but_not_in_the_spec_is_drift() {
    let report = check("plain_code_missing_from_spec.txt");
    assert_eq!(
        report.drift,
        ["result code THING_FROZEN (F) is on the page but not in the spec"]
    );
    insta::assert_snapshot!(doc_drift::render_text(&[report]));
}

#[test]
fn status_that_differs_is_drift() {
    let report = check("table_status_differs.txt");
    assert_eq!(
        report.drift,
        ["result code THING_NOT_EXIST: page status U, spec status F"]
    );
    insta::assert_snapshot!(doc_drift::render_text(&[report]));
}

#[test]
fn plain_page_facts_are_extracted() {
    let page = doc_page::parse(&crate::read_fixture("pages/plain_ok.txt"));
    insta::assert_json_snapshot!(page);
}

#[test]
fn table_page_facts_are_extracted() {
    let page = doc_page::parse(&crate::read_fixture("pages/table_ok.txt"));
    insta::assert_json_snapshot!(page);
}

#[test]
fn real_spec_loads_as_facts_and_knows_its_assumptions() {
    let text =
        std::fs::read_to_string(xtask::project_root().unwrap().join("spec/alipayhk.yaml")).unwrap();
    let spec = SpecFacts::from_yaml(&text, "spec/alipayhk.yaml").unwrap();
    // Every nested field is below what the pages show, so each must carry an assumption.
    for op in &spec.operations {
        for field in op.request_fields.iter().chain(&op.response_fields) {
            if field.path.contains(['.', '[']) && !doc_drift::is_item_row(field) {
                assert!(
                    field.assumption.is_some(),
                    "{}: {} is unlabelled",
                    op.id,
                    field.path
                );
            }
        }
    }
}

#[test]
fn conditions_on_the_page_are_compared_with_x_conditions() {
    let page = doc_page::parse(&crate::read_fixture("pages/table_ok.txt"));
    let link = page
        .response_fields
        .iter()
        .find(|f| f.name == "link")
        .expect("link");
    assert_eq!(link.conditions.len(), 1, "{:#?}", link.conditions);
    assert_eq!(link.conditions[0].effect, "pattern");
    assert_eq!(link.conditions[0].value, "^app://");
    let stock = page
        .response_fields
        .iter()
        .find(|f| f.name == "stock")
        .expect("stock");
    assert_eq!(stock.conditions[0].effect, "only");
    // Both rules match the spec's x-conditions: no drift (checked by the table_ok test).
}

#[test]
fn a_condition_that_differs_is_drift_both_ways() {
    let report = check("table_condition_differs.txt");
    assert_eq!(
        report.drift,
        [
            "response field link: the page says it must match ^app:// when type == TICKET; the spec has no such x-conditions rule",
            "response field link: the spec's x-conditions rule `pattern ^app:// when type is COUPON` is not on the page",
        ]
    );
    insta::assert_snapshot!(doc_drift::render_text(&[report]));
}

#[test]
fn the_real_query_template_page_states_every_spec_condition() {
    let text =
        std::fs::read_to_string(xtask::project_root().unwrap().join("spec/alipayhk.yaml")).unwrap();
    let spec = SpecFacts::from_yaml(&text, "spec/alipayhk.yaml").unwrap();
    let query = spec.operation("queryTemplate").expect("queryTemplate");
    assert_eq!(query.response_conditions.len(), 7);
    // Remove one rule from the spec: the page's rule is now drift.
    let mut fewer = spec.clone();
    if let Some(op) = fewer
        .operations
        .iter_mut()
        .find(|o| o.id == "queryTemplate")
    {
        op.response_conditions.retain(|c| c.path != "detailLink");
    }
    let page_path = xtask::project_root()
        .unwrap()
        .join("../shared/docs/seed/4-query-template.txt");
    let Ok(page) = std::fs::read_to_string(&page_path) else {
        // The seed pages live outside the repository; CI runs doc-drift on them.
        return;
    };
    let page = doc_page::parse(&page);
    assert!(doc_drift::check("4", &page, &spec).drift.is_empty());
    let drift = doc_drift::check("4", &page, &fewer).drift;
    assert_eq!(
        drift,
        [
            "response field detailLink: the page says it must match ^alipayhk:// when product == PASS/MOVIE; the spec has no such x-conditions rule"
        ]
    );
}

fn member_spec() -> serde_json::Value {
    serde_saphyr::from_str(&crate::read_fixture("member.yaml")).expect("fixture parses")
}

fn check_member(page: &str, spec: &serde_json::Value) -> PageReport {
    let spec = SpecFacts::from_value(spec).unwrap();
    let text = crate::read_fixture(&format!("pages/{page}"));
    doc_drift::check(page, &doc_page::parse(&text), &spec)
}

/// Drops every `x-either-of` of the spec's component schemas.
fn without_either_of(mut spec: serde_json::Value) -> serde_json::Value {
    let schemas = spec
        .pointer_mut("/components/schemas")
        .and_then(serde_json::Value::as_object_mut)
        .expect("the spec has component schemas");
    let mut removed = 0;
    for schema in schemas.values_mut() {
        if let Some(schema) = schema.as_object_mut() {
            removed += usize::from(schema.remove("x-either-of").is_some());
        }
    }
    assert_eq!(removed, 1, "the spec has one x-either-of");
    spec
}

#[test]
fn either_rule_on_the_page_matches_the_spec_x_either_of() {
    let page = doc_page::parse(&crate::read_fixture("pages/table_either_of.txt"));
    let rules: Vec<(&str, &[String])> = page
        .request_fields
        .iter()
        .filter(|f| !f.either_of.is_empty())
        .map(|f| (f.name.as_str(), f.either_of.as_slice()))
        .collect();
    let both = ["userId".to_string(), "openId".to_string()];
    assert_eq!(rules, [("userId", &both[..]), ("openId", &both[..])]);
    let report = check_member("table_either_of.txt", &member_spec());
    assert!(report.drift.is_empty(), "{:#?}", report.drift);
}

#[test]
fn either_rule_removed_from_the_spec_is_drift() {
    let report = check_member("table_either_of.txt", &without_either_of(member_spec()));
    assert_eq!(
        report.drift,
        [
            "request fields userId, openId: the page says one of them must be given; the spec has no such x-either-of rule"
        ]
    );
}

#[test]
fn spec_x_either_of_the_page_does_not_state_is_drift() {
    let report = check_member("table_either_of_unstated.txt", &member_spec());
    assert_eq!(
        report.drift,
        [
            "request fields userId, openId: the spec's x-either-of rule `exactly one of userId, openId` is not on the page"
        ]
    );
}

#[test]
fn either_rule_added_to_a_page_whose_spec_has_none_is_drift() {
    let report = check("plain_either_of_not_in_spec.txt");
    assert_eq!(
        report.drift,
        [
            "request fields note, kind: the page says one of them must be given; the spec has no such x-either-of rule"
        ]
    );
}

#[test]
fn the_real_update_card_page_states_the_spec_x_either_of() {
    let text =
        std::fs::read_to_string(xtask::project_root().unwrap().join("spec/alipayhk.yaml")).unwrap();
    let spec: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let facts = SpecFacts::from_value(&spec).unwrap();
    let fewer = SpecFacts::from_value(&without_either_of(spec)).unwrap();
    let page_path = xtask::project_root()
        .unwrap()
        .join("../shared/docs/seed/5-update-membership-card.txt");
    let Ok(page) = std::fs::read_to_string(&page_path) else {
        // The seed pages live outside the repository; CI runs doc-drift on them.
        return;
    };
    let page = doc_page::parse(&page);
    assert!(doc_drift::check("5", &page, &facts).drift.is_empty());
    assert_eq!(
        doc_drift::check("5", &page, &fewer).drift,
        [
            "request fields userId, openId: the page says one of them must be given; the spec has no such x-either-of rule"
        ]
    );
    // The page without its "provide either" prose: the spec's rule is drift.
    let mut unstated = page.clone();
    for field in &mut unstated.request_fields {
        field.either_of.clear();
    }
    assert_eq!(
        doc_drift::check("5", &unstated, &facts).drift,
        [
            "request fields userId, openId: the spec's x-either-of rule `at least one of userId, openId (only one: assumed)` is not on the page"
        ]
    );
}
