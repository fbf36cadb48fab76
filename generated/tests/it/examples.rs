//! Every example in the spec decodes into the generated types, validates, and re-encodes to
//! the same JSON.

use alipayhk_api::models::*;
use alipayhk_api::spec::{self, OPERATIONS};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn round_trip<T: DeserializeOwned + Serialize>(
    json: &str,
    validate: impl Fn(&T) -> Result<(), alipayhk_api::ValidationErrors>,
) {
    let original: Value = serde_json::from_str(json).expect("examples are JSON");
    let typed: T = serde_json::from_value(original.clone())
        .unwrap_or_else(|e| panic!("{json} does not decode: {e}"));
    validate(&typed).unwrap_or_else(|e| panic!("{json} does not validate: {e}"));
    let again = serde_json::to_value(&typed).expect("encodes");
    assert_eq!(again, original, "round trip changed the example");
}

fn example(id: &str, request: bool) -> &'static str {
    let op = spec::operation(id).unwrap_or_else(|| panic!("no operation {id}"));
    let json = if request {
        op.request_example
    } else {
        op.response_example
    };
    assert!(
        !json.is_empty(),
        "{id} has no {} example",
        if request { "request" } else { "response" }
    );
    json
}

#[test]
fn every_operation_has_request_and_response_examples() {
    assert_eq!(OPERATIONS.len(), 5);
    for op in OPERATIONS {
        assert!(!op.request_example.is_empty(), "{}", op.id);
        assert!(!op.response_example.is_empty(), "{}", op.id);
    }
}

#[test]
fn inquire_examples_round_trip() {
    round_trip::<InquireAPointRequest>(
        example("inquireAPoint", true),
        InquireAPointRequest::validate,
    );
    round_trip::<InquireAPointResponse>(
        example("inquireAPoint", false),
        InquireAPointResponse::validate,
    );
}

#[test]
fn issue_examples_round_trip() {
    round_trip::<IssueAPointRequest>(example("issueAPoint", true), IssueAPointRequest::validate);
    round_trip::<IssueAPointResponse>(example("issueAPoint", false), IssueAPointResponse::validate);
}

#[test]
fn redeem_examples_round_trip() {
    round_trip::<RedeemAPointRequest>(example("redeemAPoint", true), RedeemAPointRequest::validate);
    round_trip::<RedeemAPointResponse>(
        example("redeemAPoint", false),
        RedeemAPointResponse::validate,
    );
}

#[test]
fn query_template_examples_round_trip() {
    round_trip::<QueryTemplateRequest>(
        example("queryTemplate", true),
        QueryTemplateRequest::validate,
    );
    round_trip::<QueryTemplateResponse>(
        example("queryTemplate", false),
        QueryTemplateResponse::validate,
    );
}

#[test]
fn update_membership_card_examples_round_trip() {
    round_trip::<UpdateMembershipCardRequest>(
        example("updateMembershipCard", true),
        UpdateMembershipCardRequest::validate,
    );
    round_trip::<UpdateMembershipCardResponse>(
        example("updateMembershipCard", false),
        UpdateMembershipCardResponse::validate,
    );
}

#[test]
fn unknown_keys_survive_a_round_trip() {
    let json = r#"{"amount":5,"unitPrice":{"cent":100},"note":"kept"}"#;
    let line: BenefitRedeemInfo = serde_json::from_str(json).expect("decodes");
    assert_eq!(line.amount, 5);
    assert_eq!(line.extra.len(), 2);
    let again = serde_json::to_value(&line).expect("encodes");
    assert_eq!(again, serde_json::from_str::<Value>(json).expect("json"));
}

#[test]
fn unknown_enum_value_decodes_and_re_encodes() {
    let json = r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S"},"status":"frozen","type":"VOUCHER"}"#;
    let response: QueryTemplateResponse =
        serde_json::from_str(json).expect("a new value never breaks decoding");
    assert_eq!(
        response.status,
        Some(QueryTemplateResponseStatus::Unknown("frozen".into()))
    );
    assert_eq!(
        serde_json::to_value(&response).expect("encodes"),
        serde_json::from_str::<Value>(json).expect("json")
    );
}

#[test]
fn the_operation_table_checks_bodies_against_their_models() {
    for op in OPERATIONS {
        (op.check_request)(op.request_example.as_bytes())
            .unwrap_or_else(|e| panic!("{} request example: {e}", op.id));
        (op.check_response)(op.response_example.as_bytes())
            .unwrap_or_else(|e| panic!("{} response example: {e}", op.id));
        assert!(
            matches!(
                (op.check_response)(b"[1, 2]"),
                Err(spec::BodyProblem::Undecodable(_))
            ),
            "{}: a JSON array is not a response",
            op.id
        );
    }
    // Decodes, but breaks a stated constraint: maxLength 32 on templateCode.
    let long_code = format!(
        r#"{{"result":{{"resultCode":"SUCCESS","resultStatus":"S"}},"templateCode":"{}"}}"#,
        "8".repeat(33)
    );
    let query = spec::operation("queryTemplate").expect("query template");
    match (query.check_response)(long_code.as_bytes()) {
        Err(spec::BodyProblem::Invalid(errors)) => {
            assert!(errors.to_string().contains("templateCode"), "{errors}")
        }
        other => panic!("expected a constraint violation, got {other:?}"),
    }
}
