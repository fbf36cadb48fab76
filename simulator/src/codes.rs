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

#[cfg(test)]
mod tests {
    use alipayhk_api::spec::OPERATIONS;

    /// Each name above must be a code the spec documents for the operations that answer it,
    /// so a renamed or removed code in `spec/` fails here, not on the wire.
    #[test]
    fn every_code_is_documented_by_its_operations() {
        let documented_by = |ops: &[&str], code: &str| {
            for id in ops {
                let op = OPERATIONS
                    .iter()
                    .find(|op| op.id == *id)
                    .unwrap_or_else(|| panic!("the spec has no operation {id}"));
                assert!(op.code(code).is_some(), "{id} does not document {code}");
            }
        };
        let all = [
            "inquireAPoint",
            "issueAPoint",
            "redeemAPoint",
            "queryTemplate",
            "updateMembershipCard",
        ];
        documented_by(&all, super::SUCCESS);
        documented_by(&["inquireAPoint"], super::ACCESSTOKEN_VALIDATE_FAILED);
        documented_by(&["inquireAPoint"], super::PARAMETER_ILLEGAL);
        documented_by(&all[1..], super::PARAM_ILLEGAL);
        documented_by(&["inquireAPoint"], super::USER_NOT_EXIST);
        documented_by(&["issueAPoint"], super::PROCESS_FAIL);
        documented_by(&["issueAPoint"], super::TOTAL_BUDGET_NOT_ENOUGH);
        documented_by(&["issueAPoint"], super::CURRENT_BUDGET_NOT_ENOUGH);
        documented_by(&["issueAPoint"], super::NO_BUDGET_RIGHT_NOW);
        documented_by(&["redeemAPoint"], super::POINT_NOT_ENOUGH);
        documented_by(&["queryTemplate"], super::PASS_TEMPLATE_NOT_EXIST);
        documented_by(
            &["issueAPoint", "redeemAPoint"],
            super::REPEAT_REQ_INCONSISTENT,
        );
        documented_by(
            &[
                "inquireAPoint",
                "issueAPoint",
                "redeemAPoint",
                "updateMembershipCard",
            ],
            super::UNKNOWN_EXCEPTION,
        );
    }
}
