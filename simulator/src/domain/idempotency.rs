//! Idempotency by (Client-Id, operation, bizNo), protocol.md §E2 (assumption).
//!
//! The first final answer (S or F) for a key is recorded with a fingerprint of the
//! request's business parameters, in the same transaction as the points it moved. A
//! repeat with the same fingerprint gets the recorded answer and moves nothing; a repeat
//! with another fingerprint gets `REPEAT_REQ_INCONSISTENT`. `U` answers are never
//! recorded, so a retry after `U` runs again. Records never expire.

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

impl Replay {
    /// What to do, given the record found under the key (its fingerprint, code and
    /// detail) and this request's fingerprint.
    pub fn of(recorded: Option<(String, String, Option<String>)>, fingerprint: &str) -> Self {
        match recorded {
            None => Self::FirstTime,
            Some((stored, code, detail)) if stored == fingerprint => {
                Self::Same(RecordedAnswer { code, detail })
            }
            Some(_) => Self::Inconsistent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unseen_key_is_first_time() {
        assert_eq!(Replay::of(None, "amount=1"), Replay::FirstTime);
    }

    #[test]
    fn same_parameters_replay_the_recorded_answer() {
        let recorded = Some(("amount=1".into(), "SUCCESS".into(), None));
        assert_eq!(
            Replay::of(recorded, "amount=1"),
            Replay::Same(RecordedAnswer {
                code: "SUCCESS".into(),
                detail: None
            })
        );
    }

    #[test]
    fn other_parameters_are_inconsistent() {
        let recorded = Some(("amount=1".into(), "SUCCESS".into(), None));
        assert_eq!(Replay::of(recorded, "amount=2"), Replay::Inconsistent);
    }
}
