//! One scenario per classification rule: the fixture spec as OLD, the same spec with one
//! named edit as NEW, and a snapshot of the text report.

use serde_json::{Value, json};
use xtask::spec_diff::{self, Change, Format, Severity};
use xtask::spec_facts::SpecFacts;

fn base() -> Value {
    serde_saphyr::from_str(&crate::read_fixture("base.yaml")).expect("fixture parses")
}

/// Diffs the base fixture against a copy changed by `edit`.
fn diff_after(edit: impl FnOnce(&mut Value)) -> Vec<Change> {
    let old = base();
    let mut new = old.clone();
    edit(&mut new);
    let old = SpecFacts::from_value(&old).unwrap();
    let new = SpecFacts::from_value(&new).unwrap();
    spec_diff::diff(&old, &new)
}

fn report(changes: &[Change]) -> String {
    spec_diff::render(changes, "base.yaml", "edited", Format::Text)
}

fn at<'a>(spec: &'a mut Value, pointer: &str) -> &'a mut Value {
    spec.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("fixture has {pointer}"))
}

const REDEEM: &str = "/paths/~1api~1open~1v1~1thing~1redeem/post";
const QUERY: &str = "/paths/~1api~1open~1v1~1thing~1query/post";
const QUERY_RESPONSE: &str = "/paths/~1api~1open~1v1~1thing~1query/post/responses/200/content/application~1json/schema/properties";
const REDEEM_REQUEST: &str = "/components/schemas/RedeemThingRequest";

fn only(changes: &[Change]) -> &Change {
    assert_eq!(
        changes.len(),
        1,
        "expected exactly one change: {changes:#?}"
    );
    &changes[0]
}

#[test]
fn identical_specs_have_no_changes() {
    assert!(diff_after(|_| {}).is_empty());
}

#[test]
fn new_result_code_is_safe_for_open_enums() {
    let changes = diff_after(|s| {
        at(s, &format!("{REDEEM}/x-result-codes"))
            .as_array_mut()
            .unwrap()
            .push(json!({"code": "RISK_REJECT", "status": "F", "message": "Risk."}));
    });
    assert_eq!(only(&changes).severity, Severity::Safe);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn result_code_status_f_to_u_is_breaking() {
    let changes = diff_after(|s| {
        *at(s, &format!("{REDEEM}/x-result-codes/2/status")) = json!("U");
    });
    assert_eq!(only(&changes).severity, Severity::Breaking);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn result_code_status_u_to_f_is_potentially_breaking() {
    let changes = diff_after(|s| {
        *at(s, &format!("{REDEEM}/x-result-codes/3/status")) = json!("F");
    });
    assert_eq!(only(&changes).severity, Severity::PotentiallyBreaking);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn removed_result_code_is_potentially_breaking() {
    let changes = diff_after(|s| {
        at(s, &format!("{REDEEM}/x-result-codes"))
            .as_array_mut()
            .unwrap()
            .remove(2);
    });
    assert_eq!(only(&changes).severity, Severity::PotentiallyBreaking);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn result_message_change_is_safe() {
    let changes = diff_after(|s| {
        *at(s, &format!("{REDEEM}/x-result-codes/2/message")) = json!("Too few things.");
    });
    assert_eq!(only(&changes).severity, Severity::Safe);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn new_required_request_field_is_breaking() {
    let changes = diff_after(|s| {
        at(s, &format!("{REDEEM_REQUEST}/properties"))
            .as_object_mut()
            .unwrap()
            .insert("sceneCode".into(), json!({"type": "string"}));
        at(s, &format!("{REDEEM_REQUEST}/required"))
            .as_array_mut()
            .unwrap()
            .push(json!("sceneCode"));
    });
    assert_eq!(only(&changes).severity, Severity::Breaking);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn new_optional_request_field_is_safe() {
    let changes = diff_after(|s| {
        at(s, &format!("{REDEEM_REQUEST}/properties"))
            .as_object_mut()
            .unwrap()
            .insert("memo".into(), json!({"type": "string"}));
    });
    assert_eq!(only(&changes).severity, Severity::Safe);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn new_required_child_of_new_optional_parent_is_safe() {
    let changes = diff_after(|s| {
        at(s, &format!("{REDEEM_REQUEST}/properties"))
            .as_object_mut()
            .unwrap()
            .insert(
                "extra".into(),
                json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
            );
    });
    assert!(
        changes.iter().all(|c| c.severity == Severity::Safe),
        "{changes:#?}"
    );
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn optional_request_field_becoming_required_is_breaking() {
    let changes = diff_after(|s| {
        at(s, &format!("{REDEEM_REQUEST}/required"))
            .as_array_mut()
            .unwrap()
            .push(json!("note"));
    });
    assert_eq!(only(&changes).severity, Severity::Breaking);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn removed_request_field_is_potentially_breaking() {
    let changes = diff_after(|s| {
        at(s, &format!("{REDEEM_REQUEST}/properties"))
            .as_object_mut()
            .unwrap()
            .remove("note");
    });
    assert_eq!(only(&changes).severity, Severity::PotentiallyBreaking);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn tighter_request_max_length_is_breaking() {
    let changes = diff_after(|s| {
        *at(s, &format!("{REDEEM_REQUEST}/properties/bizNo/maxLength")) = json!(32);
    });
    assert_eq!(only(&changes).severity, Severity::Breaking);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn looser_request_max_length_is_safe() {
    let changes = diff_after(|s| {
        *at(s, &format!("{REDEEM_REQUEST}/properties/bizNo/maxLength")) = json!(128);
    });
    assert_eq!(only(&changes).severity, Severity::Safe);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn raised_request_minimum_in_nested_schema_is_breaking() {
    let changes = diff_after(|s| {
        *at(s, "/components/schemas/Line/properties/amount/minimum") = json!(10);
    });
    assert_eq!(only(&changes).severity, Severity::Breaking);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn tighter_response_limits_are_safe_for_lenient_clients() {
    let changes = diff_after(|s| {
        *at(s, &format!("{QUERY_RESPONSE}/tags/maxItems")) = json!(1);
        *at(s, &format!("{QUERY_RESPONSE}/stock/maximum")) = json!(10);
    });
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|c| c.severity == Severity::Safe));
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn new_enum_value_is_safe_and_removed_request_value_is_breaking() {
    let changes = diff_after(|s| {
        *at(s, &format!("{QUERY_RESPONSE}/status/enum")) = json!(["valid", "closed", "paused"]);
        *at(s, &format!("{REDEEM_REQUEST}/properties/kind/enum")) = json!(["COUPON"]);
    });
    let severities: Vec<Severity> = changes.iter().map(|c| c.severity).collect();
    assert!(severities.contains(&Severity::Breaking), "{changes:#?}");
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn changed_type_is_breaking() {
    let changes = diff_after(|s| {
        *at(s, &format!("{QUERY_RESPONSE}/stock/type")) = json!("string");
    });
    assert!(changes.iter().any(|c| c.severity == Severity::Breaking));
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn required_response_field_becoming_optional_is_breaking() {
    let changes = diff_after(|s| {
        *at(s, "/components/schemas/RedeemThingResponse/required") = json!([]);
    });
    assert_eq!(only(&changes).severity, Severity::Breaking);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn new_required_request_header_is_breaking() {
    let changes = diff_after(|s| {
        at(s, &format!("{QUERY}/parameters"))
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "Agent-Token", "in": "header", "required": true, "schema": {"type": "string"}}));
    });
    assert_eq!(only(&changes).severity, Severity::Breaking);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn operation_added_removed_and_moved() {
    let changes = diff_after(|s| {
        let paths = at(s, "/paths").as_object_mut().unwrap();
        let query = paths.remove("/api/open/v1/thing/query").unwrap();
        paths.insert("/api/open/v2/thing/query".into(), query);
        let mut redeem = paths.remove("/api/open/v1/thing/redeem").unwrap();
        redeem["post"]["operationId"] = json!("redeemThingV2");
        paths.insert("/api/open/v2/thing/redeem".into(), redeem);
    });
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn resolved_assumption_is_reported_as_safe() {
    let changes = diff_after(|s| {
        at(s, QUERY).as_object_mut().unwrap().remove("x-assumption");
    });
    assert_eq!(only(&changes).severity, Severity::Safe);
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn markdown_and_json_reports() {
    let changes = diff_after(|s| {
        *at(s, &format!("{REDEEM}/x-result-codes/2/status")) = json!("U");
        *at(s, &format!("{REDEEM}/x-result-codes/2/message")) = json!("Maybe | not");
    });
    insta::assert_snapshot!(
        "markdown_report",
        spec_diff::render(&changes, "v1", "v2", Format::Markdown)
    );
    insta::assert_snapshot!(
        "json_report",
        spec_diff::render(&changes, "v1", "v2", Format::Json)
    );
}

#[test]
fn spec_source_reads_files_and_git_revisions() {
    let root = xtask::project_root().unwrap();
    let from_file =
        xtask::spec_source::read(crate::fixture("base.yaml").to_str().unwrap(), &root).unwrap();
    assert!(from_file.contains("redeemThing"));
    let err = xtask::spec_source::read("no-such-revision-xyz", &root).unwrap_err();
    assert!(err.contains("neither a file nor a git revision"), "{err}");
}

#[test]
fn new_response_one_of_branch_is_potentially_breaking() {
    let changes = diff_after(|s| {
        at(s, &format!("{QUERY_RESPONSE}/reward/oneOf"))
            .as_array_mut()
            .unwrap()
            .push(json!({"$ref": "#/components/schemas/Points"}));
        at(s, &format!("{QUERY_RESPONSE}/reward/oneOf/2"))["$ref"] =
            json!("#/components/schemas/Gift");
        at(s, "/components/schemas")["Gift"] = json!({"type": "object"});
    });
    let change = only(&changes);
    assert_eq!(change.severity, Severity::PotentiallyBreaking);
    assert_eq!(change.detail, "oneOf/anyOf branch `Gift` added");
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn tighter_item_constraint_is_a_change_of_the_item_row() {
    let changes = diff_after(|s| {
        at(s, &format!("{QUERY_RESPONSE}/tags/items"))["maxLength"] = json!(8);
    });
    let change = only(&changes);
    assert_eq!(change.subject, "queryThing response field tags[]");
    assert_eq!(change.detail, "maxLength: (none) -> 8");
    // Responses are decoded leniently; the same change on a request item breaks callers.
    assert_eq!(change.severity, Severity::Safe);
    let mut old = base();
    at(&mut old, &format!("{REDEEM_REQUEST}/properties"))["codes"] =
        json!({"type": "array", "items": {"type": "string"}});
    let mut new = old.clone();
    at(
        &mut new,
        &format!("{REDEEM_REQUEST}/properties/codes/items"),
    )["pattern"] = json!("^[A-Z]+$");
    let changes = spec_diff::diff(
        &SpecFacts::from_value(&old).unwrap(),
        &SpecFacts::from_value(&new).unwrap(),
    );
    assert_eq!(only(&changes).severity, Severity::PotentiallyBreaking);
    assert_eq!(only(&changes).subject, "redeemThing request field codes[]");
    insta::assert_snapshot!(report(&changes));
}

#[test]
fn new_request_condition_is_breaking_and_a_new_default_potentially() {
    let changes = diff_after(|s| {
        at(s, REDEEM_REQUEST)["x-conditions"] =
            json!([{"if": [{"kind": "POINT"}], "required": ["note"]}]);
    });
    let change = only(&changes);
    assert_eq!(change.severity, Severity::Breaking);
    assert_eq!(change.subject, "redeemThing request field note");
    assert_eq!(
        change.detail,
        "condition added: required when kind is POINT"
    );
    insta::assert_snapshot!(report(&changes));
    let changes = diff_after(|s| {
        let response = format!("{QUERY}/responses/200/content/application~1json/schema");
        at(s, &response)["x-conditions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"if": [{"type": "TICKET"}], "default": {"status": "closed"}}));
    });
    assert_eq!(only(&changes).severity, Severity::PotentiallyBreaking);
}

/// Diffs the base fixture changed by `old_edit` against it changed by `new_edit`.
fn diff_between(
    old_edit: impl FnOnce(&mut Value),
    new_edit: impl FnOnce(&mut Value),
) -> Vec<Change> {
    let (mut old, mut new) = (base(), base());
    old_edit(&mut old);
    new_edit(&mut new);
    spec_diff::diff(
        &SpecFacts::from_value(&old).unwrap(),
        &SpecFacts::from_value(&new).unwrap(),
    )
}

fn with_request_condition(rule: Value) -> impl FnOnce(&mut Value) {
    move |s: &mut Value| at(s, REDEEM_REQUEST)["x-conditions"] = json!([rule])
}

#[test]
fn a_tightened_request_condition_is_breaking_and_a_loosened_one_safe() {
    let two = json!({"if": [{"kind": "POINT"}], "enum": {"note": ["a", "b"]}});
    let one = json!({"if": [{"kind": "POINT"}], "enum": {"note": ["a"]}});
    let changes = diff_between(
        with_request_condition(two.clone()),
        with_request_condition(one.clone()),
    );
    let change = only(&changes);
    assert_eq!(change.severity, Severity::Breaking);
    assert_eq!(change.subject, "redeemThing request field note");
    assert_eq!(
        change.detail,
        "condition tightened: enum a, b when kind is POINT -> enum a when kind is POINT"
    );
    let changes = diff_between(with_request_condition(one), with_request_condition(two));
    assert_eq!(only(&changes).severity, Severity::Safe);
    assert!(only(&changes).detail.starts_with("condition loosened: "));
}

#[test]
fn a_condition_whose_trigger_widens_is_tighter_and_a_new_pattern_only_potentially() {
    let point = json!({"if": [{"kind": "POINT"}], "required": ["note"]});
    let more = json!({"if": [{"kind": ["POINT", "CASH"]}], "required": ["note"]});
    let changes = diff_between(
        with_request_condition(point.clone()),
        with_request_condition(more.clone()),
    );
    assert_eq!(only(&changes).severity, Severity::Breaking);
    assert_eq!(
        only(&changes).detail,
        "condition tightened: required when kind is POINT -> required when kind is POINT or CASH"
    );
    // `unless` turns it around: excluding more cases applies the rule less often.
    let unless = |rule: &Value| {
        let mut rule = rule.clone();
        let when = rule["if"].take();
        rule["unless"] = when;
        rule.as_object_mut().unwrap().remove("if");
        rule
    };
    let changes = diff_between(
        with_request_condition(unless(&point)),
        with_request_condition(unless(&more)),
    );
    assert_eq!(only(&changes).severity, Severity::Safe);
    assert!(only(&changes).detail.starts_with("condition loosened: "));
    // Another pattern cannot be ordered: potentially breaking in a request ...
    let pattern = |p: &str| json!({"if": [{"kind": "POINT"}], "pattern": {"note": p}});
    let changes = diff_between(
        with_request_condition(pattern("^a")),
        with_request_condition(pattern("^b")),
    );
    assert_eq!(only(&changes).severity, Severity::PotentiallyBreaking);
    assert_eq!(
        only(&changes).detail,
        "condition changed: pattern ^a when kind is POINT -> pattern ^b when kind is POINT"
    );
    // ... and safe in a response (lenient clients).
    let response = format!("{QUERY}/responses/200/content/application~1json/schema");
    let changes = diff_after(|s| {
        at(s, &response)["x-conditions"][1]["pattern"] = json!({"link": "^https://"});
    });
    assert_eq!(only(&changes).severity, Severity::Safe);
    assert!(only(&changes).detail.starts_with("condition changed: "));
}

#[test]
fn either_of_added_removed_and_changed_by_side() {
    let either = |fields: Value| move |s: &mut Value| at(s, REDEEM_REQUEST)["x-either-of"] = fields;
    let changes = diff_after(either(json!(["note", "bizNo"])));
    let change = only(&changes);
    assert_eq!(change.severity, Severity::Breaking);
    assert_eq!(change.subject, "redeemThing request fields note, bizNo");
    assert_eq!(
        change.detail,
        "x-either-of added: exactly one of note, bizNo"
    );
    // Removing it lets more requests through.
    let changes = diff_between(either(json!(["note", "bizNo"])), |_| {});
    assert_eq!(only(&changes).severity, Severity::Safe);
    assert_eq!(
        only(&changes).detail,
        "x-either-of removed: exactly one of note, bizNo"
    );
    // Dropping a field breaks callers that sent it; only adding one may.
    let changes = diff_between(
        either(json!(["note", "bizNo", "kind"])),
        either(json!(["note", "bizNo"])),
    );
    assert_eq!(only(&changes).severity, Severity::Breaking);
    assert_eq!(
        only(&changes).detail,
        "x-either-of changed: exactly one of note, bizNo, kind -> exactly one of note, bizNo"
    );
    let changes = diff_between(
        either(json!(["note", "bizNo"])),
        either(json!(["note", "bizNo", "kind"])),
    );
    assert_eq!(only(&changes).severity, Severity::PotentiallyBreaking);
    // The same order-insensitive rule is no change.
    assert!(
        diff_between(
            either(json!(["note", "bizNo"])),
            either(json!(["bizNo", "note"]))
        )
        .is_empty()
    );
    // In a response: added is safe, removed potentially breaking.
    let response = format!("{QUERY}/responses/200/content/application~1json/schema");
    let response_either =
        |s: &mut Value| at(s, &response)["x-either-of"] = json!(["status", "link"]);
    let changes = diff_after(response_either);
    assert_eq!(only(&changes).severity, Severity::Safe);
    assert_eq!(
        only(&changes).subject,
        "queryThing response fields status, link"
    );
    let changes = diff_between(response_either, |_| {});
    assert_eq!(only(&changes).severity, Severity::PotentiallyBreaking);
}

/// `queryThing`'s response field `link`, which the edits give an `x-unchecked` note.
fn link(spec: &mut Value) -> &mut serde_json::Map<String, Value> {
    at(spec, &format!("{QUERY_RESPONSE}/link"))
        .as_object_mut()
        .expect("link is a mapping")
}

#[test]
fn unchecked_note_added_removed_or_changed_is_a_safe_documentation_change() {
    let note = "The page at the link is under 1 MB.";
    let added = diff_after(|s| {
        link(s).insert("x-unchecked".into(), json!(note));
    });
    assert_eq!(
        only(&added),
        &Change {
            severity: Severity::Safe,
            subject: "queryThing response field link".into(),
            detail: format!("x-unchecked note added (documentation): {note}"),
        }
    );
    // The reverse edit: the note removed.
    let mut with_note = base();
    link(&mut with_note).insert("x-unchecked".into(), json!(note));
    let old = SpecFacts::from_value(&with_note).unwrap();
    let removed = spec_diff::diff(&old, &SpecFacts::from_value(&base()).unwrap());
    assert_eq!(
        only(&removed).detail,
        format!("x-unchecked note removed (documentation): was {note}")
    );
    assert_eq!(only(&removed).severity, Severity::Safe);
    let mut reworded = with_note.clone();
    link(&mut reworded).insert("x-unchecked".into(), json!("Under 2 MB."));
    let changed = spec_diff::diff(&old, &SpecFacts::from_value(&reworded).unwrap());
    assert_eq!(only(&changed).severity, Severity::Safe);
    insta::assert_snapshot!(report(&[added, removed, changed].concat()));
}

#[test]
fn unchecked_note_on_a_request_field_is_safe_too() {
    let changes = diff_after(|s| {
        at(s, &format!("{REDEEM_REQUEST}/properties/note"))
            .as_object_mut()
            .unwrap()
            .insert("x-unchecked".into(), json!("Written in English."));
    });
    assert_eq!(only(&changes).severity, Severity::Safe);
    assert_eq!(only(&changes).subject, "redeemThing request field note");
}

#[test]
fn a_request_object_that_forbids_other_keys_is_potentially_breaking() {
    let changes = diff_after(|s| {
        at(s, "/components/schemas/Line")["additionalProperties"] = json!(false);
    });
    let change = only(&changes);
    assert_eq!(change.severity, Severity::PotentiallyBreaking);
    assert_eq!(change.subject, "redeemThing request object lines[]");
    insta::assert_snapshot!(report(&changes));
    // The body itself is named as the body.
    let changes = diff_after(|s| {
        at(s, REDEEM_REQUEST)["additionalProperties"] = json!(false);
    });
    assert_eq!(only(&changes).subject, "redeemThing request body");
    // Opening it again, or closing a response, is safe for lenient clients.
    let close = |s: &mut Value| at(s, REDEEM_REQUEST)["additionalProperties"] = json!(false);
    let change = diff_between(close, |_| {});
    assert_eq!(only(&change).severity, Severity::Safe);
    let changes = diff_after(|s| {
        let response = format!("{QUERY}/responses/200/content/application~1json/schema");
        at(s, &response)["additionalProperties"] = json!(false);
    });
    assert_eq!(only(&changes).severity, Severity::Safe);
    assert_eq!(only(&changes).subject, "queryThing response body");
}
