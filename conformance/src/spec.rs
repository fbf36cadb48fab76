//! The suite's view of the spec: the generated tables themselves
//! (`alipayhk_api::spec::OPERATIONS` and `COMMON_RESULT_CODES`), never a copy.
//!
//! The suite never lists cases by hand; [`crate::derive`] turns a [`SpecTable`] into cases.
//! [`SpecTable::from_generated`] is every operation and every common code of the spec, so
//! a code added to `spec/alipayhk.yaml` becomes a case after `cargo xtask codegen`; a test
//! may run the suite on fewer operations or codes by pointing at other slices of the same
//! generated types.

use alipayhk_runtime::ResultStatus;

use alipayhk_api::spec::{CommonCodeInfo, OperationInfo, ResultCodeInfo};

pub use alipayhk_api::spec::RequestRule;

/// Which operations and which gateway codes the suite runs on: slices of the generated
/// tables (or, in tests, of values of the same generated types).
#[derive(Debug, Clone, Copy)]
pub struct SpecTable<'a> {
    /// The operations, in spec order.
    pub operations: &'a [OperationInfo],
    /// `x-common-result-codes`: codes any operation can return before its handler runs.
    pub common_codes: &'a [CommonCodeInfo],
}

impl SpecTable<'static> {
    /// Every operation and common code of the generated crate (`alipayhk_api::spec`).
    pub fn from_generated() -> SpecTable<'static> {
        SpecTable {
            operations: alipayhk_api::spec::OPERATIONS,
            common_codes: alipayhk_api::spec::COMMON_RESULT_CODES,
        }
    }
}

impl<'a> SpecTable<'a> {
    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&'a OperationInfo> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The common code whose `reason` is `reason`.
    pub fn common_code_for(&self, reason: &str) -> Option<&'a CommonCodeInfo> {
        self.common_codes
            .iter()
            .find(|c| c.reason.as_str() == reason)
    }

    /// What the spec documents for `code` in an answer of `operation`: the status and
    /// message of its own table's entry first, then of the common codes; `None` when
    /// neither lists it.
    pub fn documented(
        &self,
        operation: &OperationInfo,
        code: &str,
    ) -> Option<(ResultStatus, &'static str)> {
        operation
            .code(code)
            .map(|c| (c.status, c.message))
            .or_else(|| {
                self.common_codes
                    .iter()
                    .find(|c| c.code == code)
                    .map(|c| (c.status, c.message))
            })
    }
}

/// [`SpecTable::documented`] over the whole generated spec: with
/// [`ResultStatus::decide`], the outcome `alipayhk call` and `proxy` read.
pub fn documented_code(
    operation: &OperationInfo,
    code: &str,
) -> Option<(ResultStatus, &'static str)> {
    SpecTable::from_generated().documented(operation, code)
}

/// The operation's illegal-parameter code, if its table lists it.
pub fn illegal(op: &OperationInfo) -> Option<&'static ResultCodeInfo> {
    op.code(op.illegal_code)
}

/// The operation's success code: the first code documented with status `S`.
pub fn success_code(op: &OperationInfo) -> Option<&'static ResultCodeInfo> {
    op.result_codes
        .iter()
        .find(|c| c.status == ResultStatus::Success)
}

/// A valid request body (the spec's example; the simulator fixtures match it), or `null`
/// when the spec has none: then the operation's cases are skipped with a reason.
pub fn example_request(op: &OperationInfo) -> serde_json::Value {
    serde_json::from_str(op.request_example).unwrap_or(serde_json::Value::Null)
}
