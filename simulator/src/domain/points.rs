//! Issue and Redeem A. Point: what a request is worth and what it does to the points.
//!
//! The stores read the facts (the user, the campaign budget) and apply the plan decided
//! here, with the idempotency record, in one transaction.

use alipayhk_api::result_codes::{
    IssueAPointFailure, IssueAPointResultCode, RedeemAPointFailure, RedeemAPointResultCode,
};

use super::accounts::User;
use super::answers::{Answer, IssueAnswer, RedeemAnswer};
use super::budget::IssueBudget;
use super::ledger::PostingRefused;

/// Issue A. Point, as the simulator reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    /// Idempotency key; without it every call issues again.
    pub biz_no: Option<String>,
    /// Must fall within the campaign period.
    pub biz_date_ms: Option<i64>,
    /// `providerUserInfo.userId`.
    pub user_id: Option<String>,
    /// `providerUserInfo.openId`.
    pub open_id: Option<String>,
    /// `benefitIssueDetail.benefitProductId`: the campaign.
    pub product_id: Option<String>,
    /// Points to issue.
    pub amount: i64,
    /// The whole request body as canonical JSON (keys sorted), so a replay that differs in
    /// any parameter, including ones the simulator does not interpret, is inconsistent.
    pub body: String,
}

/// Redeem A. Point, as the simulator reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedeemRequest {
    /// Idempotency key.
    pub biz_no: String,
    /// `ipRoleId`.
    pub user_id: String,
    /// `sceneCode`.
    pub scene_code: String,
    /// `bizdt`.
    pub bizdt: String,
    /// `benefitRedeemInfos[].amount`.
    pub amounts: Vec<i64>,
    /// The whole request body as canonical JSON (keys sorted); see [`IssueRequest::body`].
    pub body: String,
}

/// An issue that passed the parameter checks: the campaign and the idempotency fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueCall {
    /// The partner's Client-Id.
    pub client_id: String,
    /// The request.
    pub request: IssueRequest,
    /// `benefitIssueDetail.benefitProductId`.
    pub product_id: String,
    /// The request's business parameters, for idempotency.
    pub fingerprint: String,
}

/// The issue to run, or the answer of a request whose parameters are illegal.
pub fn check_issue(client_id: String, request: IssueRequest) -> Result<IssueCall, IssueAnswer> {
    if request.amount < 1 || (request.user_id.is_none() && request.open_id.is_none()) {
        return Err(Answer::code(IssueAPointFailure::ParamIllegal));
    }
    let Some(product_id) = request.product_id.clone() else {
        return Err(Answer::code(IssueAPointFailure::ParamIllegal));
    };
    let fingerprint = format!(
        "user={:?};openId={:?};product={product_id};amount={};bizDate={:?};body={}",
        request.user_id, request.open_id, request.amount, request.biz_date_ms, request.body
    );
    Ok(IssueCall {
        client_id,
        request,
        product_id,
        fingerprint,
    })
}

/// Who an issue credits: by user id, else by open id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient<'a> {
    /// `providerUserInfo.userId`.
    UserId(&'a str),
    /// `providerUserInfo.openId`.
    OpenId(&'a str),
}

impl IssueCall {
    /// The user the store looks up.
    pub fn recipient(&self) -> Option<Recipient<'_>> {
        match (&self.request.user_id, &self.request.open_id) {
            (Some(user_id), _) => Some(Recipient::UserId(user_id)),
            (None, Some(open_id)) => Some(Recipient::OpenId(open_id)),
            (None, None) => None,
        }
    }
}

/// What an issue does, decided from the facts the store read.
#[derive(Debug, Clone, PartialEq)]
pub enum IssuePlan {
    /// Move nothing; answer this.
    Refuse(IssueAnswer),
    /// Credit `amount` to `user_id` and, if the posting is accepted, spend it from the
    /// campaign's budget (a refused posting, a balance that would overflow, spends none);
    /// then answer [`issued`].
    Credit {
        /// The user credited.
        user_id: String,
        /// Points.
        amount: i64,
    },
}

/// Decides an issue from the recipient (if found) and the campaign's budget (if any).
pub fn decide_issue(
    call: &IssueCall,
    user: Option<User>,
    budget: Option<IssueBudget>,
) -> IssuePlan {
    // Assumption: Issue documents no user code; an unknown user is a general business failure.
    let Some(user) = user else {
        return IssuePlan::Refuse(Answer::code(IssueAPointFailure::ProcessFail));
    };
    let Some(budget) = budget else {
        return IssuePlan::Refuse(Answer::code(IssueAPointFailure::NoBudgetRightNow));
    };
    if let Some(code) = budget.refusal(call.request.amount, call.request.biz_date_ms) {
        return IssuePlan::Refuse(Answer::code(code));
    }
    IssuePlan::Credit {
        user_id: user.user_id,
        amount: call.request.amount,
    }
}

/// The answer of an issue whose credit was posted (or refused).
pub fn issued(posted: Result<i64, PostingRefused>) -> IssueAnswer {
    match posted {
        Ok(_) => Answer::code(IssueAPointResultCode::Success),
        Err(_) => Answer::code(IssueAPointFailure::ProcessFail),
    }
}

/// A redeem that passed the parameter checks: the points to debit and the fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedeemCall {
    /// The partner's Client-Id.
    pub client_id: String,
    /// The request.
    pub request: RedeemRequest,
    /// The sum of the amounts.
    pub total: i64,
    /// The request's business parameters, for idempotency.
    pub fingerprint: String,
}

/// The redeem to run, or the answer of a request whose parameters are illegal.
pub fn check_redeem(client_id: String, request: RedeemRequest) -> Result<RedeemCall, RedeemAnswer> {
    let total = request
        .amounts
        .iter()
        .try_fold(0_i64, |sum, a| sum.checked_add(*a));
    let Some(total) = total.filter(|t| *t > 0 && request.amounts.iter().all(|a| *a > 0)) else {
        return Err(Answer::code(RedeemAPointFailure::ParamIllegal));
    };
    if request.biz_no.trim().is_empty() {
        return Err(Answer::code(RedeemAPointFailure::ParamIllegal));
    }
    let fingerprint = format!(
        "user={};scene={};bizdt={};amounts={:?};body={}",
        request.user_id, request.scene_code, request.bizdt, request.amounts, request.body
    );
    Ok(RedeemCall {
        client_id,
        request,
        total,
        fingerprint,
    })
}

/// The answer of a redeem whose debit was posted (or refused).
pub fn redeemed(posted: Result<i64, PostingRefused>) -> RedeemAnswer {
    match posted {
        Ok(_) => Answer::code(RedeemAPointResultCode::Success),
        // Assumption: an unknown ipRoleId is a parameter error (no documented code).
        Err(PostingRefused::NoSuchUser) => Answer::code(RedeemAPointFailure::ParamIllegal),
        Err(PostingRefused::PointNotEnough) => Answer::code(RedeemAPointFailure::PointNotEnough),
    }
}
