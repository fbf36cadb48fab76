//! AlipayHK users and their access tokens.
//!
//! A user is identified by an AlipayHK user id (`2160…`) and optionally an open id (the
//! partner-scoped alias). A token maps to a user id and expires; it is kept when its user
//! is deleted so that inquiries can answer `USER_NOT_EXIST`.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

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

/// The user with this id.
pub fn find_user(db: &Connection, user_id: &str) -> Result<Option<User>, StoreError> {
    Ok(db
        .prepare_cached("SELECT user_id, open_id, balance FROM users WHERE user_id = ?1")?
        .query_row([user_id], row_to_user)
        .optional()?)
}

/// The user with this open id.
pub fn find_user_by_open_id(db: &Connection, open_id: &str) -> Result<Option<User>, StoreError> {
    Ok(db
        .prepare_cached("SELECT user_id, open_id, balance FROM users WHERE open_id = ?1")?
        .query_row([open_id], row_to_user)
        .optional()?)
}

/// Every user, ordered by id.
pub fn list_users(db: &Connection) -> Result<Vec<User>, StoreError> {
    let mut statement =
        db.prepare("SELECT user_id, open_id, balance FROM users ORDER BY user_id")?;
    let users = statement
        .query_map([], row_to_user)?
        .collect::<Result<_, _>>()?;
    Ok(users)
}

/// Creates a user with a zero balance; `false` if the id (or open id) is taken.
pub fn create_user(
    db: &Connection,
    user_id: &str,
    open_id: Option<&str>,
) -> Result<bool, StoreError> {
    let inserted = db
        .prepare_cached(
            "INSERT OR IGNORE INTO users (user_id, open_id, balance) VALUES (?1, ?2, 0)",
        )?
        .execute(params![user_id, open_id])?;
    Ok(inserted == 1)
}

/// Deletes a user (tokens and ledger entries stay); `false` if there was none.
pub fn delete_user(db: &Connection, user_id: &str) -> Result<bool, StoreError> {
    Ok(db
        .prepare_cached("DELETE FROM users WHERE user_id = ?1")?
        .execute([user_id])?
        == 1)
}

/// Stores (or replaces) an access token for `user_id`.
pub fn put_token(
    db: &Connection,
    token: &str,
    user_id: &str,
    expires_at_ms: i64,
) -> Result<(), StoreError> {
    db.prepare_cached(
        "INSERT OR REPLACE INTO access_tokens (token, user_id, expires_at_ms) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![token, user_id, expires_at_ms])?;
    Ok(())
}

/// Resolves `token` at time `now_ms`.
pub fn check_token(db: &Connection, token: &str, now_ms: i64) -> Result<TokenCheck, StoreError> {
    if !is_well_formed_token(token) {
        return Ok(TokenCheck::Invalid);
    }
    let owner: Option<(String, i64)> = db
        .prepare_cached("SELECT user_id, expires_at_ms FROM access_tokens WHERE token = ?1")?
        .query_row([token], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((user_id, expires_at_ms)) = owner else {
        return Ok(TokenCheck::Invalid);
    };
    if expires_at_ms <= now_ms {
        return Ok(TokenCheck::Invalid);
    }
    Ok(match find_user(db, &user_id)? {
        Some(user) => TokenCheck::Valid(user),
        None => TokenCheck::UserGone,
    })
}

/// The user id a token belongs to, whatever its state (for matching scripted rules).
pub fn token_owner(db: &Connection, token: &str) -> Result<Option<String>, StoreError> {
    Ok(db
        .prepare_cached("SELECT user_id FROM access_tokens WHERE token = ?1")?
        .query_row([token], |row| row.get(0))
        .optional()?)
}

fn row_to_user(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        user_id: row.get(0)?,
        open_id: row.get(1)?,
        balance: row.get(2)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;

    #[test]
    fn expired_unknown_and_malformed_tokens_are_invalid() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .write(|db| {
                create_user(db, "2160000000000001", None)?;
                put_token(db, "expired", "2160000000000001", 1_000)?;
                put_token(db, "fresh", "2160000000000001", 10_000)?;
                assert_eq!(check_token(db, "expired", 5_000)?, TokenCheck::Invalid);
                assert_eq!(check_token(db, "nobody", 5_000)?, TokenCheck::Invalid);
                assert_eq!(check_token(db, "bad token!", 5_000)?, TokenCheck::Invalid);
                assert!(matches!(
                    check_token(db, "fresh", 5_000)?,
                    TokenCheck::Valid(_)
                ));
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn token_of_deleted_user_is_user_gone() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .write(|db| {
                create_user(db, "2160000000000002", None)?;
                put_token(db, "tok", "2160000000000002", i64::MAX)?;
                assert!(delete_user(db, "2160000000000002")?);
                assert_eq!(check_token(db, "tok", 0)?, TokenCheck::UserGone);
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn user_ids_must_start_with_2160() {
        assert!(is_alipayhk_user_id("2160400000000135"));
        assert!(!is_alipayhk_user_id("1160400000000135"));
        assert!(!is_alipayhk_user_id("2160abc"));
    }
}
