//! AlipayHK users and their access tokens.
//!
//! A user is identified by an AlipayHK user id (`2160…`) and optionally an open id (the
//! partner-scoped alias). A token maps to a user id and expires; it is kept when its user
//! is deleted so that inquiries can answer `USER_NOT_EXIST`.

use alipayhk_api::models::{AccountBenefitModel, RedeemAPointRequestBenefitProductCode};
use alipayhk_api::result_codes::{InquireAPointFailure, InquireAPointResultCode};
use serde::{Deserialize, Serialize};

use super::answers::{Answer, InquireAnswer};

/// An AlipayHK user as the simulator knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// AlipayHK user id, `2160…`.
    pub user_id: String,
    /// The user's open id for the partner, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Current A. Point balance (always the sum of the user's ledger entries).
    pub balance: i64,
}

/// What a token resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// Valid, and the user exists.
    Valid(User),
    /// Unknown, malformed or expired.
    Invalid,
    /// Valid, but its user has been deleted.
    UserGone,
}

/// Whether `user_id` looks like an AlipayHK user id (starts with 2160, digits only).
pub fn is_alipayhk_user_id(user_id: &str) -> bool {
    user_id.starts_with("2160")
        && user_id.len() <= 32
        && user_id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `token` has the shape of an access token (1..=128 ASCII letters, digits, `-`, `_`, `.`).
pub fn is_well_formed_token(token: &str) -> bool {
    (1..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// What a token resolves to at `now_ms`, given what the store found under it: its expiry
/// and, when its user still exists, the user. A malformed token never reaches the store.
pub fn resolve_token(found: Option<(i64, Option<User>)>, now_ms: i64) -> TokenCheck {
    match found {
        None => TokenCheck::Invalid,
        Some((expires_at_ms, _)) if expires_at_ms <= now_ms => TokenCheck::Invalid,
        Some((_, Some(user))) => TokenCheck::Valid(user),
        Some((_, None)) => TokenCheck::UserGone,
    }
}

/// Inquire A. Point's answer for what the token resolved to: the balance when valid.
pub fn inquire_answer(check: TokenCheck) -> InquireAnswer {
    match check {
        TokenCheck::Valid(user) => Answer::success(
            InquireAPointResultCode::Success,
            AccountBenefitModel::new()
                .with_benefit_product_code(RedeemAPointRequestBenefitProductCode::Point.as_str())
                .with_balance(user.balance),
        ),
        TokenCheck::Invalid => Answer::code(InquireAPointFailure::AccesstokenValidateFailed),
        TokenCheck::UserGone => Answer::code(InquireAPointFailure::UserNotExist),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            user_id: "2160000000000001".into(),
            open_id: None,
            balance: 0,
        }
    }

    #[test]
    fn expired_and_unknown_tokens_are_invalid() {
        assert_eq!(resolve_token(None, 5_000), TokenCheck::Invalid);
        assert_eq!(
            resolve_token(Some((1_000, Some(user()))), 5_000),
            TokenCheck::Invalid
        );
        assert_eq!(
            resolve_token(Some((10_000, Some(user()))), 5_000),
            TokenCheck::Valid(user())
        );
        assert!(!is_well_formed_token("bad token!"));
    }

    #[test]
    fn token_of_deleted_user_is_user_gone() {
        assert_eq!(
            resolve_token(Some((i64::MAX, None)), 0),
            TokenCheck::UserGone
        );
    }

    #[test]
    fn user_ids_must_start_with_2160() {
        assert!(is_alipayhk_user_id("2160400000000135"));
        assert!(!is_alipayhk_user_id("1160400000000135"));
        assert!(!is_alipayhk_user_id("2160abc"));
    }
}
