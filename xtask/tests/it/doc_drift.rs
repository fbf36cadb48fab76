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
    // The path is not on a table-style page: reported as an assumption, not drift.
    assert_eq!(report.assumptions.len(), 1, "{:#?}", report.assumptions);
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
            if field.path.contains(['.', '[']) {
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
