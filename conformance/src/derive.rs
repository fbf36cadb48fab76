//! Cases derived from the spec table: nothing here names an operation or a result code
//! except the two protocol conventions below.

use alipayhk_runtime::ResultStatus;
use alipayhk_runtime::headers::{CLIENT_ID, REQUEST_TIME, SIGNATURE};

use crate::case::{Case, CaseKind, Expectation};
use crate::spec::{CodeSpec, OperationSpec, SpecTable};
use crate::wire::{SignedPart, Tamper};

/// The request headers every operation requires (the spec's `ClientId`, `RequestTime` and
/// `Signature` parameters, `required: true`).
pub const REQUIRED_REQUEST_HEADERS: [&str; 3] = [CLIENT_ID, REQUEST_TIME, SIGNATURE];

/// The code a server answers when an idempotency key is reused with different parameters
/// (Antom family convention, an assumption: protocol.md §E2).
pub const INCONSISTENT_REPLAY_CODE: &str = "REPEAT_REQ_INCONSISTENT";

/// Where a gateway rejection of an unknown path carries its result: `result`, the field of
/// four of the five operations (an assumption; the pages document no such rejection).
pub const GATEWAY_RESULT_FIELD: &str = "result";

/// Every case for every operation, in spec order.
pub fn derive_cases(table: &SpecTable) -> Vec<Case> {
    table
        .operations
        .iter()
        .flat_map(|op| operation_cases(table, op))
        .collect()
}

/// The cases of one operation.
pub fn operation_cases(table: &SpecTable, op: &OperationSpec) -> Vec<Case> {
    let mut cases = vec![success_case(op, "success", CaseKind::Success)];
    for code in &op.result_codes {
        if code.status == ResultStatus::Success {
            continue; // the success path covers it with a real request
        }
        cases.push(Case {
            operation: op.id.clone(),
            name: format!("code_{}", code.code),
            kind: CaseKind::ScriptedCode {
                code: code.code.clone(),
            },
            expect: documented(op, code),
            skip: None,
        });
    }
    for tamper in protocol_tampers() {
        cases.push(protocol_case(table, op, tamper));
    }
    cases.push(success_case(
        op,
        "encrypted_round_trip",
        CaseKind::EncryptedRoundTrip,
    ));
    if op.idempotency_key.is_some() {
        cases.push(success_case(
            op,
            "idempotent_replay",
            CaseKind::IdempotentReplay,
        ));
        cases.push(inconsistent_replay_case(op));
    }
    cases
}

/// The protocol defects, one case each.
pub fn protocol_tampers() -> Vec<Tamper> {
    let mut tampers: Vec<Tamper> = REQUIRED_REQUEST_HEADERS
        .iter()
        .map(|h| Tamper::OmitHeader((*h).to_owned()))
        .collect();
    tampers.extend([
        Tamper::MalformedSignature,
        Tamper::SignOverChanged(SignedPart::Body),
        Tamper::SignOverChanged(SignedPart::Path),
        Tamper::SignOverChanged(SignedPart::Time),
        Tamper::SignOverChanged(SignedPart::ClientId),
        Tamper::UnknownClientId,
        Tamper::WrongKeyVersion,
        Tamper::StaleRequestTime,
        Tamper::WrongContentType,
        Tamper::OversizedBody,
        Tamper::GarbledEncryption,
        Tamper::UnknownPath,
    ]);
    tampers
}

fn success_case(op: &OperationSpec, name: &str, kind: CaseKind) -> Case {
    let (expect, skip) = match op.success_code() {
        Some(code) => (documented(op, code), None),
        None => (
            placeholder_expectation(),
            Some(format!("the spec documents no S code for {}", op.id)),
        ),
    };
    Case {
        operation: op.id.clone(),
        name: name.to_owned(),
        kind,
        expect,
        skip,
    }
}

fn protocol_case(table: &SpecTable, op: &OperationSpec, tamper: Tamper) -> Case {
    let reason = tamper.reject_reason();
    let (expect, skip) = match table.common_code_for(reason) {
        Some(common) => (
            Expectation {
                http_status: common.http_status,
                result_field: if tamper == Tamper::UnknownPath {
                    // The server cannot know the operation of a path it does not define.
                    GATEWAY_RESULT_FIELD.to_owned()
                } else {
                    op.result_field.clone()
                },
                result_code: common.code.clone(),
                result_status: common.status,
            },
            None,
        ),
        None => (
            placeholder_expectation(),
            Some(format!(
                "the spec's x-common-result-codes has no code with reason `{reason}`"
            )),
        ),
    };
    Case {
        operation: op.id.clone(),
        name: tamper.case_name(),
        kind: CaseKind::Protocol(tamper),
        expect,
        skip,
    }
}

fn inconsistent_replay_case(op: &OperationSpec) -> Case {
    let (expect, skip) = match op.code(INCONSISTENT_REPLAY_CODE) {
        Some(code) => (documented(op, code), None),
        None => (
            placeholder_expectation(),
            Some(format!(
                "{} does not document {INCONSISTENT_REPLAY_CODE}",
                op.id
            )),
        ),
    };
    Case {
        operation: op.id.clone(),
        name: "inconsistent_replay".to_owned(),
        kind: CaseKind::InconsistentReplay,
        expect,
        skip,
    }
}

/// An HTTP 200 answer with one of the operation's documented codes, in its result field.
fn documented(op: &OperationSpec, code: &CodeSpec) -> Expectation {
    Expectation {
        http_status: 200,
        result_field: op.result_field.clone(),
        result_code: code.code.clone(),
        result_status: code.status,
    }
}

fn placeholder_expectation() -> Expectation {
    Expectation {
        http_status: 200,
        result_field: String::new(),
        result_code: String::new(),
        result_status: ResultStatus::Unknown,
    }
}
