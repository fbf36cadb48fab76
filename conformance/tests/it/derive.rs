//! Cases come from the spec table, not from a hand-written list.

use alipayhk_conformance::{CaseKind, SpecTable, derive_cases};
use alipayhk_runtime::ResultStatus;

#[test]
fn every_documented_non_success_code_has_a_scripted_case() {
    let table = SpecTable::from_generated();
    let cases = derive_cases(&table);
    for op in table.operations {
        for code in op
            .result_codes
            .iter()
            .filter(|c| c.status != ResultStatus::Success)
        {
            let name = format!("code_{}", code.code);
            let case = cases
                .iter()
                .find(|c| c.operation == op.id && c.name == name)
                .unwrap_or_else(|| panic!("{}/{name} missing", op.id));
            assert_eq!(
                case.kind,
                CaseKind::ScriptedCode {
                    code: code.code.to_owned()
                }
            );
            assert_eq!(case.expect.result_status, code.status);
        }
    }
}

#[test]
fn protocol_cases_expect_the_common_code_named_by_their_reason() {
    let table = SpecTable::from_generated();
    let cases = derive_cases(&table);
    let expect = |name: &str| {
        cases
            .iter()
            .find(|c| c.operation == "issueAPoint" && c.name == name)
            .map(|c| c.expect.result_code.clone())
            .unwrap_or_default()
    };
    assert_eq!(expect("missing_signature"), "INVALID_HEADER");
    assert_eq!(expect("signature_over_changed_path"), "INVALID_SIGNATURE");
    assert_eq!(expect("unknown_client_id"), "INVALID_CLIENT");
    assert_eq!(expect("wrong_key_version"), "KEY_NOT_FOUND");
    assert_eq!(
        expect("request_time_outside_window"),
        "INVALID_REQUEST_TIME"
    );
    assert_eq!(expect("wrong_content_type"), "MEDIA_TYPE_NOT_ACCEPTABLE");
    assert_eq!(expect("oversized_body"), "REQUEST_TOO_LARGE");
    assert_eq!(expect("garbled_encryption"), "INVALID_ENCRYPTION");
    assert_eq!(expect("unknown_path"), "NO_INTERFACE_DEF");
    assert_eq!(expect("inconsistent_replay"), "REPEAT_REQ_INCONSISTENT");
}

#[test]
fn replay_cases_exist_only_for_operations_with_an_idempotency_key() {
    let table = SpecTable::from_generated();
    let cases = derive_cases(&table);
    for op in table.operations {
        let replays = cases
            .iter()
            .filter(|c| c.operation == op.id && c.name.ends_with("_replay"))
            .count();
        assert_eq!(
            replays,
            if op.idempotency_key.is_some() { 2 } else { 0 },
            "{}",
            op.id
        );
    }
}

#[test]
fn an_added_code_adds_a_case() {
    let table = SpecTable::from_generated();
    let before = derive_cases(&table).len();
    let mut operations = table.operations.to_vec();
    let mut codes = operations[0].result_codes.to_vec();
    codes.push(alipayhk_api::spec::ResultCodeInfo {
        code: "NEW_CODE",
        status: ResultStatus::Failure,
        message: "A code the next spec adds.",
        assumption: None,
    });
    operations[0].result_codes = codes.leak();
    let table = SpecTable {
        operations: &operations,
        ..table
    };
    let cases = derive_cases(&table);
    assert_eq!(cases.len(), before + 1);
    assert!(cases.iter().any(|c| c.name == "code_NEW_CODE"));
}

/// Every protocol defect the suite sends, one case each, in the order it sends them.
const PROTOCOL_CASES: [&str; 22] = [
    "missing_client_id",
    "missing_request_time",
    "missing_signature",
    "malformed_signature",
    "signature_over_changed_body",
    "signature_over_changed_path",
    "signature_over_changed_time",
    "signature_over_changed_client_id",
    "unknown_client_id",
    "wrong_key_version",
    "request_time_outside_window",
    "request_time_in_future",
    "request_time_without_offset",
    "request_time_garbage",
    "signature_unknown_algorithm",
    "signature_without_signature_key",
    "signature_key_version_not_a_number",
    "signature_truncated",
    "wrong_content_type",
    "oversized_body",
    "garbled_encryption",
    "unknown_path",
];

#[test]
fn cases_per_operation() {
    // Per operation, in this order: the success path, each documented non-S code, every
    // protocol defect, the encrypted round trip, and both replays where calls are idempotent.
    let table = SpecTable::from_generated();
    let cases = derive_cases(&table);
    let mut total = 0;
    for op in table.operations {
        let mut expected = vec!["success".to_owned()];
        expected.extend(
            op.result_codes
                .iter()
                .filter(|c| c.status != ResultStatus::Success)
                .map(|c| format!("code_{}", c.code)),
        );
        expected.extend(PROTOCOL_CASES.map(String::from));
        expected.push("encrypted_round_trip".into());
        if op.idempotency_key.is_some() {
            expected.extend(["idempotent_replay".into(), "inconsistent_replay".into()]);
        }
        // One invalid request per rule of the request table, after both body cases.
        let invalid: Vec<String> = alipayhk_conformance::derive::invalid_request_cases(op)
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            invalid.first().map(String::as_str),
            Some("invalid/body/not_json")
        );
        // One per breakable rule (an untyped value has no wrong type), the body's type
        // giving both body cases.
        let breakable = alipayhk_conformance::invalid::breaches(op.request_rules).len();
        assert_eq!(invalid.len(), breakable, "{}: {invalid:?}", op.id);
        assert!(breakable > op.request_rules.len() / 2, "{}", op.id);
        expected.extend(invalid);
        expected.extend(
            alipayhk_conformance::derive::business_cases(op)
                .into_iter()
                .map(|c| c.name),
        );
        let of_op: Vec<_> = cases.iter().filter(|c| c.operation == op.id).collect();
        let names: Vec<&str> = of_op.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, expected, "{}", op.id);
        let skipped: Vec<&str> = of_op
            .iter()
            .filter(|c| c.skip.is_some())
            .map(|c| c.name.as_str())
            .collect();
        assert!(skipped.is_empty(), "{}: skipped {skipped:?}", op.id);
        total += expected.len();
    }
    assert_eq!(
        cases.len(),
        total,
        "no case belongs to an unknown operation"
    );
}
