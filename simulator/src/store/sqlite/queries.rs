//! The SQLite queries: every statement of the embedded backend, each run inside the
//! transaction (or on the reader) the caller holds; the plans they apply are decided in
//! the domain.

use alipayhk_api::OperationId;
use alipayhk_api::result_codes::{IssueAPointFailure, RedeemAPointFailure};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Map;

use crate::domain::accounts::User;
use crate::domain::answers::{CardAnswer, IssueAnswer, RedeemAnswer, replayed};
use crate::domain::budget::IssueBudget;
use crate::domain::cards::{
    self, CardUpdate, MembershipCard, PassTemplate, parse_status, status_text,
};
use crate::domain::fixtures::{FixtureWrite, Fixtures, UserFixture};
use crate::domain::idempotency::{IdempotencyKey, RecordedAnswer, Replay};
use crate::domain::ledger::{
    self, EntryKind, LedgerEntry, PostingRefused, PostingSource, RequestEntries,
};
use crate::domain::now_ms;
use crate::domain::points::{self, IssueCall, IssuePlan, Recipient, RedeemCall};
use crate::domain::replayed::{ReplayedOutcome, ReplayedPosting};
use crate::store::{CreatedUser, STATE_TABLES, StoreError};

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

/// The expiry of `token` and, if it still exists, its user.
pub fn find_token(db: &Connection, token: &str) -> Result<Option<(i64, Option<User>)>, StoreError> {
    let owner: Option<(String, i64)> = db
        .prepare_cached("SELECT user_id, expires_at_ms FROM access_tokens WHERE token = ?1")?
        .query_row([token], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((user_id, expires_at_ms)) = owner else {
        return Ok(None);
    };
    Ok(Some((expires_at_ms, find_user(db, &user_id)?)))
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

/// The budget of `product_id`.
pub fn find_budget(db: &Connection, product_id: &str) -> Result<Option<IssueBudget>, StoreError> {
    Ok(db
        .prepare_cached(
            "SELECT product_id, total_remaining, current_remaining, campaign_start_ms, campaign_end_ms, paused
             FROM issue_budgets WHERE product_id = ?1",
        )?
        .query_row([product_id], budget_row)
        .optional()?)
}

/// Every budget, by product id.
pub fn list_budgets(db: &Connection) -> Result<Vec<IssueBudget>, StoreError> {
    let mut statement = db.prepare_cached(
        "SELECT product_id, total_remaining, current_remaining, campaign_start_ms, campaign_end_ms, paused
         FROM issue_budgets ORDER BY product_id",
    )?;
    let rows = statement.query_map([], budget_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn budget_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<IssueBudget> {
    Ok(IssueBudget {
        product_id: row.get(0)?,
        total_remaining: row.get(1)?,
        current_remaining: row.get(2)?,
        campaign_start_ms: row.get(3)?,
        campaign_end_ms: row.get(4)?,
        paused: row.get(5)?,
    })
}

/// Creates or replaces a budget.
pub fn put_budget(db: &Connection, budget: &IssueBudget) -> Result<(), StoreError> {
    db.prepare_cached("INSERT OR REPLACE INTO issue_budgets
         (product_id, total_remaining, current_remaining, campaign_start_ms, campaign_end_ms, paused)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![
            budget.product_id,
            budget.total_remaining,
            budget.current_remaining,
            budget.campaign_start_ms,
            budget.campaign_end_ms,
            budget.paused
        ],
    )?;
    Ok(())
}

/// Takes `amount` from both the total and the current budget (after [`IssueBudget::refusal`]).
pub fn consume(db: &Connection, product_id: &str, amount: i64) -> Result<(), StoreError> {
    db.prepare_cached(
        "UPDATE issue_budgets SET total_remaining = total_remaining - ?2,
         current_remaining = current_remaining - ?2 WHERE product_id = ?1",
    )?
    .execute(params![product_id, amount])?;
    Ok(())
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

/// The columns [`card_row`] reads, in order.
const CARD_COLUMNS: &str = "pass_id, merchant_id, user_id, open_id, template_code, status, point, level, end_date_ms, data_info";

/// A card whose `dataInfo` JSON is still text.
type CardRow = (MembershipCard, Option<String>);

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
fn with_data_info((mut card, data_info): CardRow) -> Result<MembershipCard, StoreError> {
    if let Some(json) = data_info {
        card.data_info = serde_json::from_str(&json)?;
    }
    Ok(card)
}

/// The ledger (see [`ledger`]), on one connection (normally inside a write transaction).
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
        let Some(user) = find_user(self.db, user_id)? else {
            return Ok(Err(PostingRefused::NoSuchUser));
        };
        let balance_after = match ledger::balance_after(user.balance, delta) {
            Ok(balance_after) => balance_after,
            Err(refused) => return Ok(Err(refused)),
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
        let Some(user) = find_user(self.db, user_id)? else {
            return Ok(Err(PostingRefused::NoSuchUser));
        };
        match ledger::adjustment(user.balance, balance) {
            None => Ok(Ok(balance)),
            Some(delta) => self.post(
                user_id,
                delta,
                EntryKind::Adjustment,
                &PostingSource::default(),
            ),
        }
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

    /// See [`RequestEntries`].
    pub fn of_request(&self, request: &RequestEntries) -> Result<Vec<LedgerEntry>, StoreError> {
        let mut statement = self.db.prepare_cached(
            "SELECT entry_id, user_id, delta, balance_after, kind, client_id, biz_no, product_id, created_at_ms
             FROM point_ledger WHERE client_id = ?3 AND biz_no = ?4 AND created_at_ms BETWEEN ?1 AND ?2
             ORDER BY entry_id",
        )?;
        let rows = statement.query_map(
            params![
                request.from_ms,
                request.to_ms,
                request.client_id,
                request.biz_no
            ],
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

/// Looks up `key` for a request whose business parameters render as `fingerprint`.
pub fn lookup(
    db: &Connection,
    key: &IdempotencyKey<'_>,
    fingerprint: &str,
) -> Result<Replay, StoreError> {
    let recorded: Option<(String, String, Option<String>)> = db
        .prepare_cached(
            "SELECT fingerprint, result_code, detail FROM idempotency_records
             WHERE client_id = ?1 AND operation = ?2 AND biz_no = ?3",
        )?
        .query_row(params![key.client_id, key.operation, key.biz_no], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    Ok(Replay::of(recorded, fingerprint))
}

/// Records the final answer for `key` (call only for S and F answers).
pub fn record(
    db: &Connection,
    key: &IdempotencyKey<'_>,
    fingerprint: &str,
    answer: &RecordedAnswer,
) -> Result<(), StoreError> {
    db.prepare_cached("INSERT INTO idempotency_records (client_id, operation, biz_no, fingerprint, result_code, detail, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![key.client_id, key.operation, key.biz_no, fingerprint, answer.code, answer.detail, now_ms()],
    )?;
    Ok(())
}

/// Writes fixtures (see [`Fixtures::writes`]) inside the caller's transaction.
pub fn apply_fixtures(db: &Connection, fixtures: &Fixtures) -> Result<(), StoreError> {
    for write in fixtures.writes() {
        match write {
            FixtureWrite::User(user) => {
                create_user(db, &user.user_id, user.open_id.as_deref())?;
                let _ = PointLedger::new(db).set_balance(&user.user_id, user.balance)?;
            }
            FixtureWrite::Token {
                token,
                user_id,
                expires_at_ms,
            } => put_token(db, token, user_id, expires_at_ms)?,
            FixtureWrite::Budget(b) => put_budget(db, b)?,
            FixtureWrite::Template(t) => put_template(db, t)?,
            FixtureWrite::Card(card) => put_card(db, card)?,
        }
    }
    Ok(())
}

/// Creates a user from its fixture (balance and tokens).
pub fn create_user_from(db: &Connection, fixture: UserFixture) -> Result<CreatedUser, StoreError> {
    if find_user(db, &fixture.user_id)?.is_some() {
        return Ok(CreatedUser::Exists);
    }
    if !create_user(db, &fixture.user_id, fixture.open_id.as_deref())? {
        return Ok(CreatedUser::OpenIdTaken);
    }
    let user_id = fixture.user_id.clone();
    apply_fixtures(db, &Fixtures::of_user(fixture))?;
    Ok(find_user(db, &user_id)?.map_or(CreatedUser::Exists, CreatedUser::Created))
}

/// Sets a balance by posting the difference; the user afterwards.
pub fn set_balance(
    db: &Connection,
    user_id: &str,
    balance: i64,
) -> Result<Result<User, PostingRefused>, StoreError> {
    if let Err(refused) = PointLedger::new(db).set_balance(user_id, balance)? {
        return Ok(Err(refused));
    }
    Ok(find_user(db, user_id)?.ok_or(PostingRefused::NoSuchUser))
}

/// Posts a replayed answer's points (see [`crate::domain::replayed`]), once per client and
/// bizNo.
pub fn post_replayed(
    db: &Connection,
    posting: &ReplayedPosting,
) -> Result<ReplayedOutcome, StoreError> {
    if let Some(biz_no) = &posting.biz_no {
        let posted: bool = db
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM point_ledger WHERE user_id = ?1 AND client_id = ?2 AND biz_no = ?3)",
            )?
            .query_row(params![posting.user_id, posting.client_id, biz_no], |row| {
                row.get(0)
            })?;
        if posted {
            return Ok(ReplayedOutcome::AlreadyPosted);
        }
    }
    let source = PostingSource {
        client_id: Some(&posting.client_id),
        biz_no: posting.biz_no.as_deref(),
        product_id: posting.product_id.as_deref(),
    };
    Ok(
        match PointLedger::new(db).post(&posting.user_id, posting.delta, posting.kind, &source)? {
            Ok(balance) => ReplayedOutcome::Posted(balance),
            Err(refused) => ReplayedOutcome::Refused(refused),
        },
    )
}

/// The idempotency key of (client, operation, bizNo).
fn key<'a>(client_id: &'a str, operation: OperationId, biz_no: &'a str) -> IdempotencyKey<'a> {
    IdempotencyKey {
        client_id,
        operation: operation.as_str(),
        biz_no,
    }
}

/// Records a final answer's code (Issue and Redeem answers carry nothing else).
fn record_code(
    db: &Connection,
    key: &IdempotencyKey<'_>,
    fingerprint: &str,
    code: String,
) -> Result<(), StoreError> {
    record(db, key, fingerprint, &RecordedAnswer { code, detail: None })
}

/// Issue A. Point: replay, or read the facts, apply [`points::decide_issue`]'s plan and
/// record its answer.
pub fn issue(db: &Connection, call: &IssueCall) -> Result<IssueAnswer, StoreError> {
    let key = call
        .request
        .biz_no
        .as_deref()
        .map(|biz_no| key(&call.client_id, OperationId::IssueAPoint, biz_no));
    if let Some(key) = &key {
        let replay = lookup(db, key, &call.fingerprint)?;
        if let Some(answer) = replayed(replay, IssueAPointFailure::RepeatReqInconsistent) {
            return Ok(answer);
        }
    }
    let user = match call.recipient() {
        Some(Recipient::UserId(user_id)) => find_user(db, user_id)?,
        Some(Recipient::OpenId(open_id)) => find_user_by_open_id(db, open_id)?,
        None => None,
    };
    let budget = find_budget(db, &call.product_id)?;
    let answer = match points::decide_issue(call, user, budget) {
        IssuePlan::Refuse(answer) => answer,
        IssuePlan::Credit { user_id, amount } => {
            let source = PostingSource {
                client_id: Some(&call.client_id),
                biz_no: call.request.biz_no.as_deref(),
                product_id: Some(&call.product_id),
            };
            let posted = PointLedger::new(db).post(&user_id, amount, EntryKind::Issue, &source)?;
            if posted.is_ok() {
                consume(db, &call.product_id, amount)?;
            }
            points::issued(posted)
        }
    };
    if let Some(key) = &key {
        record_code(db, key, &call.fingerprint, answer.code.to_string())?;
    }
    Ok(answer)
}

/// Redeem A. Point: replay, or post the debit and record [`points::redeemed`]'s answer.
pub fn redeem(db: &Connection, call: &RedeemCall) -> Result<RedeemAnswer, StoreError> {
    let key = key(
        &call.client_id,
        OperationId::RedeemAPoint,
        &call.request.biz_no,
    );
    let replay = lookup(db, &key, &call.fingerprint)?;
    if let Some(answer) = replayed(replay, RedeemAPointFailure::RepeatReqInconsistent) {
        return Ok(answer);
    }
    let source = PostingSource {
        client_id: Some(&call.client_id),
        biz_no: Some(&call.request.biz_no),
        product_id: None,
    };
    let posted = PointLedger::new(db).post(
        &call.request.user_id,
        -call.total,
        EntryKind::Redeem,
        &source,
    )?;
    let answer = points::redeemed(posted);
    record_code(db, &key, &call.fingerprint, answer.code.to_string())?;
    Ok(answer)
}

/// Update Membership Card: the card, [`cards::decide_update`], the write.
pub fn update_card(db: &Connection, update: CardUpdate) -> Result<CardAnswer, StoreError> {
    let card = find_card(db, &update.pass_id)?;
    let (card, answer) = cards::decide_update(card, update);
    if let Some(card) = card {
        put_card(db, &card)?;
    }
    Ok(answer)
}

/// Deletes every row of every table (the admin `reset`), inside the caller's transaction.
pub fn clear_tables(db: &Connection) -> Result<(), StoreError> {
    for table in STATE_TABLES {
        db.execute(&format!("DELETE FROM {table}"), [])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::accounts::{TokenCheck, resolve_token};
    use crate::domain::cards::CardStatus;
    use crate::domain::fixtures::DEMO_USER_ID;
    use crate::store::sqlite::SqliteStore;

    fn check_token(db: &Connection, token: &str, now: i64) -> Result<TokenCheck, StoreError> {
        Ok(resolve_token(find_token(db, token)?, now))
    }

    #[test]
    fn expired_and_unknown_tokens_are_invalid() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .write(|db| {
                create_user(db, "2160000000000001", None)?;
                put_token(db, "expired", "2160000000000001", 1_000)?;
                put_token(db, "fresh", "2160000000000001", 10_000)?;
                assert_eq!(check_token(db, "expired", 5_000)?, TokenCheck::Invalid);
                assert_eq!(check_token(db, "nobody", 5_000)?, TokenCheck::Invalid);
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

    const USER: &str = "2160000000000001";

    fn store_with_user() -> SqliteStore {
        let store = SqliteStore::in_memory().unwrap();
        store.write(|db| create_user(db, USER, None)).unwrap();
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
                let user = find_user(db, USER)?.unwrap();
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

    const KEY: IdempotencyKey<'static> = IdempotencyKey {
        client_id: "CLIENT",
        operation: "issueAPoint",
        biz_no: "B1",
    };

    fn success() -> RecordedAnswer {
        RecordedAnswer {
            code: "SUCCESS".into(),
            detail: None,
        }
    }

    #[test]
    fn unseen_key_is_first_time() {
        let store = SqliteStore::in_memory().unwrap();
        assert_eq!(
            store.write(|db| lookup(db, &KEY, "amount=1")).unwrap(),
            Replay::FirstTime
        );
    }

    #[test]
    fn same_parameters_replay_the_recorded_answer() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .write(|db| record(db, &KEY, "amount=1", &success()))
            .unwrap();
        assert_eq!(
            store.write(|db| lookup(db, &KEY, "amount=1")).unwrap(),
            Replay::Same(success())
        );
    }

    #[test]
    fn other_parameters_are_inconsistent() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .write(|db| record(db, &KEY, "amount=1", &success()))
            .unwrap();
        let replay = store.write(|db| lookup(db, &KEY, "amount=2")).unwrap();
        assert_eq!(replay, Replay::Inconsistent);
    }

    #[test]
    fn key_includes_client_and_operation() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .write(|db| record(db, &KEY, "amount=1", &success()))
            .unwrap();
        let other_client = IdempotencyKey {
            client_id: "OTHER",
            ..KEY
        };
        let other_operation = IdempotencyKey {
            operation: "redeemAPoint",
            ..KEY
        };
        assert_eq!(
            store
                .write(move |db| lookup(db, &other_client, "x"))
                .unwrap(),
            Replay::FirstTime
        );
        assert_eq!(
            store
                .write(move |db| lookup(db, &other_operation, "x"))
                .unwrap(),
            Replay::FirstTime
        );
    }

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
    #[test]
    fn demo_fixtures_apply_and_keep_the_ledger_invariant() {
        let store = SqliteStore::in_memory().unwrap();
        let demo = Fixtures::demo();
        demo.check().unwrap();
        store.write(move |db| apply_fixtures(db, &demo)).unwrap();
        store
            .write(|db| {
                let user = find_user(db, DEMO_USER_ID)?.unwrap();
                assert_eq!(user.balance, 1_200);
                assert_eq!(PointLedger::new(db).sum(DEMO_USER_ID)?, 1_200);
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
}
