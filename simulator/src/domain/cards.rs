//! Redeemable-card templates and membership cards.
//!
//! A template is stored as the JSON of a Query Template answer (everything but
//! `result`), so the admin API can seed any field the spec allows. A membership card
//! keeps what Update Membership Card changes: status, points, level, expiry, `dataInfo`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use alipayhk_api::models::QueryTemplateResponse;
use alipayhk_api::result_codes::{
    QueryTemplateFailure, QueryTemplateResultCode, UpdateMembershipCardFailure,
    UpdateMembershipCardResultCode,
};

use super::answers::{Answer, CardAnswer, TemplateAnswer};

/// A seeded redeemable-card / ticket template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PassTemplate {
    /// `templateCode`, at most 32 characters.
    pub template_code: String,
    /// The merchant that owns it.
    pub merchant_id: String,
    /// The Query Template answer fields (`type`, `product`, `status`, `localeInfo`, …).
    #[serde(default)]
    pub body: Map<String, Value>,
}

/// Card status as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardStatus {
    /// Usable and updatable.
    Active,
    /// Terminated by `status: CLOSED`; further updates are refused.
    Closed,
}

/// A user's membership card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipCard {
    /// `passId`.
    pub pass_id: String,
    /// The merchant that issued the card.
    pub merchant_id: String,
    /// The card holder's AlipayHK user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The card holder's open id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// The membership template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_code: Option<String>,
    /// Active or closed.
    #[serde(default = "active")]
    pub status: CardStatus,
    /// Points shown on the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<i64>,
    /// Membership level shown on the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Expiry, ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date_ms: Option<i64>,
    /// The last `dataInfo` received, merged key by key.
    #[serde(default)]
    pub data_info: Map<String, Value>,
}

fn active() -> CardStatus {
    CardStatus::Active
}

/// A card's stored status text.
pub fn status_text(status: CardStatus) -> &'static str {
    match status {
        CardStatus::Active => "ACTIVE",
        CardStatus::Closed => "CLOSED",
    }
}

/// The status a stored text means.
pub fn parse_status(text: &str) -> CardStatus {
    if text == "CLOSED" {
        CardStatus::Closed
    } else {
        CardStatus::Active
    }
}

/// The template as a typed Query Template answer (its `result` is a placeholder `SUCCESS`
/// the API layer replaces); the error names the fields that do not fit.
pub fn template_answer(template: &PassTemplate) -> Result<QueryTemplateResponse, String> {
    let mut body = template.body.clone();
    body.insert("templateCode".into(), template.template_code.clone().into());
    let success = QueryTemplateResponse::from_code(QueryTemplateResultCode::Success).result;
    body.insert(
        "result".into(),
        serde_json::to_value(success).map_err(|e| e.to_string())?,
    );
    serde_json::from_value(Value::Object(body)).map_err(|e| {
        format!(
            "template {} does not fit a Query Template answer: {e}",
            template.template_code
        )
    })
}

/// Checks that a template's body is a valid Query Template answer (types, enums, lengths),
/// so a seeded template can always be served; the error names the fields. It lives here,
/// with the templates, so that seeding does not depend on the API module.
pub fn check_template(template: &PassTemplate) -> Result<(), String> {
    template_answer(template)?
        .validate()
        .map_err(|e| format!("template {} breaks the spec: {e}", template.template_code))
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

/// `card` after `update`, or `None` when the update is illegal for it (another merchant
/// or holder, a closed card, a non-numeric point or non-text level).
pub fn updated_card(mut card: MembershipCard, update: CardUpdate) -> Option<MembershipCard> {
    let illegal = None;
    let holder_matches = update
        .user_id
        .as_ref()
        .is_none_or(|u| card.user_id.as_ref() == Some(u))
        && update
            .open_id
            .as_ref()
            .is_none_or(|o| card.open_id.as_ref() == Some(o));
    if card.merchant_id != update.merchant_id
        || !holder_matches
        || card.status == CardStatus::Closed
    {
        return illegal;
    }
    if update.close {
        card.status = CardStatus::Closed;
    } else {
        if let Some(data_info) = update.data_info {
            if let Some(point) = data_info.get("point") {
                let Some(point) = point.as_i64() else {
                    return illegal;
                };
                card.point = Some(point);
            }
            if let Some(level) = data_info.get("level") {
                let Some(level) = level.as_str() else {
                    return illegal;
                };
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
    Some(card)
}

/// What an update does to the card the store read (and locked): write the updated card,
/// or nothing; and its answer.
pub fn decide_update(
    card: Option<MembershipCard>,
    update: CardUpdate,
) -> (Option<MembershipCard>, CardAnswer) {
    match card.and_then(|card| updated_card(card, update)) {
        Some(card) => (
            Some(card),
            Answer::code(UpdateMembershipCardResultCode::Success),
        ),
        None => (
            None,
            Answer::code(UpdateMembershipCardFailure::ParamIllegal),
        ),
    }
}

/// Query Template's answer for the template found under the code, if any: only the
/// merchant's own templates are found. The error says a stored template no longer fits.
pub fn query_answer(
    template: Option<PassTemplate>,
    merchant_id: &str,
) -> Result<TemplateAnswer, String> {
    Ok(match template.filter(|t| t.merchant_id == merchant_id) {
        Some(template) => Answer::success(
            QueryTemplateResultCode::Success,
            template_answer(&template)?,
        ),
        None => Answer::code(QueryTemplateFailure::PassTemplateNotExist),
    })
}
