//! The simulator's database, behind one interface with two backends.
//!
//! [`Store`] has one method per query or plan the simulator needs (token lookups, the
//! plans of issue, redeem and card updates, admin changes, ledger reads, reset), each one
//! transaction; what a plan does is decided in the domain, the SQL lives in the backend
//! alone. Two backends:
//!
//! - [`SqliteStore`] (`sqlite/`), the embedded default: one file, one writer thread,
//!   group commit. One simulator process per file.
//! - [`PgStore`] (`postgres/`), `serve --database-url postgres://…`: several simulator
//!   instances share one PostgreSQL database; the invariants (balance = sum of the ledger,
//!   never negative; a bizNo moves points once; durable commit before the answer) are kept
//!   by the database, not by a process.
//!
//! Both schemas are versioned; a database written by a newer simulator is refused.

use std::sync::Arc;

use crate::domain::accounts::User;
use crate::domain::answers::{CardAnswer, IssueAnswer, RedeemAnswer};
use crate::domain::budget::IssueBudget;
use crate::domain::cards::{CardUpdate, MembershipCard, PassTemplate};
use crate::domain::fixtures::{Fixtures, UserFixture};
use crate::domain::ledger::{LedgerEntry, PostingRefused, RequestEntries};
use crate::domain::points::{IssueCall, RedeemCall};
use crate::domain::replayed::{ReplayedOutcome, ReplayedPosting};

pub(crate) mod postgres;
pub(crate) mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;
use sqlite::queries as sql;

/// The tables of the simulator's state, in both schemas (PostgreSQL adds the shared
/// `scripted_rules`): what a reset empties.
pub(crate) const STATE_TABLES: [&str; 7] = [
    "users",
    "access_tokens",
    "point_ledger",
    "issue_budgets",
    "templates",
    "membership_cards",
    "idempotency_records",
];

/// What went wrong in the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or set up.
    #[error(
        "cannot open the simulator database {path}: {source}; check that the data directory is writable and not used by another simulator"
    )]
    Open {
        /// The database file.
        path: std::path::PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database files' permissions could not be restricted to the owner.
    #[error(
        "cannot make the simulator database {path} private (mode 0600): {source}; it holds access tokens and the ledger"
    )]
    Permissions {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A query failed.
    #[error("simulator database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL query failed (the message never holds the database URL).
    #[error("simulator database error (PostgreSQL): {}", postgres::describe_error(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The PostgreSQL server could not be reached or refused the connection.
    #[error(
        "cannot connect to the simulator database {url}: {detail}; check --database-url (or ALIPAYHK_DATABASE_URL) and that the server is up"
    )]
    Connect {
        /// The database URL without its password.
        url: String,
        /// Why.
        detail: String,
    },
    /// The database URL does not parse.
    #[error(
        "the database URL {url} is invalid: {detail}; write postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )]
    Url {
        /// The URL without its password.
        url: String,
        /// Why.
        detail: String,
    },
    /// The schema was written by a newer simulator.
    #[error(
        "the simulator database has schema version {found}, but this simulator knows versions up to {known}; upgrade the simulator (a newer one has already migrated this database)"
    )]
    SchemaTooNew {
        /// The database's version.
        found: i64,
        /// The newest version this binary knows.
        known: i64,
    },
    /// A stored JSON document could not be read back.
    #[error("simulator database holds invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A unit of database work failed unexpectedly.
    #[error("a simulator database task failed: {0}")]
    Task(String),
    /// The transaction holding the change could not be committed.
    #[error("the simulator database could not commit: {0}; check free disk space")]
    Commit(String),
    /// The writer thread is gone (it could not begin a transaction, or shut down).
    #[error("the simulator database writer stopped; see the log and restart the simulator")]
    WriterGone,
}

/// The simulator's database: cheap to clone.
#[derive(Clone)]
pub enum Store {
    /// The embedded SQLite database of one process.
    Sqlite(SqliteStore),
    /// A PostgreSQL database that several instances may share.
    Postgres(PgStore),
}

/// What creating a user through the admin API came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreatedUser {
    /// Created, with its fixture applied.
    Created(User),
    /// A user with this id exists.
    Exists,
    /// The open id belongs to another user.
    OpenIdTaken,
}

impl Store {
    /// Opens (creating if needed) the SQLite database file at `path`.
    pub fn open(path: &std::path::Path) -> Result<Self, StoreError> {
        SqliteStore::open(path).map(Self::Sqlite)
    }

    /// A fresh SQLite database in memory (for tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        SqliteStore::in_memory().map(Self::Sqlite)
    }

    /// Which backend, for the banner and logs (a PostgreSQL URL without its password).
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(_) => "SQLite".into(),
            Self::Postgres(pg) => format!("PostgreSQL {}", pg.shown_url()),
        }
    }

    /// The user id a token belongs to, whatever its state (for matching scripted rules).
    pub async fn token_owner(&self, token: String) -> Result<Option<String>, StoreError> {
        match self {
            Self::Sqlite(db) => db.read_async(move |db| sql::token_owner(db, &token)).await,
            Self::Postgres(pg) => pg.token_owner(&token).await,
        }
    }

    /// The expiry of `token` and, if it still exists, its user (the domain resolves it).
    pub async fn find_token(
        &self,
        token: String,
    ) -> Result<Option<(i64, Option<User>)>, StoreError> {
        match self {
            Self::Sqlite(db) => db.read_async(move |db| sql::find_token(db, &token)).await,
            Self::Postgres(pg) => pg.find_token(&token).await,
        }
    }

    /// Applies an issue (idempotent by bizNo) in one transaction.
    pub(crate) async fn issue(&self, call: IssueCall) -> Result<IssueAnswer, StoreError> {
        match self {
            Self::Sqlite(db) => db.write_async(move |db| sql::issue(db, &call)).await,
            Self::Postgres(pg) => pg.issue(&call).await,
        }
    }

    /// Applies a redeem (idempotent by bizNo) in one transaction.
    pub(crate) async fn redeem(&self, call: RedeemCall) -> Result<RedeemAnswer, StoreError> {
        match self {
            Self::Sqlite(db) => db.write_async(move |db| sql::redeem(db, &call)).await,
            Self::Postgres(pg) => pg.redeem(&call).await,
        }
    }

    /// Applies a card update in one transaction, on the card as it is then.
    pub(crate) async fn update_card(&self, update: CardUpdate) -> Result<CardAnswer, StoreError> {
        match self {
            Self::Sqlite(db) => db.write_async(move |db| sql::update_card(db, update)).await,
            Self::Postgres(pg) => pg.update_card(update).await,
        }
    }

    /// Posts what a replayed answer moved (`serve --replay-stateful`), once per client and
    /// bizNo, through the ledger's rule, in one transaction.
    pub(crate) async fn post_replayed(
        &self,
        posting: ReplayedPosting,
    ) -> Result<ReplayedOutcome, StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.write_async(move |db| sql::post_replayed(db, &posting))
                    .await
            }
            Self::Postgres(pg) => pg.post_replayed(&posting).await,
        }
    }

    /// The user with this id.
    pub async fn find_user(&self, user_id: String) -> Result<Option<User>, StoreError> {
        match self {
            Self::Sqlite(db) => db.read_async(move |db| sql::find_user(db, &user_id)).await,
            Self::Postgres(pg) => pg.find_user(&user_id).await,
        }
    }

    /// Every user, ordered by id.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        match self {
            Self::Sqlite(db) => db.read_async(sql::list_users).await,
            Self::Postgres(pg) => pg.list_users().await,
        }
    }

    /// Creates a user from its fixture (balance and tokens).
    pub async fn create_user(&self, fixture: UserFixture) -> Result<CreatedUser, StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.write_async(move |db| sql::create_user_from(db, fixture))
                    .await
            }
            Self::Postgres(pg) => pg.create_user(fixture).await,
        }
    }

    /// Deletes a user (tokens and ledger entries stay); `false` if there was none.
    pub async fn delete_user(&self, user_id: String) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.write_async(move |db| sql::delete_user(db, &user_id))
                    .await
            }
            Self::Postgres(pg) => pg.delete_user(&user_id).await,
        }
    }

    /// Sets a balance by posting the difference as an adjustment; the user afterwards.
    pub async fn set_balance(
        &self,
        user_id: String,
        balance: i64,
    ) -> Result<Result<User, PostingRefused>, StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.write_async(move |db| sql::set_balance(db, &user_id, balance))
                    .await
            }
            Self::Postgres(pg) => pg.set_balance(&user_id, balance).await,
        }
    }

    /// Stores (or replaces) an access token for `user_id`.
    pub async fn put_token(
        &self,
        token: String,
        user_id: String,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.write_async(move |db| sql::put_token(db, &token, &user_id, expires_at_ms))
                    .await
            }
            Self::Postgres(pg) => pg.put_token(&token, &user_id, expires_at_ms).await,
        }
    }

    /// Creates or replaces a budget.
    pub async fn put_budget(&self, budget: IssueBudget) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(db) => db.write_async(move |db| sql::put_budget(db, &budget)).await,
            Self::Postgres(pg) => pg.put_budget(&budget).await,
        }
    }

    /// The budget of `product_id`.
    pub async fn find_budget(&self, product_id: String) -> Result<Option<IssueBudget>, StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.read_async(move |db| sql::find_budget(db, &product_id))
                    .await
            }
            Self::Postgres(pg) => pg.find_budget(&product_id).await,
        }
    }

    /// Every budget, by product id.
    pub async fn list_budgets(&self) -> Result<Vec<IssueBudget>, StoreError> {
        match self {
            Self::Sqlite(db) => db.read_async(sql::list_budgets).await,
            Self::Postgres(pg) => pg.list_budgets().await,
        }
    }

    /// Creates or replaces a template.
    pub async fn put_template(&self, template: PassTemplate) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.write_async(move |db| sql::put_template(db, &template))
                    .await
            }
            Self::Postgres(pg) => pg.put_template(&template).await,
        }
    }

    /// The template with this code.
    pub async fn find_template(&self, code: String) -> Result<Option<PassTemplate>, StoreError> {
        match self {
            Self::Sqlite(db) => db.read_async(move |db| sql::find_template(db, &code)).await,
            Self::Postgres(pg) => pg.find_template(&code).await,
        }
    }

    /// Every template's code and merchant, by code.
    pub async fn list_templates(&self) -> Result<Vec<(String, String)>, StoreError> {
        match self {
            Self::Sqlite(db) => db.read_async(sql::list_templates).await,
            Self::Postgres(pg) => pg.list_templates().await,
        }
    }

    /// Creates or replaces a card.
    pub async fn put_card(&self, card: MembershipCard) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(db) => db.write_async(move |db| sql::put_card(db, &card)).await,
            Self::Postgres(pg) => pg.put_card(&card).await,
        }
    }

    /// The card with this pass id.
    pub async fn find_card(&self, pass_id: String) -> Result<Option<MembershipCard>, StoreError> {
        match self {
            Self::Sqlite(db) => db.read_async(move |db| sql::find_card(db, &pass_id)).await,
            Self::Postgres(pg) => pg.find_card(&pass_id).await,
        }
    }

    /// Every card, by pass id.
    pub async fn list_cards(&self) -> Result<Vec<MembershipCard>, StoreError> {
        match self {
            Self::Sqlite(db) => db.read_async(sql::list_cards).await,
            Self::Postgres(pg) => pg.list_cards().await,
        }
    }

    /// Ledger entries in order, for one user or for all.
    pub async fn ledger_entries(
        &self,
        user_id: Option<String>,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.read_async(move |db| sql::PointLedger::new(db).entries(user_id.as_deref()))
                    .await
            }
            Self::Postgres(pg) => pg.entries(user_id.as_deref()).await,
        }
    }

    /// The sum of a user's ledger entries (what the balance must equal).
    pub async fn ledger_sum(&self, user_id: String) -> Result<i64, StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.read_async(move |db| sql::PointLedger::new(db).sum(&user_id))
                    .await
            }
            Self::Postgres(pg) => pg.ledger_sum(&user_id).await,
        }
    }

    /// What one request moved (see [`RequestEntries`]).
    pub(crate) async fn request_entries(
        &self,
        request: RequestEntries,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.read_async(move |db| sql::PointLedger::new(db).of_request(&request))
                    .await
            }
            Self::Postgres(pg) => pg.request_entries(&request).await,
        }
    }

    /// Writes fixtures into the database, in one transaction.
    pub async fn apply_fixtures(&self, fixtures: Arc<Fixtures>) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.write_async(move |db| sql::apply_fixtures(db, &fixtures))
                    .await
            }
            Self::Postgres(pg) => pg.apply_fixtures(&fixtures).await,
        }
    }

    /// Deletes all state (and, on PostgreSQL, the shared rules), then applies `fixtures`.
    pub async fn reset(&self, fixtures: Option<Arc<Fixtures>>) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(db) => {
                db.write_async(move |db| {
                    sql::clear_tables(db)?;
                    if let Some(fixtures) = fixtures {
                        sql::apply_fixtures(db, &fixtures)?;
                    }
                    Ok(())
                })
                .await
            }
            Self::Postgres(pg) => pg.reset(fixtures.as_deref()).await,
        }
    }
}
