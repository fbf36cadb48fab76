//! Idempotency by (Client-Id, operation, bizNo), protocol.md §E2 (assumption).
//!
//! The first final answer (S or F) for a key is recorded with a fingerprint of the
//! request's business parameters, in the same transaction as the points it moved. A
//! repeat with the same fingerprint gets the recorded answer and moves nothing; a repeat
//! with another fingerprint gets `REPEAT_REQ_INCONSISTENT`. `U` answers are never
//! recorded, so a retry after `U` runs again. Records never expire.

use rusqlite::{Connection, OptionalExtension, params};

use crate::store::{StoreError, now_ms};

/// The key of an idempotent request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey<'a> {
    /// The partner's Client-Id.
    pub client_id: &'a str,
    /// The operation id from the spec, e.g. `issueAPoint`.
    pub operation: &'a str,
    /// The partner's bizNo.
    pub biz_no: &'a str,
}

/// A recorded final answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAnswer {
    /// The result code.
    pub code: String,
    /// The answer's extra fields as JSON, if any.
    pub detail: Option<String>,
}

/// What to do with a request, given what is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// Nothing recorded: execute.
    FirstTime,
    /// Same parameters: answer this again.
    Same(RecordedAnswer),
    /// Other parameters under the same bizNo: refuse.
    Inconsistent,
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
    Ok(match recorded {
        None => Replay::FirstTime,
        Some((stored, code, detail)) if stored == fingerprint => {
            Replay::Same(RecordedAnswer { code, detail })
        }
        Some(_) => Replay::Inconsistent,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;

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
}
