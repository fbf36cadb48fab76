//! What the five operations do to the simulator's state, in plain Rust types.
//!
//! [`Simulator`] is the business core: `api.rs` translates the generated request and
//! response models to and from the types here. Each call first consults the
//! [`RuleBook`] (scripted answers and delays), then runs its state change in one
//! database transaction on the blocking pool.

use std::sync::Arc;

use rusqlite::Connection;
use serde_json::{Map, Value, json};

use crate::accounts::{self, TokenCheck};
use crate::budget;
use crate::cards::{self, CardStatus};
use crate::codes;
use crate::idempotency::{self, IdempotencyKey, RecordedAnswer};
use crate::ledger::{EntryKind, PointLedger, PostingRefused, PostingSource};
use crate::operation::Operation;
use crate::rules::RuleBook;
use crate::seed::Fixtures;
use crate::store::{Store, StoreError, now_ms};

/// The answer of one operation, before it becomes a response model.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The result code.
    pub code: String,
    /// Status override from a scripted rule (otherwise the spec's status for the code).
    pub status: Option<String>,
    /// Message override from a scripted rule (otherwise the spec's message).
    pub message: Option<String>,
    /// Extra response fields (camelCase JSON), e.g. `accountBenefitModel`.
    pub detail: Map<String, Value>,
}

impl Answer {
    /// An answer with just a code.
    pub fn code(code: &str) -> Self {
        Self { code: code.to_string(), status: None, message: None, detail: Map::new() }
    }

    fn with_detail(code: &str, detail: Value) -> Self {
        let detail = match detail {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Self { detail, ..Self::code(code) }
    }

    fn from_recorded(recorded: RecordedAnswer) -> Self {
        let detail = recorded
            .detail
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or(Value::Null);
        Self::with_detail(&recorded.code, detail)
    }

    fn to_recorded(&self) -> RecordedAnswer {
        let detail = (!self.detail.is_empty()).then(|| Value::Object(self.detail.clone()).to_string());
        RecordedAnswer { code: self.code.clone(), detail }
    }
}

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
}

/// Update Membership Card, as the simulator reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CardUpdate {
    /// `merchantId`: must own the card.
    pub merchant_id: String,
    /// `userId`: must hold the card when present.
    pub user_id: Option<String>,
    /// `openId`: must hold the card when present.
    pub open_id: Option<String>,
    /// `templateCode`: replaces the card's template when present.
    pub template_code: Option<String>,
    /// `passId`.
    pub pass_id: String,
    /// `status: CLOSED` (terminate) rather than `UPDATE`.
    pub close: bool,
    /// `endDate`.
    pub end_date_ms: Option<i64>,
    /// `dataInfo` (`point` and `level` are applied to the card).
    pub data_info: Option<Map<String, Value>>,
}

/// A failure of the simulator itself (answered as `UNKNOWN_EXCEPTION` by the server).
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The simulator's state and scripted rules.
#[derive(Clone)]
pub struct Simulator {
    store: Store,
    rules: Arc<RuleBook>,
    fixtures: Arc<Fixtures>,
}

impl Simulator {
    /// A simulator on `store`; `fixtures` is what an admin reset re-applies.
    pub fn new(store: Store, fixtures: Fixtures) -> Self {
        Self { store, rules: Arc::new(RuleBook::default()), fixtures: Arc::new(fixtures) }
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The scripted rules.
    pub fn rules(&self) -> &RuleBook {
        &self.rules
    }

    /// Clears all state and rules, then applies the configured fixtures unless `empty`.
    pub async fn reset(&self, empty: bool) -> Result<(), SimulatorError> {
        self.rules.clear();
        let fixtures = (!empty).then(|| Arc::clone(&self.fixtures));
        self.store
            .write_async(move |db| {
                crate::store::clear_tables(db)?;
                if let Some(fixtures) = fixtures {
                    fixtures.apply(db)?;
                }
                Ok::<_, SimulatorError>(())
            })
            .await
    }

    /// Applies a scripted rule, if one matches: waits its delay, returns its answer.
    async fn script(&self, operation: Operation, user_id: Option<&str>) -> Option<Answer> {
        let action = self.rules.take(operation, user_id)?;
        tracing::info!(rule_id = action.rule_id, %operation, code = ?action.code, "scripted rule applied");
        if let Some(delay) = action.delay {
            tokio::time::sleep(delay).await;
        }
        let code = action.code?;
        Some(Answer { status: action.status, message: action.message, ..Answer::code(&code) })
    }

    /// Inquire A. Point: the balance behind an access token.
    pub async fn inquire(&self, access_token: String) -> Result<Answer, SimulatorError> {
        if !self.rules.is_empty() {
            let token = access_token.clone();
            let owner = self.store.write_async(move |db| accounts::token_owner(db, &token)).await?;
            if let Some(answer) = self.script(Operation::InquireAPoint, owner.as_deref()).await {
                return Ok(answer);
            }
        }
        if access_token.trim().is_empty() {
            return Ok(Answer::code(codes::PARAMETER_ILLEGAL));
        }
        let check = self.store.write_async(move |db| accounts::check_token(db, &access_token, now_ms())).await?;
        Ok(match check {
            TokenCheck::Valid(user) => Answer::with_detail(
                codes::SUCCESS,
                json!({"accountBenefitModel": {"benefitProductCode": "POINT", "balance": user.balance}}),
            ),
            TokenCheck::Invalid => Answer::code(codes::ACCESSTOKEN_VALIDATE_FAILED),
            TokenCheck::UserGone => Answer::code(codes::USER_NOT_EXIST),
        })
    }

    /// Issue A. Point: credits points from a campaign budget, idempotent by bizNo.
    pub async fn issue(&self, client_id: String, request: IssueRequest) -> Result<Answer, SimulatorError> {
        if let Some(answer) = self.script(Operation::IssueAPoint, request.user_id.as_deref()).await {
            return Ok(answer);
        }
        if request.amount < 1 || (request.user_id.is_none() && request.open_id.is_none()) {
            return Ok(Answer::code(codes::PARAM_ILLEGAL));
        }
        let Some(product_id) = request.product_id.clone() else {
            return Ok(Answer::code(codes::PARAM_ILLEGAL));
        };
        let fingerprint = format!(
            "user={:?};openId={:?};product={product_id};amount={};bizDate={:?}",
            request.user_id, request.open_id, request.amount, request.biz_date_ms
        );
        self.store
            .write_async(move |db| {
                idempotent(db, &client_id, Operation::IssueAPoint, request.biz_no.as_deref(), &fingerprint, |db| {
                    issue_points(db, &client_id, &request, &product_id)
                })
            })
            .await
    }

    /// Redeem A. Point: debits points atomically, idempotent by bizNo.
    pub async fn redeem(&self, client_id: String, request: RedeemRequest) -> Result<Answer, SimulatorError> {
        if let Some(answer) = self.script(Operation::RedeemAPoint, Some(&request.user_id)).await {
            return Ok(answer);
        }
        let total = request.amounts.iter().try_fold(0_i64, |sum, a| sum.checked_add(*a));
        let Some(total) = total.filter(|t| *t > 0 && request.amounts.iter().all(|a| *a > 0)) else {
            return Ok(Answer::code(codes::PARAM_ILLEGAL));
        };
        if request.biz_no.trim().is_empty() {
            return Ok(Answer::code(codes::PARAM_ILLEGAL));
        }
        let fingerprint = format!(
            "user={};scene={};bizdt={};amounts={:?}",
            request.user_id, request.scene_code, request.bizdt, request.amounts
        );
        self.store
            .write_async(move |db| {
                idempotent(db, &client_id, Operation::RedeemAPoint, Some(&request.biz_no), &fingerprint, |db| {
                    let source = PostingSource {
                        client_id: Some(&client_id),
                        biz_no: Some(&request.biz_no),
                        product_id: None,
                    };
                    Ok(match PointLedger::new(db).post(&request.user_id, -total, EntryKind::Redeem, &source)? {
                        Ok(_) => Answer::code(codes::SUCCESS),
                        // Assumption: an unknown ipRoleId is a parameter error (no documented code).
                        Err(PostingRefused::NoSuchUser) => Answer::code(codes::PARAM_ILLEGAL),
                        Err(PostingRefused::PointNotEnough) => Answer::code(codes::POINT_NOT_ENOUGH),
                    })
                })
            })
            .await
    }

    /// Query Template: a seeded template of the merchant.
    pub async fn query_template(&self, merchant_id: String, template_code: String) -> Result<Answer, SimulatorError> {
        if let Some(answer) = self.script(Operation::QueryTemplate, None).await {
            return Ok(answer);
        }
        if merchant_id.trim().is_empty() || template_code.trim().is_empty() {
            return Ok(Answer::code(codes::PARAM_ILLEGAL));
        }
        let template = self.store.write_async(move |db| cards::find_template(db, &template_code)).await?;
        Ok(match template.filter(|t| t.merchant_id == merchant_id) {
            Some(template) => {
                let mut detail = template.body;
                detail.insert("templateCode".into(), template.template_code.into());
                Answer::with_detail(codes::SUCCESS, Value::Object(detail))
            }
            None => Answer::code(codes::PASS_TEMPLATE_NOT_EXIST),
        })
    }

    /// Update Membership Card: `UPDATE` changes points/level/expiry, `CLOSED` terminates.
    pub async fn update_card(&self, update: CardUpdate) -> Result<Answer, SimulatorError> {
        if let Some(answer) = self.script(Operation::UpdateMembershipCard, update.user_id.as_deref()).await {
            return Ok(answer);
        }
        self.store.write_async(move |db| update_card(db, update)).await
    }
}

impl RuleBook {
    /// Whether no rule is active (lets inquiries skip the token-owner lookup).
    pub fn is_empty(&self) -> bool {
        self.list().is_empty()
    }
}

/// Runs `execute` unless (client, operation, bizNo) already has a final answer.
fn idempotent(
    db: &Connection,
    client_id: &str,
    operation: Operation,
    biz_no: Option<&str>,
    fingerprint: &str,
    execute: impl FnOnce(&Connection) -> Result<Answer, SimulatorError>,
) -> Result<Answer, SimulatorError> {
    let Some(biz_no) = biz_no else {
        return execute(db);
    };
    let key = IdempotencyKey { client_id, operation: operation.as_str(), biz_no };
    if let Some(recorded) = idempotency::lookup(db, &key, fingerprint)?.into_answer() {
        return Ok(Answer::from_recorded(recorded));
    }
    let answer = execute(db)?;
    // Everything state produces is final (S or F); U answers only come from rules.
    idempotency::record(db, &key, fingerprint, &answer.to_recorded())?;
    Ok(answer)
}

fn issue_points(
    db: &Connection,
    client_id: &str,
    request: &IssueRequest,
    product_id: &str,
) -> Result<Answer, SimulatorError> {
    let user = match (&request.user_id, &request.open_id) {
        (Some(user_id), _) => accounts::find_user(db, user_id)?,
        (None, Some(open_id)) => accounts::find_user_by_open_id(db, open_id)?,
        (None, None) => None,
    };
    // Assumption: Issue documents no user code; an unknown user is a general business failure.
    let Some(user) = user else {
        return Ok(Answer::code(codes::PROCESS_FAIL));
    };
    let Some(budget) = budget::find_budget(db, product_id)? else {
        return Ok(Answer::code(codes::NO_BUDGET_RIGHT_NOW));
    };
    if let Some(code) = budget.refusal(request.amount, request.biz_date_ms) {
        return Ok(Answer::code(code));
    }
    budget::consume(db, product_id, request.amount)?;
    let source = PostingSource {
        client_id: Some(client_id),
        biz_no: request.biz_no.as_deref(),
        product_id: Some(product_id),
    };
    match PointLedger::new(db).post(&user.user_id, request.amount, EntryKind::Issue, &source)? {
        Ok(_) => Ok(Answer::code(codes::SUCCESS)),
        Err(_) => Ok(Answer::code(codes::PROCESS_FAIL)),
    }
}

fn update_card(db: &Connection, update: CardUpdate) -> Result<Answer, SimulatorError> {
    let illegal = Ok(Answer::code(codes::PARAM_ILLEGAL));
    let Some(mut card) = cards::find_card(db, &update.pass_id)? else {
        return illegal;
    };
    let holder_matches = update.user_id.as_ref().is_none_or(|u| card.user_id.as_ref() == Some(u))
        && update.open_id.as_ref().is_none_or(|o| card.open_id.as_ref() == Some(o));
    if card.merchant_id != update.merchant_id || !holder_matches || card.status == CardStatus::Closed {
        return illegal;
    }
    if update.close {
        card.status = CardStatus::Closed;
    } else {
        if let Some(data_info) = update.data_info {
            if let Some(point) = data_info.get("point") {
                let Some(point) = point.as_i64() else { return illegal };
                card.point = Some(point);
            }
            if let Some(level) = data_info.get("level") {
                let Some(level) = level.as_str() else { return illegal };
                card.level = Some(level.to_string());
            }
            card.data_info.extend(data_info);
        }
        if let Some(end_date_ms) = update.end_date_ms {
            card.end_date_ms = Some(end_date_ms);
        }
        if let Some(template_code) = update.template_code {
            card.template_code = Some(template_code);
        }
    }
    cards::put_card(db, &card)?;
    Ok(Answer::code(codes::SUCCESS))
}
