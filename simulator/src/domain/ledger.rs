//! The append-only A. Point ledger.
//!
//! Architecture invariant: a user's `balance` changes only by a posting, which appends one
//! entry and updates the balance in the same transaction (each store's `post`), so the
//! balance always equals the sum of the user's entries; [`balance_after`] says what a
//! posting may do.

use serde::{Deserialize, Serialize};

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
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::Redeem => "redeem",
            Self::Adjustment => "adjustment",
        }
    }

    /// The kind a stored text means.
    pub fn parse(text: &str) -> Self {
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

/// What one request moved, for the request journal: the entries `client_id` caused under
/// `biz_no` between two instants (ms since the epoch, inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEntries {
    /// The partner's Client-Id.
    pub client_id: String,
    /// The request's bizNo.
    pub biz_no: String,
    /// When the request arrived.
    pub from_ms: i64,
    /// When it was answered.
    pub to_ms: i64,
}

/// Why a posting was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostingRefused {
    /// The user does not exist.
    NoSuchUser,
    /// The balance would go below zero.
    PointNotEnough,
}

/// The balance after moving `delta` points from `balance`: the one rule every posting
/// obeys (a balance never goes below zero, nor past `i64::MAX`).
pub fn balance_after(balance: i64, delta: i64) -> Result<i64, PostingRefused> {
    balance
        .checked_add(delta)
        .filter(|b| *b >= 0)
        .ok_or(PostingRefused::PointNotEnough)
}

/// The adjustment that takes a balance from `current` to `target` (the admin API's "set
/// the balance"): `None` when there is nothing to post.
pub fn adjustment(current: i64, target: i64) -> Option<i64> {
    (current != target).then(|| target - current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_balance_never_goes_below_zero_or_overflows() {
        assert_eq!(balance_after(10, -10), Ok(0));
        assert_eq!(balance_after(10, -11), Err(PostingRefused::PointNotEnough));
        assert_eq!(
            balance_after(i64::MAX, 1),
            Err(PostingRefused::PointNotEnough)
        );
    }

    #[test]
    fn setting_the_same_balance_posts_nothing() {
        assert_eq!(adjustment(7, 7), None);
        assert_eq!(adjustment(7, 2), Some(-5));
    }

    #[test]
    fn entry_kinds_round_trip_as_text() {
        for kind in [EntryKind::Issue, EntryKind::Redeem, EntryKind::Adjustment] {
            assert_eq!(EntryKind::parse(kind.as_str()), kind);
        }
    }
}
