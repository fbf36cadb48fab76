//! The answers of the five operations, typed by their generated result codes.

use alipayhk_api::ResultStatus;
use alipayhk_api::models::{AccountBenefitModel, QueryTemplateResponse};
use alipayhk_api::result_codes::{
    InquireAPointResultCode, IssueAPointResultCode, QueryTemplateResultCode,
    RedeemAPointResultCode, UpdateMembershipCardResultCode,
};
use alipayhk_runtime::ResultCode;

/// The answer of one operation, typed: `C` is the operation's generated result-code enum
/// (`<Op>ResultCode`, so every code is one the spec names or a sealed unknown one) and `P`
/// what a success carries besides the result object. the HTTP layer turns it into the
/// response model with the spec's status and message for the code.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<C, P = ()> {
    /// The result code.
    pub code: C,
    /// Status override from a scripted rule (otherwise the spec's status for the code).
    pub status: Option<ResultStatus>,
    /// Message override from a scripted rule (otherwise the spec's message).
    pub message: Option<String>,
    /// What a success carries, e.g. the balance.
    pub payload: Option<P>,
}

impl<C, P> Answer<C, P> {
    /// An answer with just a code.
    pub fn code(code: impl Into<C>) -> Self {
        Self {
            code: code.into(),
            status: None,
            message: None,
            payload: None,
        }
    }

    /// A success carrying `payload`.
    pub fn success(code: C, payload: P) -> Self {
        Self {
            payload: Some(payload),
            ..Self::code(code)
        }
    }
}

/// Inquire A. Point's answer: the balance on success.
pub type InquireAnswer = Answer<InquireAPointResultCode, AccountBenefitModel>;
/// Issue A. Point's answer.
pub type IssueAnswer = Answer<IssueAPointResultCode>;
/// Redeem A. Point's answer.
pub type RedeemAnswer = Answer<RedeemAPointResultCode>;
/// Query Template's answer: the template (as the typed response) on success.
pub type TemplateAnswer = Answer<QueryTemplateResultCode, QueryTemplateResponse>;
/// Update Membership Card's answer.
pub type CardAnswer = Answer<UpdateMembershipCardResultCode>;

/// A recorded final answer replayed, or `inconsistent` for a repeat whose parameters
/// differ; `None` when the request runs for the first time.
pub fn replayed<C: ResultCode, P>(
    replay: super::idempotency::Replay,
    inconsistent: impl Into<C>,
) -> Option<Answer<C, P>> {
    match replay {
        super::idempotency::Replay::FirstTime => None,
        super::idempotency::Replay::Same(recorded) => {
            Some(Answer::code(C::from(recorded.code.as_str())))
        }
        super::idempotency::Replay::Inconsistent => Some(Answer::code(inconsistent)),
    }
}
