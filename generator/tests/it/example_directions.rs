//! A body example keeps its side's rule, as the generated server does: no `readOnly` property
//! in a request example, no `writeOnly` one in a response example. The feature fixture's
//! `getWidget` bodies hold `Catalog` (`id` readOnly, `secret` writeOnly) at depth.

use alipayhk_generator::{READ_ONLY_IN_REQUEST, WRITE_ONLY_IN_RESPONSE};

const REQUEST_EXAMPLE: &str = "example: {widgetId: \"W-1\"}";
const RESPONSE_EXAMPLE: &str = "resultInfo: {resultCode: PARAMETER_ILLEGAL, resultStatus: F}";
const GET: &str = "/paths/~1api~1widgets~1get/post";

fn fixture() -> String {
    crate::read("tests/fixtures/features.yaml")
}

/// The fixture with `getWidget`'s request and response examples given extra properties.
fn with_get_widget_examples(request_extra: &str, response_extra: &str) -> String {
    let fixture = fixture();
    for needle in [REQUEST_EXAMPLE, RESPONSE_EXAMPLE] {
        assert_eq!(fixture.matches(needle).count(), 1, "fixture has {needle:?}");
    }
    let response = "\n                ";
    fixture
        .replacen(
            REQUEST_EXAMPLE,
            &format!("example: {{widgetId: \"W-1\"{request_extra}}}"),
            1,
        )
        .replacen(
            RESPONSE_EXAMPLE,
            &format!("{RESPONSE_EXAMPLE}{response}{response_extra}"),
            1,
        )
}

fn error_of(yaml: &str) -> String {
    match alipayhk_generator::generate(yaml, "features.yaml") {
        Ok(_) => panic!("expected the spec to be rejected"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_read_only_property_in_a_request_example_is_refused_at_its_pointer() {
    let message = error_of(&with_get_widget_examples(
        ", catalog: {id: \"C-1\", sku: \"S-1\"}",
        "",
    ));
    let at = format!("{GET}/requestBody/content/application~1json/example/catalog/id");
    assert_eq!(
        message.trim_end(),
        format!(
            "the spec has 1 problem(s):\n  {at}: example does not validate: {READ_ONLY_IN_REQUEST}"
        ),
    );
}

#[test]
fn a_write_only_property_in_a_response_example_is_refused_at_its_pointer() {
    let message = error_of(&with_get_widget_examples(
        "",
        "history: [{sku: \"S-1\"}, {sku: \"S-2\", secret: \"s3cret\"}]",
    ));
    let at = format!("{GET}/responses/200/content/application~1json/example/history/1/secret");
    assert_eq!(
        message.trim_end(),
        format!(
            "the spec has 1 problem(s):\n  {at}: example does not validate: {WRITE_ONLY_IN_RESPONSE}"
        ),
    );
}

#[test]
fn read_only_in_a_response_and_write_only_in_a_request_example_are_accepted() {
    let spec = with_get_widget_examples(
        ", catalog: {sku: \"S-1\", secret: \"s3cret\"}",
        "history: [{id: \"C-1\", sku: \"S-1\"}]",
    );
    alipayhk_generator::generate(&spec, "features.yaml").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_null_read_only_property_in_a_request_example_is_absent() {
    // `null` decodes as `None`, which the server's check does not refuse either.
    let spec = fixture().replacen(
        "      type: object\n      required: [id, sku]\n      additionalProperties: {type: string, maxLength: 4}\n      properties:\n        id: {type: string, readOnly: true,",
        "      type: object\n      required: [id, sku]\n      additionalProperties: {type: string, maxLength: 4}\n      properties:\n        id: {type: string, nullable: true, readOnly: true,",
        1,
    );
    assert_ne!(spec, fixture(), "the fixture's Catalog.id changed shape");
    let spec = spec.replacen(
        REQUEST_EXAMPLE,
        "example: {widgetId: \"W-1\", catalog: {id: null, sku: \"S-1\"}}",
        1,
    );
    alipayhk_generator::generate(&spec, "features.yaml").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_schema_example_is_direction_free() {
    // A component's own example documents the type, which serves both sides.
    let spec = fixture().replacen(
        "    Catalog:\n      type: object\n",
        "    Catalog:\n      type: object\n      example: {id: \"C-1\", secret: \"s3cret\", sku: \"S-1\"}\n",
        1,
    );
    assert_ne!(spec, fixture(), "the fixture's Catalog changed shape");
    alipayhk_generator::generate(&spec, "features.yaml").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn the_refusals_use_the_words_of_the_generated_check() {
    let files =
        alipayhk_generator::generate(&fixture(), "features.yaml").unwrap_or_else(|e| panic!("{e}"));
    let models = &files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models generated")
        .contents;
    for words in [READ_ONLY_IN_REQUEST, WRITE_ONLY_IN_RESPONSE] {
        assert!(
            models.contains(&format!("{words:?}")),
            "the generated check does not say {words:?}"
        );
    }
}
