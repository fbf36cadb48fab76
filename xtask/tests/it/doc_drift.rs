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
    let text = std::fs::read_to_string(xtask::project_root().join("spec/alipayhk.yaml")).unwrap();
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
    let text = std::fs::read_to_string(xtask::project_root().join("spec/alipayhk.yaml")).unwrap();
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
    let page_path = xtask::project_root().join("../shared/docs/seed/4-query-template.txt");
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
