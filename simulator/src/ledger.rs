//! The append-only A. Point ledger.
//!
//! Architecture invariant: a user's `balance` changes only through [`PointLedger::post`],
//! which appends one entry and updates the balance in the same transaction, so the
//! balance always equals the sum of the user's entries and never goes below zero.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::accounts;
use crate::store::{StoreError, now_ms};

/// Why points moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Issue A. Point credited the user.
    Issue,
    /// Redeem A. Point debited the user.
    Redeem,
    /// The admin API set a balance.
    Adjustment,
}

impl EntryKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::Redeem => "redeem",
            Self::Adjustment => "adjustment",
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "issue" => Self::Issue,
            "redeem" => Self::Redeem,
            _ => Self::Adjustment,
        }
    }
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    /// Increasing entry number.
    pub entry_id: i64,
    /// The user whose balance moved.
    pub user_id: String,
    /// Points added (positive) or removed (negative).
    pub delta: i64,
    /// The balance right after this entry.
    pub balance_after: i64,
    /// Why.
    pub kind: EntryKind,
    /// The partner that caused it, if any.
    pub client_id: Option<String>,
    /// The partner's bizNo, if any.
    pub biz_no: Option<String>,
    /// The campaign points were issued from, if any.
    pub product_id: Option<String>,
    /// When, in ms since the epoch.
    pub created_at_ms: i64,
}

/// Who asked for a posting and under which business number.
#[derive(Debug, Clone, Default)]
pub struct PostingSource<'a> {
    /// The partner's Client-Id.
    pub client_id: Option<&'a str>,
    /// The partner's bizNo.
    pub biz_no: Option<&'a str>,
    /// The issue campaign.
    pub product_id: Option<&'a str>,
}

/// Why a posting was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostingRefused {
    /// The user does not exist.
    NoSuchUser,
    /// The balance would go below zero.
    PointNotEnough,
}

/// The ledger, on one connection (normally inside a write transaction).
pub struct PointLedger<'c> {
    db: &'c Connection,
}

impl<'c> PointLedger<'c> {
    /// The ledger seen through `db`.
    pub fn new(db: &'c Connection) -> Self {
        Self { db }
    }

    /// Appends an entry moving `delta` points and returns the new balance.
    pub fn post(
        &self,
        user_id: &str,
        delta: i64,
        kind: EntryKind,
        source: &PostingSource<'_>,
    ) -> Result<Result<i64, PostingRefused>, StoreError> {
        let Some(user) = accounts::find_user(self.db, user_id)? else {
            return Ok(Err(PostingRefused::NoSuchUser));
        };
        let Some(balance_after) = user.balance.checked_add(delta).filter(|b| *b >= 0) else {
            return Ok(Err(PostingRefused::PointNotEnough));
        };
        self.db.prepare_cached("INSERT INTO point_ledger (user_id, delta, balance_after, kind, client_id, biz_no, product_id, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(params![
                user_id,
                delta,
                balance_after,
                kind.as_str(),
                source.client_id,
                source.biz_no,
                source.product_id,
                now_ms()
            ],
        )?;
        self.db
            .prepare_cached("UPDATE users SET balance = ?2 WHERE user_id = ?1")?
            .execute(params![user_id, balance_after])?;
        Ok(Ok(balance_after))
    }

    /// Sets a balance by posting the difference as an adjustment.
    pub fn set_balance(
        &self,
        user_id: &str,
        balance: i64,
    ) -> Result<Result<i64, PostingRefused>, StoreError> {
        let Some(user) = accounts::find_user(self.db, user_id)? else {
            return Ok(Err(PostingRefused::NoSuchUser));
        };
        if user.balance == balance {
            return Ok(Ok(balance));
        }
        self.post(
            user_id,
            balance - user.balance,
            EntryKind::Adjustment,
            &PostingSource::default(),
        )
    }

    /// Entries in order, for one user or for all.
    pub fn entries(&self, user_id: Option<&str>) -> Result<Vec<LedgerEntry>, StoreError> {
        let mut statement = self.db.prepare(
            "SELECT entry_id, user_id, delta, balance_after, kind, client_id, biz_no, product_id, created_at_ms
             FROM point_ledger WHERE ?1 IS NULL OR user_id = ?1 ORDER BY entry_id",
        )?;
        let rows = statement.query_map([user_id], entry_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The entries `client_id` caused under `biz_no` between two instants (ms since the
    /// epoch, inclusive): what one request moved, for the request journal.
    pub fn entries_between(
        &self,
        from_ms: i64,
        to_ms: i64,
        client_id: &str,
        biz_no: &str,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let mut statement = self.db.prepare_cached(
            "SELECT entry_id, user_id, delta, balance_after, kind, client_id, biz_no, product_id, created_at_ms
             FROM point_ledger WHERE client_id = ?3 AND biz_no = ?4 AND created_at_ms BETWEEN ?1 AND ?2
             ORDER BY entry_id",
        )?;
        let rows = statement.query_map(
            rusqlite::params![from_ms, to_ms, client_id, biz_no],
            entry_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The sum of a user's entries (what the balance must equal).
    pub fn sum(&self, user_id: &str) -> Result<i64, StoreError> {
        Ok(self
            .db
            .prepare_cached("SELECT COALESCE(SUM(delta), 0) FROM point_ledger WHERE user_id = ?1")?
            .query_row([user_id], |row| row.get(0))?)
    }
}

fn entry_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<LedgerEntry> {
    Ok(LedgerEntry {
        entry_id: row.get(0)?,
        user_id: row.get(1)?,
        delta: row.get(2)?,
        balance_after: row.get(3)?,
        kind: EntryKind::parse(&row.get::<_, String>(4)?),
        client_id: row.get(5)?,
        biz_no: row.get(6)?,
        product_id: row.get(7)?,
        created_at_ms: row.get(8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;

    const USER: &str = "2160000000000001";

    fn store_with_user() -> SqliteStore {
        let store = SqliteStore::in_memory().unwrap();
        store
            .write(|db| accounts::create_user(db, USER, None))
            .unwrap();
        store
    }

    #[test]
    fn balance_always_equals_sum_of_ledger() {
        let store = store_with_user();
        store
            .write(|db| {
                let ledger = PointLedger::new(db);
                let source = PostingSource::default();
                for delta in [100, -30, 5, -75, 40] {
                    ledger
                        .post(USER, delta, EntryKind::Issue, &source)?
                        .unwrap();
                }
                ledger.set_balance(USER, 7)?.unwrap();
                let user = accounts::find_user(db, USER)?.unwrap();
                assert_eq!(user.balance, 7);
                assert_eq!(ledger.sum(USER)?, user.balance);
                assert_eq!(ledger.entries(Some(USER))?.last().unwrap().balance_after, 7);
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn debit_beyond_balance_is_refused_and_leaves_no_entry() {
        let store = store_with_user();
        store
            .write(|db| {
                let ledger = PointLedger::new(db);
                ledger
                    .post(USER, 10, EntryKind::Issue, &PostingSource::default())?
                    .unwrap();
                let refused =
                    ledger.post(USER, -11, EntryKind::Redeem, &PostingSource::default())?;
                assert_eq!(refused, Err(PostingRefused::PointNotEnough));
                assert_eq!(ledger.entries(Some(USER))?.len(), 1);
                assert_eq!(ledger.sum(USER)?, 10);
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn posting_to_unknown_user_is_refused() {
        let store = SqliteStore::in_memory().unwrap();
        let refused = store
            .write(|db| {
                PointLedger::new(db).post(USER, 1, EntryKind::Issue, &PostingSource::default())
            })
            .unwrap();
        assert_eq!(refused, Err(PostingRefused::NoSuchUser));
    }
}
