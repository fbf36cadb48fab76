//! Business rules over the public API only, with a test user the server knows: points move
//! as the pages say, a refused redemption moves nothing, and a replayed `bizNo` moves points
//! once. No admin API is needed; the balance is read with Inquire A. Point.
//!
//! The requests are the spec's examples with the test user's token and id put in through
//! the generated models (so a renamed field is a compile error here, not a silent miss).
//! The sequences leave the user where they found them when all run: issue 1, then redeem 1
//! (a redemption of more than the balance moves nothing).

use alipayhk_api::models::{
    BenefitRedeemInfo, InquireAPointRequest, InquireAPointResponse, IssueAPointRequest,
    RedeemAPointRequest,
};
use alipayhk_api::result_codes::{IssueAPointFailure, RedeemAPointFailure};
use alipayhk_api::spec::OperationId;

use crate::exchange::Exchange;

/// The operation whose balance the sequences read.
pub const INQUIRE: OperationId = OperationId::InquireAPoint;
/// The operation that credits points.
pub const ISSUE: OperationId = OperationId::IssueAPoint;
/// The operation that debits points.
pub const REDEEM: OperationId = OperationId::RedeemAPoint;
/// Points issued by the issue sequence (then redeemed by the redeem sequence).
pub const ISSUED: i64 = 1;
/// Points redeemed by the redeem sequence.
pub const REDEEMED: i64 = 1;

/// The code a redemption over the balance must get.
pub fn point_not_enough() -> &'static str {
    code_str(RedeemAPointFailure::PointNotEnough.as_str())
}

/// The code a reused `bizNo` with another body must get.
pub fn repeat_inconsistent(op: OperationId) -> &'static str {
    match op {
        OperationId::IssueAPoint => code_str(IssueAPointFailure::RepeatReqInconsistent.as_str()),
        _ => code_str(RedeemAPointFailure::RepeatReqInconsistent.as_str()),
    }
}

/// The generated enums' wire texts are static; find the table's copy of the same text.
fn code_str(code: &str) -> &'static str {
    alipayhk_api::spec::OPERATIONS
        .iter()
        .flat_map(|op| op.result_codes)
        .find(|c| c.code == code)
        .map_or("", |c| c.code)
}

/// One business-rule sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sequence {
    /// Inquire B; issue [`ISSUED`]: balance B+1; replay it: the same answer, balance still
    /// B+1; the same `bizNo` with another amount: `REPEAT_REQ_INCONSISTENT`.
    IssueAndReplay,
    /// Inquire B; redeem B+1: `POINT_NOT_ENOUGH`, balance still B.
    RedeemOverBalance,
    /// Inquire B; redeem [`REDEEMED`]: `S`, balance B−1; replay it: the same answer,
    /// balance still B−1; the same `bizNo` with another amount: `REPEAT_REQ_INCONSISTENT`,
    /// balance still B−1.
    RedeemAndReplay,
}

impl Sequence {
    /// Every sequence, in the order they run (issue before redeem: the user ends as found).
    pub const ALL: [Sequence; 3] = [
        Sequence::IssueAndReplay,
        Sequence::RedeemOverBalance,
        Sequence::RedeemAndReplay,
    ];

    /// The case name, under `business/`.
    pub fn name(self) -> &'static str {
        match self {
            Sequence::IssueAndReplay => "business/issue_credits_once",
            Sequence::RedeemOverBalance => "business/redeem_over_balance_moves_nothing",
            Sequence::RedeemAndReplay => "business/redeem_debits_once",
        }
    }

    /// The operation the sequence is about.
    pub fn operation(self) -> OperationId {
        match self {
            Sequence::IssueAndReplay => ISSUE,
            Sequence::RedeemOverBalance | Sequence::RedeemAndReplay => REDEEM,
        }
    }
}

/// The user the business sequences act on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestUser {
    /// An access token of the user (Inquire A. Point).
    pub access_token: Option<String>,
    /// The user's AlipayHK id (Issue and Redeem A. Point).
    pub user_id: Option<String>,
}

impl TestUser {
    /// Why the sequences cannot run, naming the flags that enable them.
    pub fn missing(&self) -> Option<String> {
        match (&self.access_token, &self.user_id) {
            (Some(_), Some(_)) => None,
            (None, Some(_)) => Some("needs a test user's access token: pass --test-user-token (or --admin-url to create one)".into()),
            (Some(_), None) => Some("needs the test user's id: pass --test-user-id (or --admin-url to create one)".into()),
            (None, None) => Some("needs a test user: pass --test-user-token and --test-user-id (or --admin-url to create one)".into()),
        }
    }
}

/// Builds the bodies of a sequence's calls from the spec's examples.
#[derive(Debug, Clone)]
pub struct Bodies {
    token: String,
    user_id: String,
}

/// Why a body could not be built.
fn example<T: serde::de::DeserializeOwned>(op: OperationId) -> Result<T, String> {
    serde_json::from_str(op.info().request_example)
        .map_err(|e| format!("the spec's {op} example does not decode: {e}"))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}

impl Bodies {
    /// Bodies for `user`; `None` when the user lacks a token or an id.
    pub fn new(user: &TestUser) -> Option<Bodies> {
        Some(Bodies {
            token: user.access_token.clone()?,
            user_id: user.user_id.clone()?,
        })
    }

    /// Inquire A. Point with the user's token.
    pub fn inquire(&self) -> Result<serde_json::Value, String> {
        let mut body: InquireAPointRequest = example(INQUIRE)?;
        body.access_token = self.token.clone();
        to_json(&body)
    }

    /// Issue `amount` points to the user under `biz_no`.
    pub fn issue(&self, biz_no: &str, amount: i64) -> Result<serde_json::Value, String> {
        let mut body: IssueAPointRequest = example(ISSUE)?;
        body.biz_no = Some(biz_no.to_owned());
        body.provider_user_info.user_id = Some(self.user_id.clone());
        body.provider_user_info.open_id = None;
        body.benefit_issue_detail.amount = amount;
        to_json(&body)
    }

    /// Redeem `amount` points of the user under `biz_no`.
    pub fn redeem(&self, biz_no: &str, amount: i64) -> Result<serde_json::Value, String> {
        let mut body: RedeemAPointRequest = example(REDEEM)?;
        body.biz_no = biz_no.to_owned();
        body.ip_role_id = self.user_id.clone();
        body.benefit_redeem_infos = vec![BenefitRedeemInfo::new(amount)];
        to_json(&body)
    }
}

/// The balance an Inquire A. Point exchange answered, if it answered one.
pub fn balance(exchange: &Exchange) -> Option<i64> {
    let response = exchange.response.as_ref()?;
    let body: InquireAPointResponse = serde_json::from_slice(&response.body).ok()?;
    body.account_benefit_model?.balance
}

/// The `resultCode` in `result_field` of an exchange's plaintext JSON answer.
pub fn result_code(exchange: &Exchange, result_field: &str) -> Option<String> {
    let response = exchange.response.as_ref()?;
    let body: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
    body.get(result_field)?
        .get("resultCode")?
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_carry_the_user_and_pass_the_spec() {
        let user = TestUser {
            access_token: Some("tok-1".into()),
            user_id: Some("2160999".into()),
        };
        let bodies = Bodies::new(&user).expect("complete user");
        let inquire = bodies.inquire().expect("inquire");
        assert_eq!(inquire["accessToken"], "tok-1");
        let redeem = bodies.redeem("B-1", 7).expect("redeem");
        assert_eq!(redeem["ipRoleId"], "2160999");
        assert_eq!(redeem["benefitRedeemInfos"][0]["amount"], 7);
        let issue = bodies.issue("B-2", 3).expect("issue");
        assert_eq!(issue["providerUserInfo"]["userId"], "2160999");
        for (op, body) in [(INQUIRE, inquire), (REDEEM, redeem), (ISSUE, issue)] {
            let bytes = serde_json::to_vec(&body).expect("json");
            assert!((op.info().check_request)(&bytes).is_ok(), "{op}: {body}");
        }
        assert_eq!(point_not_enough(), "POINT_NOT_ENOUGH");
        assert_eq!(repeat_inconsistent(REDEEM), "REPEAT_REQ_INCONSISTENT");
        assert!(
            TestUser::default()
                .missing()
                .is_some_and(|m| m.contains("--test-user-token"))
        );
    }
}
