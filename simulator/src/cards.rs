//! Redeemable-card templates and membership cards.
//!
//! A template is stored as the JSON of a Query Template answer (everything but
//! `result`), so the admin API can seed any field the spec allows. A membership card
//! keeps what Update Membership Card changes: status, points, level, expiry, `dataInfo`.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use alipayhk_api::models::QueryTemplateResponse;
use alipayhk_api::result_codes::QueryTemplateResultCode;

use crate::store::{StoreError, now_ms};

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

/// Creates or replaces a template.
pub fn put_template(db: &Connection, template: &PassTemplate) -> Result<(), StoreError> {
    db.prepare_cached(
        "INSERT OR REPLACE INTO templates (template_code, merchant_id, body) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        template.template_code,
        template.merchant_id,
        serde_json::to_string(&template.body)?
    ])?;
    Ok(())
}

/// The template with this code.
pub fn find_template(
    db: &Connection,
    template_code: &str,
) -> Result<Option<PassTemplate>, StoreError> {
    let row: Option<(String, String, String)> = db
        .prepare_cached(
            "SELECT template_code, merchant_id, body FROM templates WHERE template_code = ?1",
        )?
        .query_row([template_code], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    row.map(|(template_code, merchant_id, body)| {
        Ok(PassTemplate {
            template_code,
            merchant_id,
            body: serde_json::from_str(&body)?,
        })
    })
    .transpose()
}

/// Creates or replaces a card.
pub fn put_card(db: &Connection, card: &MembershipCard) -> Result<(), StoreError> {
    let status = status_text(card.status);
    db.prepare_cached("INSERT OR REPLACE INTO membership_cards
         (pass_id, merchant_id, user_id, open_id, template_code, status, point, level, end_date_ms, data_info, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")?.execute(params![
            card.pass_id,
            card.merchant_id,
            card.user_id,
            card.open_id,
            card.template_code,
            status,
            card.point,
            card.level,
            card.end_date_ms,
            serde_json::to_string(&card.data_info)?,
            now_ms()
        ],
    )?;
    Ok(())
}

/// The card with this pass id.
pub fn find_card(db: &Connection, pass_id: &str) -> Result<Option<MembershipCard>, StoreError> {
    let row = db
        .prepare_cached(&format!(
            "SELECT {CARD_COLUMNS} FROM membership_cards WHERE pass_id = ?1"
        ))?
        .query_row([pass_id], card_row)
        .optional()?;
    row.map(with_data_info).transpose()
}

/// Every card, by pass id.
pub fn list_cards(db: &Connection) -> Result<Vec<MembershipCard>, StoreError> {
    let mut statement = db.prepare_cached(&format!(
        "SELECT {CARD_COLUMNS} FROM membership_cards ORDER BY pass_id"
    ))?;
    let rows = statement
        .query_map([], card_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(with_data_info).collect()
}

/// Every template's code and merchant, by code.
pub fn list_templates(db: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut statement = db.prepare_cached(
        "SELECT template_code, merchant_id FROM templates ORDER BY template_code",
    )?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The columns [`card_row`] reads, in order (both backends use them).
pub(crate) const CARD_COLUMNS: &str = "pass_id, merchant_id, user_id, open_id, template_code, status, point, level, end_date_ms, data_info";

/// A card's stored status text.
pub(crate) fn status_text(status: CardStatus) -> &'static str {
    match status {
        CardStatus::Active => "ACTIVE",
        CardStatus::Closed => "CLOSED",
    }
}

/// The status a stored text means.
pub(crate) fn parse_status(text: &str) -> CardStatus {
    if text == "CLOSED" {
        CardStatus::Closed
    } else {
        CardStatus::Active
    }
}

/// A card whose `dataInfo` JSON is still text.
pub(crate) type CardRow = (MembershipCard, Option<String>);

fn card_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CardRow> {
    Ok((
        MembershipCard {
            pass_id: row.get(0)?,
            merchant_id: row.get(1)?,
            user_id: row.get(2)?,
            open_id: row.get(3)?,
            template_code: row.get(4)?,
            status: parse_status(&row.get::<_, String>(5)?),
            point: row.get(6)?,
            level: row.get(7)?,
            end_date_ms: row.get(8)?,
            data_info: Map::new(),
        },
        row.get(9)?,
    ))
}

/// Reads the stored `dataInfo` JSON into the card.
pub(crate) fn with_data_info((mut card, data_info): CardRow) -> Result<MembershipCard, StoreError> {
    if let Some(json) = data_info {
        card.data_info = serde_json::from_str(&json)?;
    }
    Ok(card)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;

    #[test]
    fn template_body_round_trips() {
        let store = SqliteStore::in_memory().unwrap();
        let mut body = Map::new();
        body.insert("type".into(), "COUPON".into());
        let template = PassTemplate {
            template_code: "T1".into(),
            merchant_id: "M".into(),
            body,
        };
        let stored = template.clone();
        store.write(move |db| put_template(db, &stored)).unwrap();
        assert_eq!(
            store.write(|db| find_template(db, "T1")).unwrap(),
            Some(template)
        );
        assert_eq!(store.write(|db| find_template(db, "T2")).unwrap(), None);
    }

    #[test]
    fn card_round_trips() {
        let store = SqliteStore::in_memory().unwrap();
        let card = MembershipCard {
            pass_id: "P1".into(),
            merchant_id: "M".into(),
            user_id: Some("2160000000000001".into()),
            open_id: None,
            template_code: None,
            status: CardStatus::Closed,
            point: Some(5),
            level: Some("GOLD".into()),
            end_date_ms: Some(1),
            data_info: Map::new(),
        };
        let stored = card.clone();
        store.write(move |db| put_card(db, &stored)).unwrap();
        assert_eq!(store.write(|db| find_card(db, "P1")).unwrap(), Some(card));
    }
}
