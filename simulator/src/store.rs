//! The embedded SQLite database: one file (or memory), one schema, one writer.
//!
//! Every business change runs in one `BEGIN IMMEDIATE` transaction on the single
//! connection behind a mutex, so concurrent redeems on one account are serialised and
//! never overdraw. The file is opened in WAL mode with `synchronous = FULL`: once a
//! transaction commits (before the answer is sent), it survives `kill -9` and power loss.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, Transaction, TransactionBehavior};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY,
    open_id TEXT UNIQUE,
    balance INTEGER NOT NULL DEFAULT 0
);
-- No foreign key on purpose: a token can outlive its user (USER_NOT_EXIST).
CREATE TABLE IF NOT EXISTS access_tokens (
    token TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
-- Append-only: a user's balance is the sum of their entries.
CREATE TABLE IF NOT EXISTS point_ledger (
    entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    delta INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    kind TEXT NOT NULL,
    client_id TEXT,
    biz_no TEXT,
    product_id TEXT,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS point_ledger_user ON point_ledger(user_id);
CREATE TABLE IF NOT EXISTS issue_budgets (
    product_id TEXT PRIMARY KEY,
    total_remaining INTEGER NOT NULL,
    current_remaining INTEGER NOT NULL,
    campaign_start_ms INTEGER NOT NULL,
    campaign_end_ms INTEGER NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS templates (
    template_code TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS membership_cards (
    pass_id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    user_id TEXT,
    open_id TEXT,
    template_code TEXT,
    status TEXT NOT NULL,
    point INTEGER,
    level TEXT,
    end_date_ms INTEGER,
    data_info TEXT,
    updated_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency_records (
    client_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    biz_no TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    result_code TEXT NOT NULL,
    detail TEXT,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (client_id, operation, biz_no)
);
"#;

const TABLES: [&str; 7] = [
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
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// A query failed.
    #[error("simulator database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON document could not be read back.
    #[error("simulator database holds invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The connection mutex was poisoned by a panic in another request.
    #[error("the simulator database lock is poisoned; restart the simulator")]
    Poisoned,
    /// A blocking task was cancelled or panicked.
    #[error("a simulator database task failed: {0}")]
    Task(String),
}

/// The simulator's database: cheap to clone, one writer connection shared by all clones.
#[derive(Clone)]
pub struct Store {
    connection: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database file at `path`, durable against `kill -9`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open { path: path.to_path_buf(), source };
        let connection = Connection::open(path).map_err(open_error)?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;")
            .map_err(open_error)?;
        Self::with_schema(connection).map_err(|e| match e {
            StoreError::Sqlite(source) => open_error(source),
            other => other,
        })
    }

    /// Opens a fresh database that lives only as long as this value (for tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::with_schema(Connection::open_in_memory()?)
    }

    fn with_schema(connection: Connection) -> Result<Self, StoreError> {
        connection.execute_batch(SCHEMA)?;
        Ok(Self { connection: Arc::new(Mutex::new(connection)) })
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction, committed iff it returns `Ok`.
    ///
    /// Blocking: call it from `spawn_blocking` (see [`Store::write_async`]).
    pub fn write<T, E>(&self, work: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut connection = self.connection.lock().map_err(|_| StoreError::Poisoned)?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let value = work(&transaction)?;
        transaction.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// [`Store::write`] on Tokio's blocking pool.
    pub async fn write_async<T, E>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write(work))
            .await
            .map_err(|e| E::from(StoreError::Task(e.to_string())))?
    }

}

/// Deletes every row of every table (the admin `reset`), inside the caller's transaction.
pub fn clear_tables(db: &Connection) -> Result<(), StoreError> {
    for table in TABLES {
        db.execute(&format!("DELETE FROM {table}"), [])?;
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, the unit of every date in these APIs.
pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}
