//! The spec loads, every `$ref` resolves, every example validates, every operation has the
//! signing headers and a well-formed result-code table; broken specs fail with a pointer.

use alipayhk_generator::{Origin, SIGNING_HEADERS, load, load_from, validate};

#[test]
fn real_spec_passes_every_check() {
    let spec = load(&crate::real_spec()).unwrap_or_else(|e| panic!("{e}"));
    let spec = validate(spec).unwrap_or_else(|e| panic!("{e}"));
    let api = alipayhk_generator::lower(&spec).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(api.operations.len(), 5);
}

/// Generates from `yaml` and returns the error text (the test fails if it succeeds).
fn error_of(yaml: &str) -> String {
    match alipayhk_generator::generate(yaml, "spec.yaml") {
        Ok(_) => panic!("expected the spec to be rejected"),
        Err(e) => e.to_string(),
    }
}

fn broken(from: &str, to: &str) -> String {
    let spec = crate::real_spec();
    assert!(spec.contains(from), "the spec no longer contains {from:?}");
    spec.replacen(from, to, 1)
}

#[test]
fn the_response_header_alias_loads() {
    let api = alipayhk_generator::parse(&crate::real_spec()).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = api
        .response_headers
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Client-Id",
            "Response-Time",
            "Signature",
            "Tracer-Id",
            "Encrypt"
        ]
    );
    let spec = load(&crate::real_spec()).unwrap_or_else(|e| panic!("{e}"));
    let aliased = spec
        .tree
        .pointer("/components/responses/RedeemAPointResponse/headers/Signature/$ref");
    assert_eq!(
        aliased.and_then(|v| v.as_str()),
        Some("#/components/headers/Signature")
    );
}

#[test]
fn signing_headers_are_required_and_encrypt_optional() {
    let api = alipayhk_generator::parse(&crate::real_spec()).unwrap_or_else(|e| panic!("{e}"));
    let headers: Vec<(&str, bool)> = api
        .request_headers
        .iter()
        .map(|h| (h.name.as_str(), h.required))
        .collect();
    assert_eq!(headers, SIGNING_HEADERS);
}

#[test]
fn unresolved_ref_names_its_pointer() {
    let message = error_of(&broken(
        "$ref: \"#/components/schemas/QueryTemplateRequest\"",
        "$ref: \"#/components/schemas/NoSuchSchema\"",
    ));
    assert!(message.contains("~1api~1open~1alipay~1v1~1ipass~1template~1manage~1detail/post/requestBody/content/application~1json/schema/$ref"), "{message}");
    assert!(message.contains("does not resolve"), "{message}");
}

#[test]
fn invalid_example_names_the_field_inside_it() {
    let message = error_of(&broken(
        "              benefitRedeemInfos:\n                - amount: 50",
        "              benefitRedeemInfos:\n                - amount: 0",
    ));
    assert!(
        message
            .contains("/requestBody/content/application~1json/example/benefitRedeemInfos/0/amount"),
        "{message}"
    );
    assert!(
        message.contains("example does not validate: is 0, below the minimum 1"),
        "{message}"
    );
}

#[test]
fn example_problems_read_like_the_generated_validate() {
    let fixture = crate::read("tests/fixtures/features.yaml");
    let files =
        alipayhk_generator::generate(&fixture, "features.yaml").unwrap_or_else(|e| panic!("{e}"));
    let models = &files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models generated")
        .contents;
    let broken = fixture
        .replacen("requestId: \"R-1\"", "requestId: \"R-123456789\"", 1)
        .replacen("name: \"gear\"", "name: \"Gear\"", 1)
        .replacen("size: 3", "size: 11", 1)
        .replacen("color: dark-blue", "color: purple", 1)
        .replacen("ownerId: \"o-1\"", "ownerName: \"o-1\"", 1);
    let message = error_of(&broken);
    let at = "/paths/~1api~1widgets~1create/post/requestBody/content/application~1json/example";
    for (field, problem, emitted) in [
        (
            "requestId",
            "more than maxLength 8 characters",
            "more than maxLength 8 characters",
        ),
        (
            "name",
            "does not match the pattern ^[a-z]+$",
            "does not match the pattern ^[a-z]+$",
        ),
        (
            "size",
            "is 11, above the maximum 10",
            "is {value}, above the maximum 10",
        ),
        (
            "color",
            "\"purple\" is not one of [\"red\", \"dark-blue\", \"GREEN_3\"]",
            "{other:?} is not one of {:?}",
        ),
        (
            "ownerId",
            "at least one of ownerId, teamId is required",
            "at least one of ownerId, teamId is required",
        ),
    ] {
        assert!(
            message.contains(&format!(
                "{at}/{field}: example does not validate: {problem}\n"
            )),
            "{field}: {message}"
        );
        assert!(
            models.contains(&format!("{emitted:?}")),
            "validate() does not say {emitted:?}"
        );
    }
}

#[test]
fn header_example_is_checked_against_its_pattern() {
    let message = error_of(&broken(
        "      example: \"2024-05-22T06:42:21+05:30\"",
        "      example: \"yesterday\"",
    ));
    assert!(
        message.contains(
            "/parameters/1/example: example does not validate: does not match the pattern"
        ),
        "{message}"
    );
}

#[test]
fn example_with_unknown_enum_value_is_rejected() {
    let message = error_of(&broken(
        "            status: UPDATE\n",
        "            status: FROZEN\n",
    ));
    assert!(message.contains("/example/status"), "{message}");
    assert!(message.contains("\"FROZEN\" is not one of"), "{message}");
}

#[test]
fn missing_signature_header_is_reported() {
    let spec = crate::real_spec();
    let first = "        - $ref: \"#/components/parameters/Signature\"\n";
    let message = error_of(&spec.replacen(first, "", 1));
    assert!(message.contains("/paths/~1api~1open~1v1~1alipayhk~1promotion~1benefit~1userPromoBenefitQuery/post/parameters: missing the Signature header parameter"), "{message}");
}

#[test]
fn bad_result_status_names_the_entry() {
    let message = error_of(&broken(
        "{code: PASS_TEMPLATE_NOT_EXIST, status: F,",
        "{code: PASS_TEMPLATE_NOT_EXIST, status: X,",
    ));
    assert!(message.contains("/x-result-codes/2/status"), "{message}");
    assert!(message.contains("is not S, F or U"), "{message}");
}

#[test]
fn two_illegal_codes_are_ambiguous() {
    let message = error_of(&broken(
        "{code: PASS_TEMPLATE_NOT_EXIST,",
        "{code: TEMPLATE_ILLEGAL,",
    ));
    assert!(
        message.contains("exactly one code ending in _ILLEGAL"),
        "{message}"
    );
}

#[test]
fn uncovered_reject_reason_is_reported() {
    let message = error_of(&broken("reason: unknown_api,", "reason: unknown_client,"));
    assert!(
        message.contains("reason unknown_api must have exactly one code, found 0"),
        "{message}"
    );
    assert!(
        message.contains("reason unknown_client must have exactly one code, found 2"),
        "{message}"
    );
}

#[test]
fn yaml_syntax_error_has_line_and_column() {
    let message = error_of("openapi: 3.0.3\ninfo: [unclosed\n");
    assert!(message.contains("line "), "{message}");
    assert!(message.contains("column "), "{message}");
}

#[test]
fn structural_error_names_the_pointer() {
    let message = error_of(&broken(
        "  title: AlipayHK partner open API (A. Point and membership cards)\n",
        "",
    ));
    assert!(message.contains("/info"), "{message}");
    assert!(message.contains("title"), "{message}");
}

#[test]
fn a_not_is_documented_with_a_warning_not_refused() {
    let spec = broken(
        "        rating:\n          description:",
        "        rating:\n          not: {type: string}\n          description:",
    );
    let (_, warnings) = alipayhk_generator::generate_with_warnings(&spec, "spec.yaml")
        .unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "/components/schemas/PassExtInfo/properties/rating/not: `not` alone: any JSON value, the `not` documented only (validate() does not check it)"
        ]
    );
}

#[test]
fn contradictory_schema_is_an_error_not_a_panic() {
    let message = error_of(&broken(
        "        rating:\n          description:",
        "        rating:\n          allOf: [{type: string}, {type: integer}]\n          description:",
    ));
    assert!(
        message.contains("/components/schemas/PassExtInfo/properties/rating: allOf has parts of different types (string, integer); no value is all of them"),
        "{message}"
    );
}

#[test]
fn truncated_specs_never_panic() {
    let spec = crate::real_spec();
    let mut cut = 0;
    while cut < spec.len() {
        if spec.is_char_boundary(cut) {
            let _ = alipayhk_generator::generate(&spec[..cut], "spec.yaml");
        }
        cut += 997;
    }
    for garbage in [
        "",
        "[]",
        "null",
        "openapi: 3.0.3",
        "openapi: 2.0\ninfo: {title: x, version: y}\npaths: {}",
        "a: *nope",
    ] {
        assert!(
            alipayhk_generator::generate(garbage, "spec.yaml").is_err(),
            "{garbage:?}"
        );
    }
}

#[test]
fn idempotency_key_must_be_a_request_property() {
    let message = error_of(&broken(
        "      x-idempotency-key: bizNo\n      x-assumption:",
        "      x-idempotency-key: orderNo\n      x-assumption:",
    ));
    assert!(
        message.contains("/x-idempotency-key: orderNo is not a property of RedeemAPointRequest"),
        "{message}"
    );
}

#[test]
fn mixed_keywords_are_refused_with_the_pointer() {
    let message = error_of(&broken(
        "        rating:\n          description:",
        "        rating:\n          properties: {a: {type: string}}\n          oneOf: [{type: string}]\n          description:",
    ));
    // The shared properties belong to the branch, which is a string: no value is both.
    assert!(
        message.contains("/components/schemas/PassExtInfo/properties/rating/oneOf/0: allOf has an object part and a string part; no value is both"),
        "{message}"
    );
}

#[test]
fn a_discriminator_branch_must_carry_the_property() {
    let message = error_of(&broken(
        "        rating:\n          description:",
        "        rating:\n          oneOf: [{$ref: \"#/components/schemas/Amount\"}]\n          discriminator: {propertyName: kind}\n          description:",
    ));
    assert!(
        message.contains("branch Amount is not an object with a string property kind"),
        "{message}"
    );
}

#[test]
fn a_mapping_to_no_branch_is_refused() {
    let message = error_of(&broken(
        "        rating:\n          description:",
        "        rating:\n          oneOf: [{$ref: \"#/components/schemas/Amount\"}]\n          discriminator: {propertyName: currency, mapping: {x: Button}}\n          description:",
    ));
    assert!(
        message.contains("rating/discriminator/mapping/x: Button is not one of the oneOf branches"),
        "{message}"
    );
}

#[test]
fn conditions_name_real_properties_and_listed_values() {
    let message = error_of(&broken(
        "      x-conditions:\n        - if: [{type: COUPON}, {product: [PASS, MOVIE]}]\n",
        "      x-conditions:\n        - if: [{type: VOUCHER}]\n          required: [nosuch]\n        - if: [{stock: '1'}]\n          forbidden: [bizMids]\n        - if: [{type: COUPON}, {product: [PASS, MOVIE]}]\n",
    ));
    assert!(
        message.contains("compares type with \"VOUCHER\", which its enum does not list"),
        "{message}"
    );
    assert!(
        message.contains("names nosuch, which is not a property here"),
        "{message}"
    );
    assert!(
        message
            .contains("a condition can compare only string or enum properties; stock is not one"),
        "{message}"
    );
    assert!(
        message.contains("/components/schemas/QueryTemplateResponse/x-conditions/0"),
        "{message}"
    );
}

#[test]
fn a_conditional_default_is_checked_like_an_example() {
    let message = error_of(&broken(
        "      x-conditions:\n        - if: [{type: COUPON}, {product: [PASS, MOVIE]}]\n",
        "      x-conditions:\n        - if: [{type: TICKET}]\n          default: {exposure: invisible}\n        - if: [{type: COUPON}, {product: [PASS, MOVIE]}]\n",
    ));
    assert!(
        message.contains("x-conditions/0/default/exposure: example does not validate: \"invisible\" is not one of"),
        "{message}"
    );
}

#[test]
fn read_only_and_write_only_together_are_refused() {
    let message = error_of(&broken(
        "        soldNum:\n          type: integer\n",
        "        soldNum:\n          type: integer\n          readOnly: true\n          writeOnly: true\n",
    ));
    assert!(
        message.contains("soldNum: a property cannot be both readOnly and writeOnly"),
        "{message}"
    );
}

#[test]
fn an_enum_on_an_integer_is_checked_in_examples_and_defaults() {
    // A property's example is documentation: a warning. A default is code
    // (`sold_num_or_default()`): an error.
    let warnings = warnings_of(&broken(
        "        soldNum:\n          type: integer\n",
        "        soldNum:\n          type: integer\n          enum: [1, 2]\n          example: 3\n",
    ));
    assert_eq!(
        warnings,
        [
            "/components/schemas/PassExtInfo/properties/soldNum/example: example does not validate: 3 is not one of [1, 2]"
        ]
    );
    let message = error_of(&broken(
        "        soldNum:\n          type: integer\n",
        "        soldNum:\n          type: integer\n          enum: [1, 2]\n          default: 3\n",
    ));
    assert!(
        message.contains("soldNum/default: example does not validate: 3 is not one of [1, 2]"),
        "{message}"
    );
}

/// Generates from `yaml` (which must be accepted) and returns its warnings.
fn warnings_of(yaml: &str) -> Vec<String> {
    match alipayhk_generator::generate_with_warnings(yaml, "spec.yaml") {
        Ok((_, warnings)) => warnings.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("expected the spec to be accepted: {e}"),
    }
}

#[test]
fn constraints_on_array_items_and_map_values_are_accepted_and_checked_in_examples() {
    // Once refused; now checked, and the spec's own example is judged by them.
    let message = error_of(&broken(
        "          maxItems: 2\n          items:\n            type: string\n",
        "          maxItems: 2\n          items:\n            type: string\n            maxLength: 3\n",
    ));
    assert!(
        message
            .contains("/categories/0: example does not validate: more than maxLength 3 characters"),
        "{message}"
    );
}

#[test]
fn a_component_alias_is_a_type_alias() {
    let spec = broken(
        "    Button:\n",
        "    ButtonAlias:\n      $ref: \"#/components/schemas/Button\"\n    Button:\n",
    );
    let api = alipayhk_generator::parse(&spec).unwrap_or_else(|e| panic!("{e}"));
    let alias = api
        .aliases
        .iter()
        .find(|a| a.schema_name == "ButtonAlias")
        .expect("alias");
    assert_eq!(
        alias.target,
        alipayhk_generator::TypeRef::Model("Button".into())
    );
}

#[test]
fn a_large_local_spec_loads_and_untrusted_text_keeps_the_budget() {
    // 260,000 scalars: above serde-saphyr's default node budget (250,000).
    let big_example = vec!["0"; 260_000].join(",");
    let spec = broken(
        "    Button:\n",
        &format!(
            "    Big:\n      type: array\n      items: {{type: integer}}\n      example: [{big_example}]\n    Button:\n"
        ),
    );
    let loaded = load(&spec).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        loaded
            .tree
            .pointer("/components/schemas/Big/example/259999")
            .is_some()
    );
    let refused = load_from(&spec, Origin::Untrusted).expect_err("over the default budget");
    assert!(refused.to_string().contains("not valid YAML"), "{refused}");
}

#[test]
fn a_json_spec_loads_like_its_yaml_and_untrusted_json_keeps_the_budget() {
    let yaml = crate::real_spec();
    let yaml_tree = load(&yaml).unwrap_or_else(|e| panic!("{e}")).tree;
    let json = serde_json::to_string_pretty(&yaml_tree).unwrap();
    let json_loaded = load(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json_loaded.tree, yaml_tree);
    // Same IR and same output (headers aside, which name the spec's hash).
    assert_eq!(
        alipayhk_generator::parse(&json).unwrap_or_else(|e| panic!("{e}")),
        alipayhk_generator::parse(&yaml).unwrap_or_else(|e| panic!("{e}"))
    );
    // The typed document, read from the JSON text beside the tree, is the one the tree gives,
    // here and for the feature fixture's every construct.
    let fixture = crate::read("tests/fixtures/features.yaml");
    for text in [yaml.as_str(), fixture.as_str()] {
        let tree = load(text).unwrap_or_else(|e| panic!("{e}")).tree;
        let json = load(&serde_json::to_string(&tree).unwrap()).unwrap();
        assert_eq!(
            json.document,
            <openapiv3::OpenAPI as serde::Deserialize>::deserialize(&json.tree).unwrap()
        );
    }
    // Valid JSON that is not an OpenAPI document is reported with the pointer of the problem.
    let wrong =
        load(r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": []}"#)
            .expect_err("paths is not a map");
    assert!(wrong.to_string().contains("/paths"), "{wrong}");
    // Untrusted JSON goes through the YAML parser and its budget.
    let big = format!(
        "{{\"openapi\": \"3.0.3\", \"x\": [{}]}}",
        vec!["0"; 260_000].join(",")
    );
    let refused = load_from(&big, Origin::Untrusted).expect_err("over the budget");
    assert!(refused.to_string().contains("not valid YAML"), "{refused}");
    // Broken JSON is reported by the YAML parser, with its line and column.
    let broken = load("{\"openapi\": \"3.0.3\",\n  \"info\": [}").expect_err("broken");
    assert!(broken.to_string().contains("not valid YAML"), "{broken}");
}

#[test]
fn a_key_that_additional_properties_false_forbids_fails_the_example_in_validate_words() {
    let fixture = crate::read("tests/fixtures/features.yaml");
    let from = "      example: {color: red}\n";
    assert!(fixture.contains(from), "the fixture no longer has {from:?}");
    // A schema's example is documentation: a warning at its pointer, in validate()'s words.
    let warnings =
        warnings_of(&fixture.replacen(from, "      example: {color: red, colour: red}\n", 1));
    assert!(
        warnings.contains(
            &"/components/schemas/Filter/example/colour: example does not validate: is not a property of this object (additionalProperties: false)".to_string()
        ),
        "{warnings:?}"
    );
}

/// The real spec with `schemas` (YAML, indented as component schemas) added and the
/// `rating` property of `PassExtInfo` replaced by `rating` (one YAML flow value).
fn with_schemas(schemas: &str, rating: &str) -> String {
    let spec = broken("  schemas:\n", &format!("  schemas:\n{schemas}"));
    spec.replacen(
        "        rating:\n          description: Rating, sent as a string or a number (e.g. \"5\" or 4.5).\n",
        &format!("        rating: {rating}\n"),
        1,
    )
}

#[test]
fn the_crashes_of_issue_28_work_or_are_errors() {
    // Properties named `self` and with no letters: fields `self_` and `field`.
    let spec = with_schemas(
        "    Odd:\n      type: object\n      properties: {self: {type: string}, \"--\": {type: string}, \"\": {type: integer}}\n",
        "{$ref: \"#/components/schemas/Odd\"}",
    );
    let files = alipayhk_generator::generate(&spec, "spec.yaml").unwrap_or_else(|e| panic!("{e}"));
    let models = &files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models")
        .contents;
    for field in [
        "pub self_: Option<String>",
        "pub field: Option<String>",
        "pub field_2: Option<i64>",
    ] {
        assert!(models.contains(field), "{field}");
    }

    // An array of itself (the stack overflow of an AWS spec): its items are JSON values.
    let spec = with_schemas(
        "    Nested:\n      type: array\n      items: {$ref: \"#/components/schemas/Nested\"}\n",
        "{$ref: \"#/components/schemas/Nested\"}",
    );
    let files = alipayhk_generator::generate(&spec, "spec.yaml").unwrap_or_else(|e| panic!("{e}"));
    let models = &files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models")
        .contents;
    assert!(models.contains("pub rating: Option<Vec<serde_json::Value>>"));

    // Aliases in a cycle never reach a schema: refused at the pointer.
    let message = error_of(&with_schemas(
        "    A: {$ref: \"#/components/schemas/B\"}\n    B: {$ref: \"#/components/schemas/A\"}\n",
        "{$ref: \"#/components/schemas/A\"}",
    ));
    assert!(
        message.contains("is part of a cycle of references that never reaches a schema"),
        "{message}"
    );
}

#[test]
fn deep_schemas_are_refused_or_generated_never_a_stack_overflow() {
    // Arrays of arrays, 100 deep, as JSON (the JSON parser's nesting limit is 128) and as
    // YAML: refused with a reason or generated, on a thread with a small stack.
    for depth in [30, 60, 100, 1000] {
        let inner = format!(
            "{}{{type: string}}{}",
            "{type: array, items: ".repeat(depth),
            "}".repeat(depth)
        );
        let spec = with_schemas("", &inner);
        let outcome = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                alipayhk_generator::generate(&spec, "spec.yaml")
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .expect("thread")
            .join()
            .expect("no panic, no overflow");
        if let Err(message) = outcome {
            assert!(message.contains("/"), "{message}");
        }
    }
}

#[test]
fn an_allof_of_a_primitive_keeps_its_constraints_and_description() {
    let spec = with_schemas(
        "    Code: {type: string, pattern: \"^[A-Z]{2}$\"}\n",
        "{allOf: [{$ref: \"#/components/schemas/Code\"}, {maxLength: 2}], description: \"Two letters.\"}",
    );
    let files = alipayhk_generator::generate(&spec, "spec.yaml").unwrap_or_else(|e| panic!("{e}"));
    let models = &files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models")
        .contents;
    let field = models
        .find("pub rating: Option<String>")
        .expect("a string field");
    let docs = &models[models[..field].rfind("pub struct").expect("struct")..field];
    assert!(docs.contains("Two letters."), "{docs}");
    assert!(
        models.contains("PASS_EXT_INFO_RATING_PATTERN"),
        "the pattern is checked"
    );
    assert!(
        models.contains("self.rating") && models.contains("> 2"),
        "maxLength is checked"
    );
}

#[test]
fn a_component_documented_where_it_is_used_is_the_component() {
    // `allOf: [$ref, {description}]`: the component's own type, with the description.
    let spec = with_schemas(
        "",
        "{allOf: [{$ref: \"#/components/schemas/Amount\"}, {description: \"The rating amount.\"}]}",
    );
    let files = alipayhk_generator::generate(&spec, "spec.yaml").unwrap_or_else(|e| panic!("{e}"));
    let models = &files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models")
        .contents;
    let field = models
        .find("pub rating: Option<Amount>")
        .expect("the component's type");
    assert!(models[..field].ends_with("/// The rating amount.\n    #[serde(rename = \"rating\", default, skip_serializing_if = \"Option::is_none\")]\n    "), "{}", &models[field - 200..field]);
}

#[test]
fn inline_objects_repeated_through_allof_stay_finite() {
    // Each `Node` property extends `Node` inline: the inner occurrence is the struct being
    // built (boxed), not a new struct per level (which grew without bound).
    let spec = with_schemas(
        "    Node:\n      type: object\n      properties:\n        name: {type: string}\n        next: {allOf: [{$ref: \"#/components/schemas/Node\"}, {description: \"Next.\"}]}\n        more: {allOf: [{$ref: \"#/components/schemas/Node\"}, {type: object, properties: {z: {type: string}}}]}\n        other: {allOf: [{$ref: \"#/components/schemas/Node\"}, {type: object, properties: {y: {type: string}}}]}\n",
        "{$ref: \"#/components/schemas/Node\"}",
    );
    let files = alipayhk_generator::generate(&spec, "spec.yaml").unwrap_or_else(|e| panic!("{e}"));
    let models = &files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models")
        .contents;
    let structs = models.matches("pub struct Node").count();
    assert!(structs <= 10, "{structs} Node structs");
    assert!(
        models.contains("pub next: Option<Box<Node>>"),
        "recursion is boxed"
    );
}

#[test]
fn a_reference_inside_another_schema_says_how_to_fix_it() {
    let message = error_of(&with_schemas(
        "",
        "{$ref: \"#/components/schemas/Amount/properties/value\"}",
    ));
    assert!(
        message.contains("/components/schemas/PassExtInfo/properties/rating/$ref: \"#/components/schemas/Amount/properties/value\" points inside another schema; only whole component schemas can be referenced"),
        "{message}"
    );
}

#[test]
fn integer_bounds_the_rust_type_states_or_cannot_hold_are_left_to_it() {
    // An int32 bound beyond i32 would be a literal that does not compile; one at i32's own
    // limit a comparison that is always false.
    let spec = with_schemas(
        "",
        "{type: integer, format: int32, minimum: -2147483648, maximum: 5000000000, multipleOf: 6000000000}",
    );
    let files = alipayhk_generator::generate(&spec, "spec.yaml").unwrap_or_else(|e| panic!("{e}"));
    let models = &files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models")
        .contents;
    assert!(models.contains("pub rating: Option<i32>"));
    for literal in ["2147483648", "5000000000", "6000000000"] {
        assert!(!models.contains(literal), "{literal} is in the output");
    }
    let spec = with_schemas("", "{type: number, format: float, maximum: 1.0e+300}");
    let files = alipayhk_generator::generate(&spec, "spec.yaml").unwrap_or_else(|e| panic!("{e}"));
    let models = &files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models")
        .contents;
    assert!(models.contains("pub rating: Option<f32>"));
    assert!(
        !models.contains("00000000000000000000"),
        "an f32 bound beyond f32"
    );
    // A minimum length or item count of 0 is no constraint.
    let spec = with_schemas(
        "",
        "{type: array, minItems: 0, items: {type: string, minLength: 0}}",
    );
    let files = alipayhk_generator::generate(&spec, "spec.yaml").unwrap_or_else(|e| panic!("{e}"));
    let models = &files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models")
        .contents;
    assert!(models.contains("pub rating: Option<Vec<String>>"));
    assert!(
        !models.contains("< 0 {"),
        "a comparison with 0 that is always false"
    );
}
