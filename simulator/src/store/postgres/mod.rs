//! The PostgreSQL backend: several simulator instances on one database.
//!
//! Every unit of work is one transaction on a pooled connection (`deadpool-postgres` over
//! `tokio-postgres`), at PostgreSQL's default isolation, READ COMMITTED; what must not
//! interleave is decided by the database, never by one process:
//!
//! - **Balance = sum of the ledger, never negative.** A posting is one conditional
//!   `UPDATE users SET balance = balance + Δ WHERE … AND balance >= -Δ RETURNING balance`
//!   (the row lock serialises postings to one user across instances) and the ledger entry
//!   with that `balance_after`, in one transaction. `CHECK (balance >= 0)` backs it up.
//! - **A bizNo moves points once per (Client-Id, operation).** The idempotency record is
//!   claimed *first*: `INSERT … ON CONFLICT DO NOTHING` on its primary key. Of two
//!   instances racing on one bizNo, the second waits on the first's uncommitted row; when
//!   the first commits, the second inserts nothing, reads the committed record and answers
//!   the winner's code (or `REPEAT_REQ_INCONSISTENT` if its parameters differ). The winner
//!   writes its answer into the record in the transaction that moves the points.
//! - **Durable before the answer.** Every connection runs with `synchronous_commit = on`
//!   (set in the startup options, whatever the server's default), and a caller is answered
//!   only after `COMMIT` returned.
//! - **Scripted rules are shared**: the `scripted_rules` table; a counted rule is claimed by
//!   `UPDATE … SET times = times - 1 WHERE times > 0 RETURNING times`, so "the next 2 calls"
//!   means 2 calls over all instances. Each instance caches the list (see the core's `RuleBook`),
//!   refreshed on `LISTEN simulator_rules` notifications, so a call with no matching rule
//!   costs no round trip.
//!
//! Migrations ([`MIGRATIONS`]) run at start in one transaction under an advisory lock, so
//! instances starting together apply each once; the instance that creates the schema seeds
//! it in the same transaction. A database newer than the binary is refused.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use alipayhk_api::OperationId;
use alipayhk_api::result_codes::{IssueAPointFailure, RedeemAPointFailure};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use serde_json::Map;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use crate::domain::accounts::User;
use crate::domain::answers::{CardAnswer, IssueAnswer, RedeemAnswer, replayed};
use crate::domain::budget::IssueBudget;
use crate::domain::cards::{self, CardUpdate, MembershipCard, PassTemplate};
use crate::domain::fixtures::{FixtureWrite, Fixtures, UserFixture};
use crate::domain::idempotency::Replay;
use crate::domain::ledger::{
    self, EntryKind, LedgerEntry, PostingRefused, PostingSource, RequestEntries,
};
use crate::domain::now_ms;
use crate::domain::points::{self, IssueCall, IssuePlan, Recipient, RedeemCall};
use crate::domain::replayed::{ReplayedOutcome, ReplayedPosting};
use crate::store::{CreatedUser, STATE_TABLES, StoreError};

/// Connections per instance: enough for the four reader-like lookups and the writes of
/// a busy instance; PostgreSQL's default `max_connections` (100) fits several instances.
const POOL_SIZE: usize = 16;

/// The channel rule changes are announced on.
const RULES_CHANNEL: &str = "simulator_rules";

/// The key of the advisory lock migrations run under (any constant; "ALIPAYHK").
const MIGRATION_LOCK: i64 = 0x414c_4950_4159_484b;

/// Version 1: the SQLite schema in PostgreSQL types, plus the shared rules.
const SCHEMA_V1: &str = r#"
CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    open_id TEXT UNIQUE,
    balance BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0)
);
-- No foreign key on purpose: a token can outlive its user (USER_NOT_EXIST).
CREATE TABLE access_tokens (
    token TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
-- Append-only: a user's balance is the sum of their entries.
CREATE TABLE point_ledger (
    entry_id BIGSERIAL PRIMARY KEY,
    user_id TEXT NOT NULL,
    delta BIGINT NOT NULL,
    balance_after BIGINT NOT NULL CHECK (balance_after >= 0),
    kind TEXT NOT NULL,
    client_id TEXT,
    biz_no TEXT,
    product_id TEXT,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX point_ledger_user ON point_ledger (user_id);
CREATE INDEX point_ledger_biz_no ON point_ledger (client_id, biz_no);
CREATE TABLE issue_budgets (
    product_id TEXT PRIMARY KEY,
    total_remaining BIGINT NOT NULL,
    current_remaining BIGINT NOT NULL,
    campaign_start_ms BIGINT NOT NULL,
    campaign_end_ms BIGINT NOT NULL,
    paused BOOLEAN NOT NULL DEFAULT FALSE
);
-- The body is the JSON text as sent (key order and numbers kept), not jsonb.
CREATE TABLE templates (
    template_code TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE membership_cards (
    pass_id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    user_id TEXT,
    open_id TEXT,
    template_code TEXT,
    status TEXT NOT NULL,
    point BIGINT,
    level TEXT,
    end_date_ms BIGINT,
    data_info TEXT,
    updated_at_ms BIGINT NOT NULL
);
CREATE TABLE idempotency_records (
    client_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    biz_no TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    result_code TEXT NOT NULL,
    detail TEXT,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (client_id, operation, biz_no)
);
-- Scripted answer and fault rules, shared by every instance; `rule` is the rule's JSON.
CREATE TABLE scripted_rules (
    rule_id BIGSERIAL PRIMARY KEY,
    fault BOOLEAN NOT NULL,
    times INTEGER CHECK (times IS NULL OR times >= 0),
    rule TEXT NOT NULL
);
"#;

/// The schema's versions in order: version `i + 1` is `MIGRATIONS[i]`. Append, never edit.
pub const MIGRATIONS: &[&str] = &[SCHEMA_V1];

/// A PostgreSQL database shared by simulator instances: cheap to clone.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    config: Arc<tokio_postgres::Config>,
    shown_url: Arc<str>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.shown_url)
            .finish_non_exhaustive()
    }
}

/// `url` with any password replaced by `***`: URL form (`postgres://user:pw@host/db`, and
/// a `password=` query parameter) and key/value form (`password=pw host=…`).
pub fn redact_url(url: &str) -> String {
    let mut shown = url.to_string();
    if let Some(scheme_end) = shown.find("://") {
        let authority_start = scheme_end + 3;
        let authority_end = shown[authority_start..]
            .find(['/', '?'])
            .map_or(shown.len(), |i| authority_start + i);
        if let Some(at) = shown[authority_start..authority_end].rfind('@') {
            let userinfo = &shown[authority_start..authority_start + at];
            if let Some(colon) = userinfo.find(':') {
                let from = authority_start + colon + 1;
                shown.replace_range(from..authority_start + at, "***");
            }
        }
    }
    // `password=…` as a query parameter or a key/value pair, up to `&` or whitespace.
    let mut out = String::with_capacity(shown.len());
    let mut rest = shown.as_str();
    while let Some(i) = rest.find("password=") {
        let boundary_ok = i == 0 || matches!(rest.as_bytes()[i - 1], b'?' | b'&' | b' ' | b'\t');
        out.push_str(&rest[..i + "password=".len()]);
        rest = &rest[i + "password=".len()..];
        if boundary_ok {
            let end = if let Some(quoted) = rest.strip_prefix('\'') {
                quoted.find('\'').map_or(rest.len(), |j| j + 2)
            } else {
                rest.find(['&', ' ', '\t']).unwrap_or(rest.len())
            };
            out.push_str("***");
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// A PostgreSQL error as one line: the server's severity, message and SQLSTATE, or the
/// client's error and its cause (never the URL: the driver does not know it).
pub fn describe_error(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        );
    }
    match std::error::Error::source(e) {
        Some(source) => format!("{e}: {source}"),
        None => e.to_string(),
    }
}

/// Whether `url` names a PostgreSQL database (`postgres://`, `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

impl PgStore {
    /// Connects, migrates the schema (seeding it with `seed` when this call creates it),
    /// and returns the store and whether it created the schema.
    pub async fn connect(url: &str, seed: &Fixtures) -> Result<(Self, bool), StoreError> {
        let shown_url: Arc<str> = redact_url(url).into();
        let mut config =
            tokio_postgres::Config::from_str(url.trim()).map_err(|e| StoreError::Url {
                url: shown_url.to_string(),
                detail: e.to_string(),
            })?;
        // Durable commit, whatever the server or the role defaults to.
        let options = match config.get_options() {
            Some(options) => format!("{options} -c synchronous_commit=on"),
            None => "-c synchronous_commit=on".to_string(),
        };
        config.options(options);
        if config.get_application_name().is_none() {
            config.application_name("alipayhk-simulator");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| StoreError::Task(e.to_string()))?;
        let store = Self {
            pool,
            config: Arc::new(config),
            shown_url,
        };
        let created = store.migrate(seed).await?;
        Ok((store, created))
    }

    /// The database URL without its password.
    pub fn shown_url(&self) -> &str {
        &self.shown_url
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| StoreError::Connect {
            url: self.shown_url.to_string(),
            detail: match e {
                deadpool_postgres::PoolError::Backend(e) => describe_error(&e),
                other => other.to_string(),
            },
        })
    }

    /// Applies the migrations this database lacks, under an advisory lock.
    async fn migrate(&self, seed: &Fixtures) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY,
                 applied_at_ms BIGINT NOT NULL
             )",
        )
        .await?;
        let found: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .get(0);
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::SchemaTooNew { found, known });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)",
                &[&(index as i64 + 1), &now_ms()],
            )
            .await?;
            tracing::info!(version = index + 1, "database schema migrated");
        }
        let created = found == 0;
        if created {
            apply_fixtures(&tx, seed).await?;
        }
        tx.commit().await?;
        Ok(created)
    }

    /// A connection of its own that listens on `channel`: each notification (and the start
    /// of listening) sends a `()`; the receiver closes when the connection is lost.
    async fn listen(
        &self,
        channel: &str,
    ) -> Result<tokio::sync::mpsc::UnboundedReceiver<()>, StoreError> {
        let (client, mut connection) =
            self.config
                .connect(NoTls)
                .await
                .map_err(|e| StoreError::Connect {
                    url: self.shown_url.to_string(),
                    detail: describe_error(&e),
                })?;
        let (notify, notified) = tokio::sync::mpsc::unbounded_channel();
        let driver_notify = notify.clone();
        let driver = tokio::spawn(async move {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(tokio_postgres::AsyncMessage::Notification(_))) => {
                        if driver_notify.send(()).is_err() {
                            return;
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, "lost the rule-change listener connection");
                        return;
                    }
                    None => return,
                }
            }
        });
        client.batch_execute(&format!("LISTEN {channel}")).await?;
        let _ = notify.send(());
        // The session lives while someone listens: dropping the receiver drops the client,
        // which closes the connection and ends the driver.
        // A lost connection ends the driver: dropping `notify` then tells the receiver.
        tokio::spawn(async move {
            tokio::select! {
                _ = notify.closed() => {}
                _ = driver => {}
            }
            drop(client);
        });
        Ok(notified)
    }
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

async fn rows(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>, StoreError> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.query(&statement, params).await?)
}

async fn row(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Option<Row>, StoreError> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&statement, params).await?)
}

async fn exec(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.execute(&statement, params).await?)
}

const USER_COLUMNS: &str = "user_id, open_id, balance";
const BUDGET_COLUMNS: &str =
    "product_id, total_remaining, current_remaining, campaign_start_ms, campaign_end_ms, paused";
const CARD_COLUMNS: &str = "pass_id, merchant_id, user_id, open_id, template_code, status, point, level, end_date_ms, data_info";
const ENTRY_COLUMNS: &str =
    "entry_id, user_id, delta, balance_after, kind, client_id, biz_no, product_id, created_at_ms";

fn user_of(row: &Row) -> User {
    User {
        user_id: row.get(0),
        open_id: row.get(1),
        balance: row.get(2),
    }
}

fn budget_of(row: &Row) -> IssueBudget {
    IssueBudget {
        product_id: row.get(0),
        total_remaining: row.get(1),
        current_remaining: row.get(2),
        campaign_start_ms: row.get(3),
        campaign_end_ms: row.get(4),
        paused: row.get(5),
    }
}

fn card_of(row: &Row) -> Result<MembershipCard, StoreError> {
    let data_info: Option<String> = row.get(9);
    Ok(MembershipCard {
        pass_id: row.get(0),
        merchant_id: row.get(1),
        user_id: row.get(2),
        open_id: row.get(3),
        template_code: row.get(4),
        status: cards::parse_status(row.get(5)),
        point: row.get(6),
        level: row.get(7),
        end_date_ms: row.get(8),
        data_info: match data_info {
            Some(json) => serde_json::from_str(&json)?,
            None => Map::new(),
        },
    })
}

fn entry_of(row: &Row) -> LedgerEntry {
    LedgerEntry {
        entry_id: row.get(0),
        user_id: row.get(1),
        delta: row.get(2),
        balance_after: row.get(3),
        kind: EntryKind::parse(row.get(4)),
        client_id: row.get(5),
        biz_no: row.get(6),
        product_id: row.get(7),
        created_at_ms: row.get(8),
    }
}

async fn find_user(c: &impl GenericClient, user_id: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE user_id = $1");
    Ok(row(c, &sql, &[&user_id]).await?.as_ref().map(user_of))
}

async fn find_user_by_open_id(
    c: &impl GenericClient,
    open_id: &str,
) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE open_id = $1");
    Ok(row(c, &sql, &[&open_id]).await?.as_ref().map(user_of))
}

/// The ledger's one way to move points (see the module documentation): a conditional
/// update of the balance and the entry, in the caller's transaction.
async fn post(
    c: &impl GenericClient,
    user_id: &str,
    delta: i64,
    kind: EntryKind,
    source: &PostingSource<'_>,
) -> Result<Result<i64, PostingRefused>, StoreError> {
    // One statement, so the user's row lock is held one round trip less: the balance
    // moves and the entry is written together, or neither (no row: refused).
    let posted = row(
        c,
        "WITH moved AS (
             UPDATE users SET balance = balance + $2::BIGINT
             WHERE user_id = $1 AND balance >= -($2::BIGINT)
               AND balance <= 9223372036854775807 - GREATEST($2::BIGINT, 0)
             RETURNING balance
         )
         INSERT INTO point_ledger (user_id, delta, balance_after, kind, client_id, biz_no, product_id, created_at_ms)
         SELECT $1::TEXT, $2::BIGINT, balance, $3::TEXT, $4::TEXT, $5::TEXT, $6::TEXT, $7::BIGINT FROM moved
         RETURNING balance_after",
        &[
            &user_id,
            &delta,
            &kind.as_str(),
            &source.client_id,
            &source.biz_no,
            &source.product_id,
            &now_ms(),
        ],
    )
    .await?;
    let Some(posted) = posted else {
        let exists = row(c, "SELECT 1 FROM users WHERE user_id = $1", &[&user_id]).await?;
        return Ok(Err(if exists.is_some() {
            PostingRefused::PointNotEnough
        } else {
            PostingRefused::NoSuchUser
        }));
    };
    let balance_after: i64 = posted.get(0);
    Ok(Ok(balance_after))
}

async fn set_balance(
    c: &impl GenericClient,
    user_id: &str,
    balance: i64,
) -> Result<Result<i64, PostingRefused>, StoreError> {
    let current = row(
        c,
        "SELECT balance FROM users WHERE user_id = $1 FOR UPDATE",
        &[&user_id],
    )
    .await?;
    let Some(current) = current.map(|r| r.get::<_, i64>(0)) else {
        return Ok(Err(PostingRefused::NoSuchUser));
    };
    let Some(delta) = ledger::adjustment(current, balance) else {
        return Ok(Ok(balance));
    };
    let source = PostingSource::default();
    post(c, user_id, delta, EntryKind::Adjustment, &source).await
}

async fn put_token(
    c: &impl GenericClient,
    token: &str,
    user_id: &str,
    expires_at_ms: i64,
) -> Result<(), StoreError> {
    exec(
        c,
        "INSERT INTO access_tokens (token, user_id, expires_at_ms) VALUES ($1, $2, $3)
         ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id, expires_at_ms = EXCLUDED.expires_at_ms",
        &[&token, &user_id, &expires_at_ms],
    )
    .await?;
    Ok(())
}

async fn put_budget(c: &impl GenericClient, b: &IssueBudget) -> Result<(), StoreError> {
    exec(
        c,
        "INSERT INTO issue_budgets (product_id, total_remaining, current_remaining, campaign_start_ms, campaign_end_ms, paused)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (product_id) DO UPDATE SET total_remaining = EXCLUDED.total_remaining,
             current_remaining = EXCLUDED.current_remaining, campaign_start_ms = EXCLUDED.campaign_start_ms,
             campaign_end_ms = EXCLUDED.campaign_end_ms, paused = EXCLUDED.paused",
        &[
            &b.product_id,
            &b.total_remaining,
            &b.current_remaining,
            &b.campaign_start_ms,
            &b.campaign_end_ms,
            &b.paused,
        ],
    )
    .await?;
    Ok(())
}

async fn put_template(c: &impl GenericClient, t: &PassTemplate) -> Result<(), StoreError> {
    let body = serde_json::to_string(&t.body)?;
    exec(
        c,
        "INSERT INTO templates (template_code, merchant_id, body) VALUES ($1, $2, $3)
         ON CONFLICT (template_code) DO UPDATE SET merchant_id = EXCLUDED.merchant_id, body = EXCLUDED.body",
        &[&t.template_code, &t.merchant_id, &body],
    )
    .await?;
    Ok(())
}

async fn put_card(c: &impl GenericClient, card: &MembershipCard) -> Result<(), StoreError> {
    let data_info = serde_json::to_string(&card.data_info)?;
    exec(
        c,
        "INSERT INTO membership_cards
             (pass_id, merchant_id, user_id, open_id, template_code, status, point, level, end_date_ms, data_info, updated_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (pass_id) DO UPDATE SET merchant_id = EXCLUDED.merchant_id, user_id = EXCLUDED.user_id,
             open_id = EXCLUDED.open_id, template_code = EXCLUDED.template_code, status = EXCLUDED.status,
             point = EXCLUDED.point, level = EXCLUDED.level, end_date_ms = EXCLUDED.end_date_ms,
             data_info = EXCLUDED.data_info, updated_at_ms = EXCLUDED.updated_at_ms",
        &[
            &card.pass_id,
            &card.merchant_id,
            &card.user_id,
            &card.open_id,
            &card.template_code,
            &cards::status_text(card.status),
            &card.point,
            &card.level,
            &card.end_date_ms,
            &data_info,
            &now_ms(),
        ],
    )
    .await?;
    Ok(())
}

async fn find_card(
    c: &impl GenericClient,
    pass_id: &str,
    lock: bool,
) -> Result<Option<MembershipCard>, StoreError> {
    let sql = format!(
        "SELECT {} FROM membership_cards WHERE pass_id = $1{}",
        CARD_COLUMNS,
        if lock { " FOR UPDATE" } else { "" }
    );
    row(c, &sql, &[&pass_id])
        .await?
        .as_ref()
        .map(card_of)
        .transpose()
}

async fn find_budget(
    c: &impl GenericClient,
    product_id: &str,
    lock: bool,
) -> Result<Option<IssueBudget>, StoreError> {
    let sql = format!(
        "SELECT {BUDGET_COLUMNS} FROM issue_budgets WHERE product_id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    Ok(row(c, &sql, &[&product_id]).await?.as_ref().map(budget_of))
}

/// Writes fixtures (see [`Fixtures::writes`]) in the caller's transaction.
async fn apply_fixtures(c: &impl GenericClient, fixtures: &Fixtures) -> Result<(), StoreError> {
    for write in fixtures.writes() {
        match write {
            FixtureWrite::User(user) => {
                exec(
                    c,
                    "INSERT INTO users (user_id, open_id, balance) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
                    &[&user.user_id, &user.open_id],
                )
                .await?;
                let _ = set_balance(c, &user.user_id, user.balance).await?;
            }
            FixtureWrite::Token {
                token,
                user_id,
                expires_at_ms,
            } => put_token(c, token, user_id, expires_at_ms).await?,
            FixtureWrite::Budget(b) => put_budget(c, b).await?,
            FixtureWrite::Template(t) => put_template(c, t).await?,
            FixtureWrite::Card(card) => put_card(c, card).await?,
        }
    }
    Ok(())
}

/// Claims (client, operation, bizNo): inserts an unanswered record (`FirstTime`: execute,
/// then [`settle`] it), or, when one exists, waits for its transaction and reads what it
/// committed.
async fn claim(
    c: &impl GenericClient,
    client_id: &str,
    operation: OperationId,
    biz_no: &str,
    fingerprint: &str,
) -> Result<Replay, StoreError> {
    let operation = operation.as_str();
    let inserted = exec(
        c,
        "INSERT INTO idempotency_records (client_id, operation, biz_no, fingerprint, result_code, created_at_ms)
         VALUES ($1, $2, $3, $4, '', $5) ON CONFLICT DO NOTHING",
        &[&client_id, &operation, &biz_no, &fingerprint, &now_ms()],
    )
    .await?;
    if inserted == 1 {
        return Ok(Replay::FirstTime);
    }
    let recorded = row(
        c,
        "SELECT fingerprint, result_code FROM idempotency_records
         WHERE client_id = $1 AND operation = $2 AND biz_no = $3",
        &[&client_id, &operation, &biz_no],
    )
    .await?
    .ok_or_else(|| StoreError::Task("an idempotency record vanished".into()))?;
    Ok(Replay::of(
        Some((recorded.get(0), recorded.get(1), None)),
        fingerprint,
    ))
}

/// Writes the final answer into the record [`claim`] inserted.
async fn settle(
    c: &impl GenericClient,
    client_id: &str,
    operation: OperationId,
    biz_no: &str,
    code: &str,
) -> Result<(), StoreError> {
    exec(
        c,
        "UPDATE idempotency_records SET result_code = $4
         WHERE client_id = $1 AND operation = $2 AND biz_no = $3",
        &[&client_id, &operation.as_str(), &biz_no, &code],
    )
    .await?;
    Ok(())
}

impl PgStore {
    /// See [`crate::store::Store::token_owner`].
    pub async fn token_owner(&self, token: &str) -> Result<Option<String>, StoreError> {
        let c = self.client().await?;
        Ok(row(
            &c,
            "SELECT user_id FROM access_tokens WHERE token = $1",
            &[&token],
        )
        .await?
        .map(|r| r.get(0)))
    }

    /// See [`crate::store::Store::find_token`].
    pub async fn find_token(&self, token: &str) -> Result<Option<(i64, Option<User>)>, StoreError> {
        // One round trip: the token and its user, if any.
        let found = row(
            &self.client().await?,
            "SELECT t.expires_at_ms, u.user_id, u.open_id, u.balance
             FROM access_tokens t LEFT JOIN users u ON u.user_id = t.user_id WHERE t.token = $1",
            &[&token],
        )
        .await?;
        Ok(found.map(|found| {
            let user = found.get::<_, Option<String>>(1).map(|user_id| User {
                user_id,
                open_id: found.get(2),
                balance: found.get(3),
            });
            (found.get(0), user)
        }))
    }

    /// See [`crate::store::Store::find_user`].
    pub async fn find_user(&self, user_id: &str) -> Result<Option<User>, StoreError> {
        find_user(&self.client().await?, user_id).await
    }

    /// See [`crate::store::Store::list_users`].
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY user_id");
        Ok(rows(&self.client().await?, &sql, &[])
            .await?
            .iter()
            .map(user_of)
            .collect())
    }

    /// See [`crate::store::Store::create_user`].
    pub async fn create_user(&self, fixture: UserFixture) -> Result<CreatedUser, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if find_user(&tx, &fixture.user_id).await?.is_some() {
            return Ok(CreatedUser::Exists);
        }
        let inserted = exec(
            &tx,
            "INSERT INTO users (user_id, open_id, balance) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
            &[&fixture.user_id, &fixture.open_id],
        )
        .await?;
        if inserted == 0 {
            return Ok(CreatedUser::OpenIdTaken);
        }
        let user_id = fixture.user_id.clone();
        apply_fixtures(&tx, &Fixtures::of_user(fixture)).await?;
        let user = find_user(&tx, &user_id).await?;
        tx.commit().await?;
        Ok(user.map_or(CreatedUser::Exists, CreatedUser::Created))
    }

    /// See [`crate::store::Store::delete_user`].
    pub async fn delete_user(&self, user_id: &str) -> Result<bool, StoreError> {
        let c = self.client().await?;
        Ok(exec(&c, "DELETE FROM users WHERE user_id = $1", &[&user_id]).await? == 1)
    }

    /// See [`crate::store::Store::set_balance`].
    pub async fn set_balance(
        &self,
        user_id: &str,
        balance: i64,
    ) -> Result<Result<User, PostingRefused>, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if let Err(refused) = set_balance(&tx, user_id, balance).await? {
            return Ok(Err(refused));
        }
        let user = find_user(&tx, user_id).await?;
        tx.commit().await?;
        Ok(user.ok_or(PostingRefused::NoSuchUser))
    }

    /// See `Store::post_replayed`. The user's row is locked first, so two replays of one
    /// bizNo for one user post once.
    pub(crate) async fn post_replayed(
        &self,
        posting: &ReplayedPosting,
    ) -> Result<ReplayedOutcome, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let user = row(
            &tx,
            "SELECT 1 FROM users WHERE user_id = $1 FOR UPDATE",
            &[&posting.user_id],
        )
        .await?;
        if user.is_none() {
            return Ok(ReplayedOutcome::Refused(PostingRefused::NoSuchUser));
        }
        if let Some(biz_no) = &posting.biz_no {
            let posted = row(
                &tx,
                "SELECT 1 FROM point_ledger WHERE user_id = $1 AND client_id = $2 AND biz_no = $3 LIMIT 1",
                &[&posting.user_id, &posting.client_id, biz_no],
            )
            .await?;
            if posted.is_some() {
                return Ok(ReplayedOutcome::AlreadyPosted);
            }
        }
        let source = PostingSource {
            client_id: Some(&posting.client_id),
            biz_no: posting.biz_no.as_deref(),
            product_id: posting.product_id.as_deref(),
        };
        let outcome =
            match post(&tx, &posting.user_id, posting.delta, posting.kind, &source).await? {
                Ok(balance) => ReplayedOutcome::Posted(balance),
                Err(refused) => return Ok(ReplayedOutcome::Refused(refused)),
            };
        tx.commit().await?;
        Ok(outcome)
    }

    /// See [`crate::store::Store::put_token`].
    pub async fn put_token(
        &self,
        token: &str,
        user_id: &str,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        put_token(&self.client().await?, token, user_id, expires_at_ms).await
    }

    /// See [`crate::store::Store::put_budget`].
    pub async fn put_budget(&self, budget: &IssueBudget) -> Result<(), StoreError> {
        put_budget(&self.client().await?, budget).await
    }

    /// See [`crate::store::Store::find_budget`].
    pub async fn find_budget(&self, product_id: &str) -> Result<Option<IssueBudget>, StoreError> {
        find_budget(&self.client().await?, product_id, false).await
    }

    /// See [`crate::store::Store::list_budgets`].
    pub async fn list_budgets(&self) -> Result<Vec<IssueBudget>, StoreError> {
        let sql = format!("SELECT {BUDGET_COLUMNS} FROM issue_budgets ORDER BY product_id");
        Ok(rows(&self.client().await?, &sql, &[])
            .await?
            .iter()
            .map(budget_of)
            .collect())
    }

    /// See [`crate::store::Store::put_template`].
    pub async fn put_template(&self, template: &PassTemplate) -> Result<(), StoreError> {
        put_template(&self.client().await?, template).await
    }

    /// See [`crate::store::Store::find_template`].
    pub async fn find_template(&self, code: &str) -> Result<Option<PassTemplate>, StoreError> {
        let found = row(
            &self.client().await?,
            "SELECT template_code, merchant_id, body FROM templates WHERE template_code = $1",
            &[&code],
        )
        .await?;
        found
            .map(|r| {
                Ok(PassTemplate {
                    template_code: r.get(0),
                    merchant_id: r.get(1),
                    body: serde_json::from_str(r.get(2))?,
                })
            })
            .transpose()
    }

    /// See [`crate::store::Store::list_templates`].
    pub async fn list_templates(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(rows(
            &self.client().await?,
            "SELECT template_code, merchant_id FROM templates ORDER BY template_code",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
    }

    /// See [`crate::store::Store::put_card`].
    pub async fn put_card(&self, card: &MembershipCard) -> Result<(), StoreError> {
        put_card(&self.client().await?, card).await
    }

    /// See [`crate::store::Store::find_card`].
    pub async fn find_card(&self, pass_id: &str) -> Result<Option<MembershipCard>, StoreError> {
        find_card(&self.client().await?, pass_id, false).await
    }

    /// See [`crate::store::Store::list_cards`].
    pub async fn list_cards(&self) -> Result<Vec<MembershipCard>, StoreError> {
        let sql = format!(
            "SELECT {} FROM membership_cards ORDER BY pass_id",
            CARD_COLUMNS
        );
        rows(&self.client().await?, &sql, &[])
            .await?
            .iter()
            .map(card_of)
            .collect()
    }

    /// See [`crate::store::Store::ledger_entries`].
    pub async fn entries(&self, user_id: Option<&str>) -> Result<Vec<LedgerEntry>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM point_ledger WHERE $1::TEXT IS NULL OR user_id = $1 ORDER BY entry_id"
        );
        Ok(rows(&self.client().await?, &sql, &[&user_id])
            .await?
            .iter()
            .map(entry_of)
            .collect())
    }

    /// See [`crate::store::Store::ledger_sum`].
    pub async fn ledger_sum(&self, user_id: &str) -> Result<i64, StoreError> {
        let sum = row(
            &self.client().await?,
            "SELECT COALESCE(SUM(delta), 0)::BIGINT FROM point_ledger WHERE user_id = $1",
            &[&user_id],
        )
        .await?;
        Ok(sum.map_or(0, |r| r.get(0)))
    }

    /// See [`crate::store::Store::request_entries`].
    pub(crate) async fn request_entries(
        &self,
        r: &RequestEntries,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM point_ledger
             WHERE client_id = $3 AND biz_no = $4 AND created_at_ms BETWEEN $1 AND $2 ORDER BY entry_id"
        );
        Ok(rows(
            &self.client().await?,
            &sql,
            &[&r.from_ms, &r.to_ms, &r.client_id, &r.biz_no],
        )
        .await?
        .iter()
        .map(entry_of)
        .collect())
    }

    /// See [`crate::store::Store::apply_fixtures`].
    pub async fn apply_fixtures(&self, fixtures: &Fixtures) -> Result<(), StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        apply_fixtures(&tx, fixtures).await?;
        Ok(tx.commit().await?)
    }

    /// See [`crate::store::Store::reset`]: every table, the shared rules included.
    pub async fn reset(&self, fixtures: Option<&Fixtures>) -> Result<(), StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // Locks in the order the operations take them (record, budget, user), so a reset
        // racing an issue cannot deadlock with it.
        for table in [
            "idempotency_records",
            "issue_budgets",
            "users",
            "point_ledger",
            "access_tokens",
            "templates",
            "membership_cards",
            "scripted_rules",
        ] {
            debug_assert!(STATE_TABLES.contains(&table) || table == "scripted_rules");
            tx.batch_execute(&format!("DELETE FROM {table}")).await?;
        }
        if let Some(fixtures) = fixtures {
            apply_fixtures(&tx, fixtures).await?;
        }
        tx.execute("SELECT pg_notify($1, '')", &[&RULES_CHANNEL])
            .await?;
        Ok(tx.commit().await?)
    }

    /// Redeem A. Point: claim the bizNo, post the debit, settle [`points::redeemed`]'s
    /// answer; one transaction.
    pub(crate) async fn redeem(&self, call: &RedeemCall) -> Result<RedeemAnswer, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let (operation, biz_no) = (OperationId::RedeemAPoint, &call.request.biz_no);
        let replay = claim(&tx, &call.client_id, operation, biz_no, &call.fingerprint).await?;
        if let Some(answer) = replayed(replay, RedeemAPointFailure::RepeatReqInconsistent) {
            return Ok(answer);
        }
        let source = PostingSource {
            client_id: Some(&call.client_id),
            biz_no: Some(biz_no),
            product_id: None,
        };
        let posted = post(
            &tx,
            &call.request.user_id,
            -call.total,
            EntryKind::Redeem,
            &source,
        )
        .await?;
        let answer = points::redeemed(posted);
        settle(
            &tx,
            &call.client_id,
            operation,
            biz_no,
            &answer.code.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(answer)
    }

    /// Issue A. Point: claim the bizNo, read the facts (the budget row locked), apply
    /// [`points::decide_issue`]'s plan, settle the answer; one transaction.
    pub(crate) async fn issue(&self, call: &IssueCall) -> Result<IssueAnswer, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let operation = OperationId::IssueAPoint;
        let biz_no = call.request.biz_no.as_deref();
        if let Some(biz_no) = biz_no {
            let replay = claim(&tx, &call.client_id, operation, biz_no, &call.fingerprint).await?;
            if let Some(answer) = replayed(replay, IssueAPointFailure::RepeatReqInconsistent) {
                return Ok(answer);
            }
        }
        let user = match call.recipient() {
            Some(Recipient::UserId(user_id)) => find_user(&tx, user_id).await?,
            Some(Recipient::OpenId(open_id)) => find_user_by_open_id(&tx, open_id).await?,
            None => None,
        };
        let budget = find_budget(&tx, &call.product_id, true).await?;
        let answer = match points::decide_issue(call, user, budget) {
            IssuePlan::Refuse(answer) => answer,
            IssuePlan::Credit { user_id, amount } => {
                let source = PostingSource {
                    client_id: Some(&call.client_id),
                    biz_no,
                    product_id: Some(&call.product_id),
                };
                let posted = post(&tx, &user_id, amount, EntryKind::Issue, &source).await?;
                if posted.is_ok() {
                    exec(
                        &tx,
                        "UPDATE issue_budgets SET total_remaining = total_remaining - $2,
                         current_remaining = current_remaining - $2 WHERE product_id = $1",
                        &[&call.product_id, &amount],
                    )
                    .await?;
                }
                points::issued(posted)
            }
        };
        if let Some(biz_no) = biz_no {
            settle(
                &tx,
                &call.client_id,
                operation,
                biz_no,
                &answer.code.to_string(),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(answer)
    }

    /// Update Membership Card: the locked card, [`cards::decide_update`], the write.
    pub(crate) async fn update_card(&self, update: CardUpdate) -> Result<CardAnswer, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let card = find_card(&tx, &update.pass_id, true).await?;
        let (card, answer) = cards::decide_update(card, update);
        if let Some(card) = card {
            put_card(&tx, &card).await?;
            tx.commit().await?;
        }
        Ok(answer)
    }
}

impl PgStore {
    /// A `()` for every announced change of the shared rules (see [`PgStore::listen`]).
    pub(crate) async fn listen_rules(
        &self,
    ) -> Result<tokio::sync::mpsc::UnboundedReceiver<()>, StoreError> {
        self.listen(RULES_CHANNEL).await
    }
}

/// The shared rules as stored: (id, whether a fault rule, times left, the rule's JSON).
pub(crate) type StoredRule = (u64, bool, Option<u32>, String);

impl PgStore {
    /// Every live rule in the order added.
    pub(crate) async fn load_rules(&self) -> Result<Vec<StoredRule>, StoreError> {
        Ok(rows(
            &self.client().await?,
            "SELECT rule_id, fault, times, rule FROM scripted_rules
             WHERE times IS NULL OR times > 0 ORDER BY rule_id",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            (
                r.get::<_, i64>(0) as u64,
                r.get(1),
                r.get::<_, Option<i32>>(2).map(|t| t.max(0) as u32),
                r.get(3),
            )
        })
        .collect())
    }

    /// Stores a rule and announces it; returns its id.
    pub(crate) async fn insert_rule(
        &self,
        fault: bool,
        times: Option<u32>,
        json: &str,
    ) -> Result<u64, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let times = times.map(|t| t.min(i32::MAX as u32) as i32);
        let id: i64 = tx
            .query_one(
                "INSERT INTO scripted_rules (fault, times, rule) VALUES ($1, $2, $3) RETURNING rule_id",
                &[&fault, &times, &json],
            )
            .await?
            .get(0);
        tx.execute("SELECT pg_notify($1, '')", &[&RULES_CHANNEL])
            .await?;
        tx.commit().await?;
        Ok(id as u64)
    }

    /// Uses up one of a counted rule's times: `Some(times left)` if this call got one,
    /// `None` if the rule is gone or spent (by any instance).
    pub(crate) async fn claim_rule(&self, rule_id: u64) -> Result<Option<u32>, StoreError> {
        let c = self.client().await?;
        let left = row(
            &c,
            "UPDATE scripted_rules SET times = times - 1 WHERE rule_id = $1 AND times > 0 RETURNING times",
            &[&(rule_id as i64)],
        )
        .await?
        .map(|r| r.get::<_, i32>(0).max(0) as u32);
        if left == Some(0) {
            exec(
                &c,
                "DELETE FROM scripted_rules WHERE rule_id = $1 AND times = 0",
                &[&(rule_id as i64)],
            )
            .await?;
            exec(&c, "SELECT pg_notify($1, '')", &[&RULES_CHANNEL]).await?;
        }
        Ok(left)
    }

    /// Removes one rule (`false` if it was not there) or, with `None`, every rule.
    pub(crate) async fn delete_rules(&self, rule_id: Option<u64>) -> Result<bool, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let deleted = match rule_id {
            Some(id) => {
                tx.execute(
                    "DELETE FROM scripted_rules WHERE rule_id = $1 AND (times IS NULL OR times > 0)",
                    &[&(id as i64)],
                )
                .await?
            }
            None => tx.execute("DELETE FROM scripted_rules", &[]).await?,
        };
        tx.execute("SELECT pg_notify($1, '')", &[&RULES_CHANNEL])
            .await?;
        tx.commit().await?;
        Ok(deleted > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        for (url, shown) in [
            (
                "postgres://sim:s3cret@db.example:5432/sim",
                "postgres://sim:***@db.example:5432/sim",
            ),
            (
                "postgresql://sim:p%40ss@10.0.0.1/sim?sslmode=disable",
                "postgresql://sim:***@10.0.0.1/sim?sslmode=disable",
            ),
            ("postgres://sim@db/sim", "postgres://sim@db/sim"),
            (
                "postgres://db/sim?user=sim&password=s3cret&port=5",
                "postgres://db/sim?user=sim&password=***&port=5",
            ),
            (
                "host=db user=sim password=s3cret dbname=sim",
                "host=db user=sim password=*** dbname=sim",
            ),
            (
                "host=db password='s3 cret' dbname=sim",
                "host=db password=*** dbname=sim",
            ),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
            assert!(!redact_url(url).contains("s3"), "{url}");
        }
    }

    #[test]
    fn postgres_urls_are_recognised() {
        assert!(is_postgres_url("postgres://h/db"));
        assert!(is_postgres_url("PostgreSQL://h/db"));
        assert!(!is_postgres_url("sqlite://x"));
        assert!(!is_postgres_url("/var/lib/sim.db"));
    }
}
