//! `serve --replay DIR --replay-stateful`: what a replayed answer does to the points.
//!
//! A replayed answer is a recording, not a decision of the simulator: by default it moves
//! no points (like a scripted answer). With `--replay-stateful`, a replayed `S` answer of
//! Issue or Redeem posts what the *recorded* request asked for (its user and amount) under
//! the *live* request's bizNo, so the ledger reads as if the simulator had answered. Kept
//! simple on purpose: no budget and no idempotency record; a bizNo that already moved this
//! client's points is not posted again; a posting the ledger's rule refuses (no such user,
//! not enough points) is skipped and reported, and the recorded answer goes out unchanged.
//!
//! It reads the recorded bodies as plain JSON (`serde_json::Value`), not the recording
//! crate's types: the two fields it needs are spec fields, and the domain stays free of
//! the file format.

use alipayhk_api::{OperationId, ResultStatus};
use serde_json::Value;

use super::ledger::{EntryKind, PostingRefused};

/// One posting a replayed answer makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayedPosting {
    /// The user whose balance moves (the recorded request's).
    pub user_id: String,
    /// Points added (Issue) or removed (Redeem).
    pub delta: i64,
    /// `Issue` or `Redeem`.
    pub kind: EntryKind,
    /// The live caller's Client-Id.
    pub client_id: String,
    /// The live request's bizNo (the recorded one is volatile).
    pub biz_no: Option<String>,
    /// The recorded campaign (`benefitIssueDetail.benefitProductId`), for Issue.
    pub product_id: Option<String>,
}

/// What posting a replayed answer came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayedOutcome {
    /// Posted; the user's balance afterwards.
    Posted(i64),
    /// This client's bizNo already moved points: nothing posted again.
    AlreadyPosted,
    /// The ledger's rule refused it: nothing posted.
    Refused(PostingRefused),
}

impl std::fmt::Display for ReplayedOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Posted(balance) => write!(f, "posted; balance now {balance}"),
            Self::AlreadyPosted => write!(f, "not posted: this bizNo already moved points"),
            Self::Refused(PostingRefused::NoSuchUser) => {
                write!(f, "not posted: the recorded user does not exist here")
            }
            Self::Refused(PostingRefused::PointNotEnough) => {
                write!(f, "not posted: the user has too few points here")
            }
        }
    }
}

/// The posting a replayed exchange makes: only for an Issue or Redeem answered `S`, with
/// a user and a positive amount in the recorded request. `live_request` gives the bizNo.
pub fn posting(
    operation: OperationId,
    recorded_request: &Value,
    recorded_answer: &Value,
    live_request: &Value,
    client_id: &str,
) -> Option<ReplayedPosting> {
    let info = operation.info();
    let status = recorded_answer
        .get(info.result_field)?
        .get("resultStatus")?
        .as_str()?;
    if status != ResultStatus::Success.as_str() {
        return None;
    }
    let text = |pointer: &str| {
        recorded_request
            .pointer(pointer)?
            .as_str()
            .map(str::to_owned)
    };
    let (user_id, delta, kind, product_id) = match operation {
        OperationId::IssueAPoint => (
            text("/providerUserInfo/userId")?,
            amount(recorded_request.pointer("/benefitIssueDetail/amount")?)?,
            EntryKind::Issue,
            text("/benefitIssueDetail/benefitProductId"),
        ),
        OperationId::RedeemAPoint => {
            let lines = recorded_request.get("benefitRedeemInfos")?.as_array()?;
            let mut total: i64 = 0;
            for line in lines {
                total = total.checked_add(amount(line.get("amount")?)?)?;
            }
            (
                text("/ipRoleId")?,
                total.checked_neg()?,
                EntryKind::Redeem,
                None,
            )
        }
        _ => return None,
    };
    if delta == 0 {
        return None;
    }
    let biz_no = info
        .idempotency_key
        .and_then(|key| live_request.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some(ReplayedPosting {
        user_id,
        delta,
        kind,
        client_id: client_id.to_owned(),
        biz_no,
        product_id,
    })
}

/// A positive amount, as a JSON number or a numeric string.
fn amount(value: &Value) -> Option<i64> {
    let n = match value {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    (n > 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: &str) -> Value {
        json!({"result": {"resultCode": "X", "resultStatus": status}})
    }

    #[test]
    fn a_successful_redeem_debits_the_recorded_user_under_the_live_biz_no() {
        let recorded = json!({"bizNo": "old", "ipRoleId": "U1", "benefitRedeemInfos": [{"amount": 30}, {"amount": "20"}]});
        let live = json!({"bizNo": "new"});
        let p = posting(
            OperationId::RedeemAPoint,
            &recorded,
            &answer("S"),
            &live,
            "C",
        )
        .unwrap();
        assert_eq!((p.user_id.as_str(), p.delta), ("U1", -50));
        assert_eq!(p.kind, EntryKind::Redeem);
        assert_eq!(p.biz_no.as_deref(), Some("new"));
    }

    #[test]
    fn a_successful_issue_credits_and_other_answers_post_nothing() {
        let recorded = json!({"providerUserInfo": {"userId": "U1"}, "benefitIssueDetail": {"amount": 7, "benefitProductId": "P"}});
        let p = posting(
            OperationId::IssueAPoint,
            &recorded,
            &answer("S"),
            &json!({}),
            "C",
        )
        .unwrap();
        assert_eq!((p.delta, p.product_id.as_deref()), (7, Some("P")));
        for status in ["F", "U"] {
            assert!(
                posting(
                    OperationId::IssueAPoint,
                    &recorded,
                    &answer(status),
                    &json!({}),
                    "C"
                )
                .is_none()
            );
        }
        assert!(
            posting(
                OperationId::InquireAPoint,
                &recorded,
                &answer("S"),
                &json!({}),
                "C"
            )
            .is_none()
        );
    }
}
