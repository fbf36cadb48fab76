//! The conformance suite's view of the spec: operations, their result codes, and the
//! gateway-level common codes with the `reason` that triggers each.
//!
//! The suite never lists cases by hand; [`crate::derive`] turns a [`SpecTable`] into cases.
//! [`SpecTable::from_generated`] builds the table from `alipayhk_api::spec`, so a code
//! added to `spec/alipayhk.yaml` becomes a case after `cargo xtask codegen`.

use alipayhk_runtime::ResultStatus;

/// Decodes a response body with the generated model and runs its `validate()`.
pub type ResponseValidator = fn(&[u8]) -> Result<(), alipayhk_api::spec::BodyProblem>;

/// Decodes a request body with the generated model and runs its `validate()`.
pub type RequestValidator = fn(&[u8]) -> Result<(), alipayhk_api::spec::BodyProblem>;

pub use alipayhk_api::spec::RequestRule;

/// What the spec documents for `code` in an answer of `operation`: the status and message
/// of its own table's entry first, then of the gateway's common codes; `None` when neither
/// lists it. With [`ResultStatus::decide`], the outcome `alipayhk call` and `proxy` read.
pub fn documented_code(
    operation: &alipayhk_api::spec::OperationInfo,
    code: &str,
) -> Option<(ResultStatus, &'static str)> {
    operation
        .code(code)
        .map(|c| (c.status, c.message))
        .or_else(|| {
            alipayhk_api::spec::COMMON_RESULT_CODES
                .iter()
                .find(|c| c.code == code)
                .map(|c| (c.status, c.message))
        })
}

/// Everything the suite needs to know about the API.
#[derive(Debug, Clone)]
pub struct SpecTable {
    /// The operations, in spec order.
    pub operations: Vec<OperationSpec>,
    /// `x-common-result-codes`: codes any operation can return before its handler runs.
    pub common_codes: Vec<CommonCode>,
}

/// One operation of the spec.
#[derive(Debug, Clone)]
pub struct OperationSpec {
    /// `operationId`, e.g. `issueAPoint`.
    pub id: String,
    /// The request path, e.g. `/api/open/alipay/v1/promotion/benefit/issue`.
    pub path: String,
    /// `x-result-field`: `result` or `resultInfo`.
    pub result_field: String,
    /// `x-idempotency-key`, e.g. `bizNo`.
    pub idempotency_key: Option<String>,
    /// `x-result-codes`, in page order.
    pub result_codes: Vec<CodeSpec>,
    /// A valid request body (the spec's example); the simulator fixtures match it.
    pub example_request: serde_json::Value,
    /// Schema check of a (plaintext) response body; `None` checks the result object only.
    pub validate_response: Option<ResponseValidator>,
    /// The code answered for an invalid request (the one ending in `_ILLEGAL`).
    pub illegal_code: String,
    /// Every rule the spec states on the request body (empty: no invalid-request cases).
    pub request_rules: &'static [RequestRule],
    /// Schema check of a request body, the oracle of generated requests and mutants.
    pub validate_request: Option<RequestValidator>,
}

/// One documented result code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSpec {
    /// `resultCode`, e.g. `RISK_REJECT`.
    pub code: String,
    /// The documented `resultStatus`.
    pub status: ResultStatus,
}

/// One gateway-level code and the rejection reason that produces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonCode {
    /// `resultCode`, e.g. `INVALID_SIGNATURE`.
    pub code: String,
    /// The documented `resultStatus`.
    pub status: ResultStatus,
    /// The runtime's `RejectReason` name, e.g. `unknown_client`.
    pub reason: String,
    /// The documented HTTP status.
    pub http_status: u16,
}

impl SpecTable {
    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&OperationSpec> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The common code whose `reason` is `reason`.
    pub fn common_code_for(&self, reason: &str) -> Option<&CommonCode> {
        self.common_codes.iter().find(|c| c.reason == reason)
    }

    /// The documented status of `code` for `operation`: its own table first, then the
    /// common codes.
    pub fn documented_status(&self, operation: &OperationSpec, code: &str) -> Option<ResultStatus> {
        operation.code(code).map(|c| c.status).or_else(|| {
            self.common_codes
                .iter()
                .find(|c| c.code == code)
                .map(|c| c.status)
        })
    }
}

impl OperationSpec {
    /// The documented code named `code`.
    pub fn code(&self, code: &str) -> Option<&CodeSpec> {
        self.result_codes.iter().find(|c| c.code == code)
    }

    /// The illegal-parameter code with its documented status, if the table lists it.
    pub fn illegal(&self) -> Option<&CodeSpec> {
        self.code(&self.illegal_code)
    }

    /// The success code: the first code documented with status `S`.
    pub fn success_code(&self) -> Option<&CodeSpec> {
        self.result_codes
            .iter()
            .find(|c| c.status == ResultStatus::Success)
    }
}

impl SpecTable {
    /// The table of the generated crate (`alipayhk_api::spec`), with each operation's
    /// response checked against its generated model.
    pub fn from_generated() -> SpecTable {
        use alipayhk_api::spec::{COMMON_RESULT_CODES, OPERATIONS};
        let operations = OPERATIONS
            .iter()
            .map(|op| OperationSpec {
                id: op.id.to_owned(),
                path: op.path.to_owned(),
                result_field: op.result_field.to_owned(),
                idempotency_key: op.idempotency_key.map(str::to_owned),
                result_codes: op
                    .result_codes
                    .iter()
                    .map(|c| CodeSpec {
                        code: c.code.to_owned(),
                        status: c.status,
                    })
                    .collect(),
                // Missing or unparsable: the operation's cases are skipped with a reason.
                example_request: serde_json::from_str(op.request_example)
                    .unwrap_or(serde_json::Value::Null),
                validate_response: Some(op.check_response),
                illegal_code: op.illegal_code.to_owned(),
                request_rules: op.request_rules,
                validate_request: Some(op.check_request),
            })
            .collect();
        let common_codes = COMMON_RESULT_CODES
            .iter()
            .map(|c| CommonCode {
                code: c.code.to_owned(),
                status: c.status,
                reason: c.reason.as_str().to_owned(),
                http_status: c.http_status,
            })
            .collect();
        SpecTable {
            operations,
            common_codes,
        }
    }
}
