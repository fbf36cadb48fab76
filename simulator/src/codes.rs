//! Result codes the simulator produces from its state, as spelled in `spec/alipayhk.yaml`.
//!
//! Statuses and messages come from the generated result-code types; these names only
//! keep the state logic free of typos.

pub const SUCCESS: &str = "SUCCESS";
pub const ACCESSTOKEN_VALIDATE_FAILED: &str = "ACCESSTOKEN_VALIDATE_FAILED";
/// Inquire A. Point's spelling (documentation quirk).
pub const PARAMETER_ILLEGAL: &str = "PARAMETER_ILLEGAL";
/// The other four operations' spelling.
pub const PARAM_ILLEGAL: &str = "PARAM_ILLEGAL";
pub const USER_NOT_EXIST: &str = "USER_NOT_EXIST";
pub const PROCESS_FAIL: &str = "PROCESS_FAIL";
pub const TOTAL_BUDGET_NOT_ENOUGH: &str = "TOTAL_BUDGET_NOT_ENOUGH";
pub const CURRENT_BUDGET_NOT_ENOUGH: &str = "CURRENT_BUDGET_NOT_ENOUGH";
pub const NO_BUDGET_RIGHT_NOW: &str = "NO_BUDGET_RIGHT_NOW";
pub const POINT_NOT_ENOUGH: &str = "POINT_NOT_ENOUGH";
pub const PASS_TEMPLATE_NOT_EXIST: &str = "PASS_TEMPLATE_NOT_EXIST";
/// Assumption (protocol.md §E2): Antom's code for a bizNo reused with other parameters.
pub const REPEAT_REQ_INCONSISTENT: &str = "REPEAT_REQ_INCONSISTENT";
pub const UNKNOWN_EXCEPTION: &str = "UNKNOWN_EXCEPTION";
