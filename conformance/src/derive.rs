//! Cases derived from the spec table: nothing here names an operation or a result code
//! except the two protocol conventions below.

use alipayhk_runtime::ResultStatus;
use alipayhk_runtime::headers::{CLIENT_ID, REQUEST_TIME, SIGNATURE};

use crate::business::Sequence;
use crate::case::{Case, CaseKind, Expectation};
use crate::invalid::{breach_name, breaches};
use crate::schema_walk::RequestSchema;
use crate::spec::{SpecTable, example_request, illegal, success_code};
use crate::wire::{SignatureDefect, SignedPart, Tamper, TimeDefect};
use alipayhk_api::spec::{OperationInfo, ResultCodeInfo};

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
pub fn derive_cases(table: &SpecTable<'_>) -> Vec<Case> {
    table
        .operations
        .iter()
        .flat_map(|op| operation_cases(table, op))
        .collect()
}

/// The cases of one operation.
pub fn operation_cases(table: &SpecTable<'_>, op: &OperationInfo) -> Vec<Case> {
    let mut cases = vec![success_case(op, "success", CaseKind::Success)];
    for code in op.result_codes {
        if code.status == ResultStatus::Success {
            continue; // the success path covers it with a real request
        }
        cases.push(Case {
            operation: op.id.to_owned(),
            name: format!("code_{}", code.code),
            kind: CaseKind::ScriptedCode {
                code: code.code.to_owned(),
            },
            expect: documented(op, code),
            skip: None,
            assumption: None,
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
    cases.extend(invalid_request_cases(op));
    cases.extend(business_cases(op));
    cases
}

/// One case per rule of the operation's request table, plus a body that is not JSON and
/// one that is not an object; each expects the operation's `*_ILLEGAL` code.
pub fn invalid_request_cases(op: &OperationInfo) -> Vec<Case> {
    if op.request_rules.is_empty() {
        return Vec::new();
    }
    let example = example_request(op);
    let schema = RequestSchema::new(op.request_rules, &example);
    let (expect, skip) = match illegal(op) {
        Some(code) => (documented(op, code), None),
        None => (
            placeholder_expectation(),
            Some(format!(
                "{} does not document its illegal-parameter code {}",
                op.id, op.illegal_code
            )),
        ),
    };
    let mut names: Vec<String> = Vec::new();
    let mut cases = Vec::new();
    for breach in breaches(op.request_rules) {
        let mut name = format!("invalid/{}", breach_name(&schema, &example, breach));
        // Two rules of one kind at one path (an item pattern and its own) stay apart.
        let mut n = 1;
        while names.contains(&name) {
            n += 1;
            name = format!("invalid/{}#{n}", breach_name(&schema, &example, breach));
        }
        names.push(name.clone());
        let assumption = match breach {
            crate::invalid::Breach::Rule(i) => op
                .request_rules
                .get(i)
                .and_then(|r| r.assumption)
                .map(str::to_owned),
            _ => None,
        };
        cases.push(Case {
            operation: op.id.to_owned(),
            name,
            kind: CaseKind::InvalidRequest(breach),
            expect: expect.clone(),
            skip: skip.clone(),
            assumption,
        });
    }
    cases
}

/// The business sequences about this operation (see [`crate::business`]).
pub fn business_cases(op: &OperationInfo) -> Vec<Case> {
    Sequence::ALL
        .into_iter()
        .filter(|s| s.operation().as_str() == op.id)
        .map(|sequence| {
            let (expect, skip) = match success_code(op) {
                Some(code) => (documented(op, code), None),
                None => (
                    placeholder_expectation(),
                    Some(format!("the spec documents no S code for {}", op.id)),
                ),
            };
            Case {
                operation: op.id.to_owned(),
                name: sequence.name().to_owned(),
                kind: CaseKind::Business(sequence),
                expect,
                skip,
                assumption: None,
            }
        })
        .collect()
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
        Tamper::RequestTime(TimeDefect::Future),
        Tamper::RequestTime(TimeDefect::WithoutOffset),
        Tamper::RequestTime(TimeDefect::Garbage),
        Tamper::Signature(SignatureDefect::UnknownAlgorithm),
        Tamper::Signature(SignatureDefect::NoSignatureKey),
        Tamper::Signature(SignatureDefect::KeyVersionNotANumber),
        Tamper::Signature(SignatureDefect::Truncated),
        Tamper::WrongContentType,
        Tamper::OversizedBody,
        Tamper::GarbledEncryption,
        Tamper::UnknownPath,
    ]);
    tampers
}

fn success_case(op: &OperationInfo, name: &str, kind: CaseKind) -> Case {
    let (expect, skip) = match success_code(op) {
        Some(code) => (documented(op, code), None),
        None => (
            placeholder_expectation(),
            Some(format!("the spec documents no S code for {}", op.id)),
        ),
    };
    Case {
        operation: op.id.to_owned(),
        name: name.to_owned(),
        kind,
        expect,
        skip,
        assumption: None,
    }
}

fn protocol_case(table: &SpecTable<'_>, op: &OperationInfo, tamper: Tamper) -> Case {
    let reason = tamper.reject_reason();
    let (expect, skip) = match table.common_code_for(reason) {
        Some(common) => (
            Expectation {
                http_status: common.http_status,
                result_field: if tamper == Tamper::UnknownPath {
                    // The server cannot know the operation of a path it does not define.
                    GATEWAY_RESULT_FIELD.to_owned()
                } else {
                    op.result_field.to_owned()
                },
                result_code: common.code.to_owned(),
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
        operation: op.id.to_owned(),
        name: tamper.case_name(),
        kind: CaseKind::Protocol(tamper),
        expect,
        skip,
        assumption: None,
    }
}

fn inconsistent_replay_case(op: &OperationInfo) -> Case {
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
        operation: op.id.to_owned(),
        name: "inconsistent_replay".to_owned(),
        kind: CaseKind::InconsistentReplay,
        expect,
        skip,
        assumption: None,
    }
}

/// An HTTP 200 answer with one of the operation's documented codes, in its result field.
fn documented(op: &OperationInfo, code: &ResultCodeInfo) -> Expectation {
    Expectation {
        http_status: 200,
        result_field: op.result_field.to_owned(),
        result_code: code.code.to_owned(),
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
