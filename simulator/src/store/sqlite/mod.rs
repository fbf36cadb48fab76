//! The embedded SQLite backend: one file (or memory), one schema, one writer.
//!
//! One thread owns the only connection and runs every unit of work ("job") submitted
//! through [`SqliteStore::write`] / [`SqliteStore::write_async`], so concurrent redeems on one account
//! are serialised and never overdraw. Jobs that arrive while a transaction is being
//! committed are run together in the next `BEGIN IMMEDIATE` transaction, each inside its
//! own savepoint (a failing job rolls back only itself), and committed with one fsync
//! (group commit). The file is in WAL mode with `synchronous = FULL`, and a job's caller
//! hears back only after the commit: an acknowledged change survives `kill -9`.
//! Reads that change nothing (token checks, template lookups) use read-only connections
//! of their own ([`SqliteStore::read_async`]), so they never wait behind a commit's fsync, and run
//! on the calling thread: a lookup by key takes microseconds, less than a hop to a thread
//! pool and back. Every statement is prepared once per connection (`prepare_cached`).
//!
//! The schema is versioned with `PRAGMA user_version`: [`MIGRATIONS`] run in order inside
//! the writer's first transaction, and a database newer than this binary is refused.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, TryLockError, mpsc};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::domain::fixtures::Fixtures;
use crate::store::StoreError;

pub(crate) mod queries;

/// The most jobs committed together.
const MAX_BATCH: usize = 256;

/// Read-only connections of a file database: reads on more threads than this at once wait
/// for one on the blocking pool.
const READERS: usize = 4;

/// Prepared statements kept per connection (the simulator has a few dozen).
const STATEMENT_CACHE: usize = 64;

/// Version 1: the schema before versioning (`IF NOT EXISTS`, so such a database is adopted).
const SCHEMA_V1: &str = r#"
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

/// The schema's versions in order: version `i + 1` is `MIGRATIONS[i]`. Append, never edit.
pub const MIGRATIONS: &[&str] = &[SCHEMA_V1];

/// Brings the schema to the newest version this binary knows, in one transaction; refuses a
/// database written by a newer simulator (its schema may mean things this one would break).
fn migrate(connection: &Connection) -> Result<(), StoreError> {
    let found: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    if found == known {
        return Ok(());
    }
    connection.execute_batch("BEGIN IMMEDIATE")?;
    let applied = (|| {
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            connection.execute_batch(sql)?;
            connection.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        }
        connection.execute_batch("COMMIT")
    })();
    if applied.is_err() {
        let _ = connection.execute_batch("ROLLBACK");
    }
    Ok(applied?)
}

/// The SQLite database: cheap to clone; every clone feeds the one writer thread.
#[derive(Clone)]
pub struct SqliteStore {
    jobs: mpsc::Sender<Job>,
    /// Connections for reads, so they never wait for a commit's fsync (file databases
    /// only; WAL lets them read the last committed state concurrently).
    readers: Option<Arc<[Mutex<Connection>]>>,
}

/// Runs against the open transaction; returns whether it succeeded (else its savepoint
/// is rolled back) and what to tell its caller once the transaction's fate is known.
type Job = Box<dyn FnOnce(&Connection) -> (bool, Delivery) + Send>;
type Delivery = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, durable against `kill -9`.
    ///
    /// The database and its `-wal` and `-shm` files are readable by the owner only
    /// (they hold access tokens and the ledger).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        make_private(path)?;
        let connection = Connection::open(path).map_err(open_error)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;",
            )
            .map_err(open_error)?;
        migrate(&connection).map_err(|e| match e {
            StoreError::Sqlite(source) => open_error(source),
            other => other,
        })?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                reader.execute_batch("PRAGMA busy_timeout = 5000;")?;
                reader.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>, rusqlite::Error>>()
            .map_err(open_error)?;
        let mut store = Self::start_writer(connection);
        store.readers = Some(readers.into());
        Ok(store)
    }

    /// Opens a fresh database that lives only as long as this value (for tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        let connection = Connection::open_in_memory()?;
        migrate(&connection)?;
        Ok(Self::start_writer(connection))
    }

    /// Writes `fixtures` in one transaction (blocking: for tests and tools that set up
    /// a database before serving it).
    pub fn seed(&self, fixtures: &Fixtures) -> Result<(), StoreError> {
        let fixtures = fixtures.clone();
        self.write(move |db| queries::apply_fixtures(db, &fixtures))
    }

    fn start_writer(connection: Connection) -> Self {
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let (jobs, queue) = mpsc::channel::<Job>();
        // The thread ends when the last Store clone is dropped.
        std::thread::Builder::new()
            .name("simulator-db-writer".into())
            .spawn(move || run_writer(connection, queue))
            .map(|_| ())
            .unwrap_or_else(
                |e| tracing::error!(error = %e, "cannot start the database writer thread"),
            );
        Self {
            jobs,
            readers: None,
        }
    }

    /// Runs read-only `work` on a reader connection, seeing the last committed state: on
    /// this thread with the first free reader, or, when every reader is busy, on the
    /// blocking pool (so no async worker waits for a lock). Falls back to the writer for
    /// in-memory databases.
    pub async fn read_async<T, E>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let Some(readers) = self.readers.clone() else {
            return self.write_async(work).await;
        };
        for reader in readers.iter() {
            // A poisoned lock only means an earlier read panicked; the connection is still usable.
            let connection = match reader.try_lock() {
                Ok(connection) => connection,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => continue,
            };
            return work(&connection);
        }
        tokio::task::spawn_blocking(move || {
            let connection = readers[0]
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&connection)
        })
        .await
        .map_err(|e| E::from(StoreError::Task(e.to_string())))?
    }

    /// Runs `work` in a transaction (committed iff it returns `Ok`) and waits for the commit.
    ///
    /// Blocking: from async code use [`SqliteStore::write_async`].
    pub fn write<T, E>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel(1);
        self.submit(work, move |result| {
            let _ = reply.send(result);
        })?;
        answer.recv().map_err(|_| E::from(StoreError::WriterGone))?
    }

    /// [`SqliteStore::write`] without blocking the async runtime.
    pub async fn write_async<T, E>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.submit(work, move |result| {
            let _ = reply.send(result);
        })?;
        answer.await.map_err(|_| E::from(StoreError::WriterGone))?
    }

    fn submit<T, E>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        reply: impl FnOnce(Result<T, E>) + Send + 'static,
    ) -> Result<(), StoreError>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let job: Job = Box::new(move |db| {
            let result = catch_unwind(AssertUnwindSafe(|| work(db))).unwrap_or_else(|_| {
                Err(E::from(StoreError::Task("a database job panicked".into())))
            });
            let succeeded = result.is_ok();
            let delivery: Delivery = Box::new(move |commit| {
                reply(match commit {
                    Ok(()) => result,
                    Err(e) => Err(E::from(e)),
                })
            });
            (succeeded, delivery)
        });
        self.jobs.send(job).map_err(|_| StoreError::WriterGone)
    }
}

/// The writer thread: take every waiting job, run them in one transaction, commit once.
fn run_writer(mut connection: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&mut connection, batch);
    }
}

/// Runs each statement through the connection's statement cache (no parsing per job).
fn run_cached(connection: &Connection, statements: &[&str]) -> rusqlite::Result<()> {
    for sql in statements {
        connection.prepare_cached(sql)?.execute([])?;
    }
    Ok(())
}

fn run_batch(connection: &mut Connection, batch: Vec<Job>) {
    // On any failure here the jobs (and their reply channels) are dropped: callers get WriterGone.
    let transaction = match connection.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(transaction) => transaction,
        Err(e) => {
            tracing::error!(error = %e, "cannot begin a database transaction");
            return;
        }
    };
    let mut deliveries = Vec::with_capacity(batch.len());
    for job in batch {
        if run_cached(&transaction, &["SAVEPOINT job"]).is_err() {
            continue;
        }
        let (succeeded, delivery) = job(&transaction);
        let end: &[&str] = if succeeded {
            &["RELEASE job"]
        } else {
            &["ROLLBACK TO job", "RELEASE job"]
        };
        match run_cached(&transaction, end) {
            Ok(()) => deliveries.push(delivery),
            Err(e) => delivery(Err(StoreError::Sqlite(e))),
        }
    }
    let commit = transaction.commit().map_err(|e| e.to_string());
    for delivery in deliveries {
        delivery(commit.clone().map_err(StoreError::Commit));
    }
}

/// Creates the database file with mode 0600 if it is missing (SQLite gives its `-wal`
/// and `-shm` files the database file's mode), and tightens files an older version
/// created with the umask's mode.
fn make_private(path: &Path) -> Result<(), StoreError> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Permissions { path, source }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(failed(path)(e)),
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = PathBuf::from(name);
            match std::fs::metadata(&file) {
                Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                        .map_err(failed(&file))?;
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(failed(&file)(e)),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, failed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::now_ms;

    /// Reads answer while the writer is stuck in a transaction, and more reads at once than
    /// there are reader connections all complete (the rest wait on the blocking pool).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_never_wait_for_the_writer() {
        let dir = std::env::temp_dir().join(format!(
            "sim-store-reads-{}-{}",
            std::process::id(),
            now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(&dir.join("simulator.db")).unwrap();
        store
            .write_async(|db| {
                db.execute(
                    "INSERT INTO users (user_id, balance) VALUES ('2160', 5)",
                    [],
                )
                .map_err(StoreError::from)
            })
            .await
            .unwrap();
        // A write that holds the writer (and its open transaction) until we let it go.
        let (release, released) = mpsc::channel::<()>();
        let (started, has_started) = mpsc::channel::<()>();
        let blocked = store.clone();
        let write = tokio::spawn(async move {
            blocked
                .write_async(move |db| {
                    db.execute("UPDATE users SET balance = 6 WHERE user_id = '2160'", [])?;
                    let _ = started.send(());
                    let _ = released.recv();
                    Ok::<_, StoreError>(())
                })
                .await
        });
        tokio::task::spawn_blocking(move || has_started.recv())
            .await
            .unwrap()
            .unwrap();
        let reads = (0..3 * READERS).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .read_async(|db| {
                        Ok::<i64, StoreError>(db.query_row(
                            "SELECT balance FROM users WHERE user_id = '2160'",
                            [],
                            |row| row.get(0),
                        )?)
                    })
                    .await
            })
        });
        for read in reads.collect::<Vec<_>>() {
            // The uncommitted 6 is invisible; the committed 5 is what every read sees.
            assert_eq!(read.await.unwrap().unwrap(), 5);
        }
        release.send(()).unwrap();
        write.await.unwrap().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn committed_writes_are_visible_to_the_reader_and_survive_reopening() {
        let dir =
            std::env::temp_dir().join(format!("sim-store-{}-{}", std::process::id(), now_ms()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("simulator.db");
        let store = SqliteStore::open(&path).unwrap();
        store
            .write_async(|db| {
                db.execute(
                    "INSERT INTO users (user_id, balance) VALUES ('2160', 5)",
                    [],
                )
                .map_err(StoreError::from)
            })
            .await
            .unwrap();
        let read = |db: &Connection| -> Result<i64, StoreError> {
            Ok(db.query_row(
                "SELECT balance FROM users WHERE user_id = '2160'",
                [],
                |row| row.get(0),
            )?)
        };
        assert_eq!(store.read_async(read).await.unwrap(), 5);
        drop(store);
        assert_eq!(
            SqliteStore::open(&path)
                .unwrap()
                .read_async(read)
                .await
                .unwrap(),
            5
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unversioned_database_is_adopted_and_a_newer_one_refused() {
        let dir = std::env::temp_dir().join(format!(
            "sim-store-migrate-{}-{}",
            std::process::id(),
            now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("simulator.db");
        // A database from before versioning: the tables, user_version 0.
        Connection::open(&path)
            .unwrap()
            .execute_batch(SCHEMA_V1)
            .unwrap();
        drop(SqliteStore::open(&path).unwrap());
        let version = |path: &Path| -> i64 {
            Connection::open(path)
                .unwrap()
                .query_row("PRAGMA user_version", [], |row| row.get(0))
                .unwrap()
        };
        assert_eq!(version(&path), MIGRATIONS.len() as i64);
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 7")
            .unwrap();
        match SqliteStore::open(&path) {
            Ok(_) => panic!("a database from a newer simulator was opened"),
            Err(e) => assert!(e.to_string().contains("schema version 7"), "{e}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failing_job_rolls_back_only_itself() {
        let store = SqliteStore::in_memory().unwrap();
        let insert = |id: &'static str| {
            move |db: &Connection| -> Result<(), StoreError> {
                db.execute("INSERT INTO users (user_id, balance) VALUES (?1, 0)", [id])?;
                Ok(())
            }
        };
        store.write(insert("2160000000000001")).unwrap();
        let failed: Result<(), StoreError> = store.write(|db| {
            db.execute(
                "INSERT INTO users (user_id, balance) VALUES ('2160000000000002', 0)",
                [],
            )?;
            Err(StoreError::Task("refused".into()))
        });
        assert!(failed.is_err());
        let count: i64 = store
            .write(|db| {
                Ok::<_, StoreError>(
                    db.query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))?,
                )
            })
            .unwrap();
        assert_eq!(count, 1);
    }
}
