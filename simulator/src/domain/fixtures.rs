//! Seed fixtures: users, tokens, balances, budgets, templates and cards to start from.
//!
//! The same shapes as the admin API's JSON bodies (camelCase), so a fixture file (TOML
//! or JSON) can be written by copying admin requests. [`Fixtures::demo`] is what a
//! fresh data directory starts with.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::accounts;
use super::budget::IssueBudget;
use super::cards::{self, CardStatus, MembershipCard, PassTemplate};

/// The demo user with points and a valid token (from the spec's examples).
pub const DEMO_USER_ID: &str = "2160400000000135";
/// The demo user's access token (the Inquire page's sample token).
pub const DEMO_ACCESS_TOKEN: &str = "281001133486932346851012000aKLpNuDBB";
/// A second demo user, with no points.
pub const DEMO_EMPTY_USER_ID: &str = "2160400000000136";
/// The demo issue campaign.
pub const DEMO_PRODUCT_ID: &str = "POINT_CAMPAIGN_2024";
/// The demo merchant.
pub const DEMO_MERCHANT_ID: &str = "2160120041113167";
/// The demo coupon template.
pub const DEMO_TEMPLATE_CODE: &str = "82022031000135000000000000624234";
/// The demo membership card.
pub const DEMO_PASS_ID: &str = "2024121119027102160254809674364";

/// A token of a fixture user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenFixture {
    /// The access token string.
    pub token: String,
    /// Expiry in ms since the epoch; never if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<i64>,
}

/// A user with a starting balance and tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserFixture {
    /// AlipayHK user id (`2160…`).
    pub user_id: String,
    /// Open id, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Starting balance (posted as one adjustment entry).
    #[serde(default)]
    pub balance: i64,
    /// Access tokens.
    #[serde(default)]
    pub access_tokens: Vec<TokenFixture>,
}

/// Everything a simulator can start with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Fixtures {
    /// Users, balances and tokens.
    pub users: Vec<UserFixture>,
    /// Issue budgets.
    pub budgets: Vec<IssueBudget>,
    /// Query Template answers.
    pub templates: Vec<PassTemplate>,
    /// Membership cards.
    pub cards: Vec<MembershipCard>,
}

/// A fixture file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The file could not be read.
    #[error("cannot read fixture file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid fixtures.
    #[error("fixture file {path} is invalid: {detail}; see simulator/README.md for the format")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message (with line and column).
        detail: String,
    },
    /// A fixture value is out of range.
    #[error("fixture {what} is invalid: {detail}")]
    Invalid {
        /// Which fixture.
        what: String,
        /// Why.
        detail: String,
    },
}

/// One write of [`Fixtures::writes`].
#[derive(Debug, Clone, PartialEq)]
pub enum FixtureWrite<'a> {
    /// Create the user if missing, then set its balance (as one adjustment entry). Checked
    /// non-negative, and the user exists: the posting cannot be refused.
    User(&'a UserFixture),
    /// Store (or replace) an access token.
    Token {
        /// The token.
        token: &'a str,
        /// Its user.
        user_id: &'a str,
        /// Its expiry.
        expires_at_ms: i64,
    },
    /// Create or replace a budget.
    Budget(&'a IssueBudget),
    /// Create or replace a template.
    Template(&'a PassTemplate),
    /// Create or replace a card.
    Card(&'a MembershipCard),
}

/// A token that never expires, in practice.
pub const NEVER_MS: i64 = 4_102_444_800_000; // 2100-01-01

impl Fixtures {
    /// Reads fixtures from a `.json` or `.toml` file.
    pub fn from_file(path: &Path) -> Result<Self, FixtureError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read {
            path: shown.clone(),
            source,
        })?;
        let parsed = if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| e.to_string())
        } else {
            toml::from_str(&text).map_err(|e| e.to_string())
        };
        let fixtures: Self = parsed.map_err(|detail| FixtureError::Parse {
            path: shown,
            detail,
        })?;
        fixtures.check()?;
        Ok(fixtures)
    }

    /// Refuses values the simulator could not serve.
    pub fn check(&self) -> Result<(), FixtureError> {
        for user in &self.users {
            if !accounts::is_alipayhk_user_id(&user.user_id) {
                return Err(invalid(
                    &user.user_id,
                    "an AlipayHK user id is digits starting with 2160",
                ));
            }
            if user.balance < 0 {
                return Err(invalid(&user.user_id, "a balance cannot be negative"));
            }
            if let Some(bad) = user
                .access_tokens
                .iter()
                .find(|t| !accounts::is_well_formed_token(&t.token))
            {
                return Err(invalid(
                    &bad.token,
                    "a token is 1 to 128 letters, digits, '-', '_' or '.'",
                ));
            }
        }
        for template in &self.templates {
            cards::check_template(template)
                .map_err(|detail| invalid(&template.template_code, &detail))?;
        }
        for b in &self.budgets {
            if b.total_remaining < 0 || b.current_remaining < 0 {
                return Err(invalid(&b.product_id, "budgets cannot be negative"));
            }
        }
        Ok(())
    }

    /// What applying the fixtures writes, in order: each store turns every write into one
    /// query of its own, inside one transaction.
    pub(crate) fn writes(&self) -> Vec<FixtureWrite<'_>> {
        let mut writes = Vec::new();
        for user in &self.users {
            writes.push(FixtureWrite::User(user));
            writes.extend(user.access_tokens.iter().map(|token| FixtureWrite::Token {
                token: &token.token,
                user_id: &user.user_id,
                expires_at_ms: token.expires_at_ms.unwrap_or(NEVER_MS),
            }));
        }
        writes.extend(self.budgets.iter().map(FixtureWrite::Budget));
        writes.extend(self.templates.iter().map(FixtureWrite::Template));
        writes.extend(self.cards.iter().map(FixtureWrite::Card));
        writes
    }

    /// The fixtures of one user (what the admin API's user creation applies).
    pub fn of_user(user: UserFixture) -> Self {
        Self {
            users: vec![user],
            ..Self::default()
        }
    }

    /// The demo data of a fresh data directory.
    pub fn demo() -> Self {
        let template_body = json!({
            "type": "COUPON",
            "product": "GIFT_CARD",
            "startDate": 1_640_970_061_000_i64,
            "endDate": NEVER_MS,
            "status": "valid",
            "codeType": "qrcode",
            "codeStandard": "QRCODE",
            "imageUrl": "https://example.com/images/coffee-350.png",
            "localeInfo": {
                "en_US": {"name": "Coffee voucher", "subName": "Large coffee", "description": "Valid at all branches", "brandName": "Demo Coffee"},
                "zh_HK": {"name": "咖啡禮券", "subName": "大杯咖啡", "description": "適用於全線分店", "brandName": "示範咖啡"}
            },
            "currentAmount": {"value": "2800", "currency": "HKD"},
            "originalAmount": {"value": "3800", "currency": "HKD"},
            "discount": "74",
            "stock": 1000,
            "availableStock": 950,
            "orderPageLink": "alipayhk://platformapi/startapp?appId=20000067&page=order",
            "categories": ["CoffeeAndTea"],
            "bizMids": [DEMO_MERCHANT_ID],
            "exposure": "exposed"
        });
        Self {
            users: vec![
                UserFixture {
                    user_id: DEMO_USER_ID.into(),
                    open_id: Some("demo-open-id-135".into()),
                    balance: 1_200,
                    access_tokens: vec![TokenFixture {
                        token: DEMO_ACCESS_TOKEN.into(),
                        expires_at_ms: None,
                    }],
                },
                UserFixture {
                    user_id: DEMO_EMPTY_USER_ID.into(),
                    open_id: None,
                    balance: 0,
                    access_tokens: vec![TokenFixture {
                        token: "demo-token-empty-user".into(),
                        expires_at_ms: None,
                    }],
                },
            ],
            budgets: vec![IssueBudget {
                product_id: DEMO_PRODUCT_ID.into(),
                total_remaining: 1_000_000,
                current_remaining: 100_000,
                campaign_start_ms: 1_704_038_400_000, // 2024-01-01 (HKT)
                campaign_end_ms: NEVER_MS,
                paused: false,
            }],
            templates: vec![PassTemplate {
                template_code: DEMO_TEMPLATE_CODE.into(),
                merchant_id: DEMO_MERCHANT_ID.into(),
                body: as_map(template_body),
            }],
            cards: vec![MembershipCard {
                pass_id: DEMO_PASS_ID.into(),
                merchant_id: DEMO_MERCHANT_ID.into(),
                user_id: Some(DEMO_USER_ID.into()),
                open_id: Some("demo-open-id-135".into()),
                template_code: Some("82022031000135000000000000624235".into()),
                status: CardStatus::Active,
                point: Some(1_000),
                level: Some("SILVER".into()),
                end_date_ms: Some(1_767_196_799_000),
                data_info: Map::new(),
            }],
        }
    }
}

fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn invalid(what: &str, detail: &str) -> FixtureError {
    FixtureError::Invalid {
        what: what.to_string(),
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_fixtures_are_valid_and_write_users_before_their_tokens() {
        let demo = Fixtures::demo();
        demo.check().unwrap();
        let writes = demo.writes();
        assert!(matches!(writes[0], FixtureWrite::User(u) if u.user_id == DEMO_USER_ID));
        assert!(matches!(
            writes[1],
            FixtureWrite::Token {
                token: DEMO_ACCESS_TOKEN,
                expires_at_ms: NEVER_MS,
                ..
            }
        ));
        assert!(matches!(writes.last(), Some(FixtureWrite::Card(_))));
    }

    #[test]
    fn fixtures_parse_from_toml_with_admin_api_names() {
        let text = r#"
            [[users]]
            userId = "2160000000000009"
            balance = 5
            accessTokens = [{ token = "t9" }]

            [[budgets]]
            productId = "P"
            totalRemaining = 10
            currentRemaining = 5
        "#;
        let fixtures: Fixtures = toml::from_str(text).unwrap();
        assert_eq!(fixtures.users[0].access_tokens[0].token, "t9");
        assert_eq!(fixtures.budgets[0].campaign_end_ms, NEVER_MS);
        fixtures.check().unwrap();
    }

    #[test]
    fn user_id_not_starting_with_2160_is_refused() {
        let fixtures = Fixtures {
            users: vec![UserFixture {
                user_id: "123".into(),
                open_id: None,
                balance: 0,
                access_tokens: vec![],
            }],
            ..Fixtures::default()
        };
        assert!(matches!(
            fixtures.check(),
            Err(FixtureError::Invalid { .. })
        ));
    }
}
