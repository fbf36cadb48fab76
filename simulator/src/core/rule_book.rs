//! The rule book: the ordered list of active [`Rule`]s, in this process (SQLite) or shared
//! through the PostgreSQL store by every instance.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use alipayhk_api::OperationId;

use crate::domain::rules::{
    Fault, FaultInterest, FaultRule, Rule, RuleAction, ScriptedRule, matches_user,
};
use crate::store::{PgStore, Store, StoreError};

/// The ordered list of active rules.
///
/// On SQLite the list lives in this process. On PostgreSQL the `scripted_rules` table is the
/// list, shared by every instance, and this is its cache: refreshed when any instance
/// announces a change (`LISTEN`/`NOTIFY`) and every `REFRESH` (2 s) anyway. Matching a call
/// reads the cache only, so a call that no rule names costs no database round trip; a
/// match on a rule with `times` claims one of them in the database (a conditional
/// `UPDATE`), so a rule for the next N calls fires N times over all instances. A rule
/// without `times` is answered from the cache.
#[derive(Debug, Default)]
pub struct RuleBook {
    state: Arc<Mutex<RuleBookState>>,
    shared: Option<PgStore>,
}

/// How often a PostgreSQL rule cache is refreshed without a notification (a safety net
/// for a lost listener connection).
pub const REFRESH: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
struct RuleBookState {
    next_id: u64,
    rules: Vec<Rule>,
}

impl RuleBook {
    /// The rule book for `store`: in memory for SQLite, shared for PostgreSQL (this starts
    /// the cache's listener task, so call it inside a Tokio runtime).
    pub fn for_store(store: &Store) -> Self {
        match store {
            Store::Sqlite(_) => Self::default(),
            Store::Postgres(pg) => {
                let book = Self {
                    state: Arc::default(),
                    shared: Some(pg.clone()),
                };
                watch(pg.clone(), Arc::downgrade(&book.state));
                book
            }
        }
    }

    /// Adds a rule at the end and returns it with its id.
    pub async fn add(&self, mut rule: ScriptedRule) -> Result<ScriptedRule, StoreError> {
        if let Some(pg) = &self.shared {
            rule.rule_id = pg
                .insert_rule(false, rule.times, &serde_json::to_string(&rule)?)
                .await?;
            self.reload(pg).await?;
            return Ok(rule);
        }
        let mut state = self.lock();
        state.next_id += 1;
        rule.rule_id = state.next_id;
        state.rules.push(Rule::Answer(rule.clone()));
        Ok(rule)
    }

    /// Adds a fault rule at the end and returns it with its id.
    pub async fn add_fault(&self, mut rule: FaultRule) -> Result<FaultRule, StoreError> {
        if let Some(pg) = &self.shared {
            rule.rule_id = pg
                .insert_rule(true, rule.times, &serde_json::to_string(&rule)?)
                .await?;
            self.reload(pg).await?;
            return Ok(rule);
        }
        let mut state = self.lock();
        state.next_id += 1;
        rule.rule_id = state.next_id;
        state.rules.push(Rule::Fault(rule.clone()));
        Ok(rule)
    }

    /// The active rules in the order added (on PostgreSQL: read from the database, which
    /// also refreshes this instance's cache).
    pub async fn list(&self) -> Result<Vec<Rule>, StoreError> {
        if let Some(pg) = &self.shared {
            self.reload(pg).await?;
        }
        Ok(self.lock().rules.clone())
    }

    /// Whether no rule is active (lets inquiries skip the token-owner lookup); from the
    /// cache on PostgreSQL.
    pub fn is_empty(&self) -> bool {
        self.lock().rules.is_empty()
    }

    /// Removes one rule; `false` if it was not there.
    pub async fn remove(&self, rule_id: u64) -> Result<bool, StoreError> {
        if let Some(pg) = &self.shared {
            let removed = pg.delete_rules(Some(rule_id)).await?;
            self.reload(pg).await?;
            return Ok(removed);
        }
        let mut state = self.lock();
        let before = state.rules.len();
        state.rules.retain(|r| r.id() != rule_id);
        Ok(state.rules.len() != before)
    }

    /// Removes every rule.
    pub async fn clear(&self) -> Result<(), StoreError> {
        if let Some(pg) = &self.shared {
            pg.delete_rules(None).await?;
        }
        self.lock().rules.clear();
        Ok(())
    }

    /// Finds the first answer rule for this call, uses up one of its times, and says what
    /// to do. Fault rules are not considered (see [`RuleBook::take_fault`]).
    pub(crate) async fn take(
        &self,
        operation: OperationId,
        user_id: Option<&str>,
    ) -> Option<RuleAction> {
        let matches = |rule: &Rule| match rule {
            Rule::Answer(rule) => {
                rule.operation == operation && matches_user(rule.user_id.as_deref(), user_id)
            }
            Rule::Fault(_) => false,
        };
        let taken = self.take_first(matches).await?;
        let Rule::Answer(rule) = taken else {
            return None;
        };
        Some(RuleAction {
            rule_id: rule.rule_id,
            delay: rule.delay_ms.map(Duration::from_millis),
            code: rule.code,
            status: rule.status,
            message: rule.message,
        })
    }

    /// Whether fault rules for `operation` exist, and whether matching them needs the
    /// caller's user id (so the fault layer reads the body only when it must).
    pub(crate) fn fault_interest(&self, operation: OperationId) -> FaultInterest {
        let state = self.lock();
        let mut interest = FaultInterest::None;
        for rule in &state.rules {
            if let Rule::Fault(rule) = rule
                && rule.operation == operation
            {
                if rule.user_id.is_some() {
                    return FaultInterest::SomeUsers;
                }
                interest = FaultInterest::AnyUser;
            }
        }
        interest
    }

    /// Finds the first fault rule for this call and uses up one of its times.
    pub(crate) async fn take_fault(
        &self,
        operation: OperationId,
        user_id: Option<&str>,
    ) -> Option<(u64, Fault)> {
        let matches = |rule: &Rule| match rule {
            Rule::Fault(rule) => {
                rule.operation == operation && matches_user(rule.user_id.as_deref(), user_id)
            }
            Rule::Answer(_) => false,
        };
        match self.take_first(matches).await? {
            Rule::Fault(rule) => Some((rule.rule_id, rule.fault)),
            Rule::Answer(_) => None,
        }
    }

    /// The first rule `matches` accepts, with one of its times used up: in memory, or on
    /// PostgreSQL claimed in the database (a rule another instance spent is dropped from
    /// the cache and the next match tried).
    async fn take_first(&self, matches: impl Fn(&Rule) -> bool) -> Option<Rule> {
        loop {
            let candidate = {
                let mut state = self.lock();
                let index = state
                    .rules
                    .iter()
                    .position(|rule| matches(rule) && rule.times() != Some(0))?;
                let rule = state.rules[index].clone();
                if self.shared.is_none() {
                    if let Some(times) = state.rules[index].times_mut() {
                        *times -= 1;
                        if *times == 0 {
                            state.rules.remove(index);
                        }
                    }
                    return Some(rule);
                }
                rule
            };
            let Some(pg) = &self.shared else {
                return None;
            };
            if candidate.times().is_none() {
                return Some(candidate);
            }
            let id = candidate.id();
            match pg.claim_rule(id).await {
                Ok(Some(left)) => {
                    let mut state = self.lock();
                    if let Some(index) = state.rules.iter().position(|r| r.id() == id) {
                        if left == 0 {
                            state.rules.remove(index);
                        } else if let Some(times) = state.rules[index].times_mut() {
                            *times = left;
                        }
                    }
                    return Some(candidate);
                }
                Ok(None) => self.lock().rules.retain(|r| r.id() != id),
                Err(e) => {
                    tracing::error!(error = %e, rule_id = id, "cannot claim a shared rule; the call runs without it");
                    return None;
                }
            }
        }
    }

    async fn reload(&self, pg: &PgStore) -> Result<(), StoreError> {
        let rules = load(pg).await?;
        self.lock().rules = rules;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RuleBookState> {
        lock(&self.state)
    }
}

fn lock(state: &Mutex<RuleBookState>) -> std::sync::MutexGuard<'_, RuleBookState> {
    // A panic while holding this lock cannot leave the list half-updated.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The shared rules, parsed.
async fn load(pg: &PgStore) -> Result<Vec<Rule>, StoreError> {
    let mut rules = Vec::new();
    for (rule_id, fault, times, json) in pg.load_rules().await? {
        rules.push(if fault {
            let mut rule: FaultRule = serde_json::from_str(&json)?;
            (rule.rule_id, rule.times) = (rule_id, times);
            Rule::Fault(rule)
        } else {
            let mut rule: ScriptedRule = serde_json::from_str(&json)?;
            (rule.rule_id, rule.times) = (rule_id, times);
            Rule::Answer(rule)
        });
    }
    Ok(rules)
}

/// Keeps a PostgreSQL rule cache fresh until its rule book is dropped.
fn watch(pg: PgStore, state: Weak<Mutex<RuleBookState>>) {
    tokio::spawn(async move {
        loop {
            let mut notified = match pg.listen_rules().await {
                Ok(notified) => Some(notified),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for rule changes; polling every {REFRESH:?}");
                    None
                }
            };
            loop {
                let lost = match notified.as_mut() {
                    Some(notified) => matches!(
                        tokio::time::timeout(REFRESH, notified.recv()).await,
                        Ok(None)
                    ),
                    None => {
                        tokio::time::sleep(REFRESH).await;
                        true
                    }
                };
                let Some(state) = state.upgrade() else {
                    return;
                };
                match load(&pg).await {
                    Ok(rules) => lock(&state).rules = rules,
                    Err(e) => tracing::warn!(error = %e, "cannot refresh the shared rules"),
                }
                if lost {
                    break;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::MAX_SLOW_HEADERS_MS;

    fn rule(
        operation: OperationId,
        user_id: Option<&str>,
        code: &str,
        times: Option<u32>,
    ) -> ScriptedRule {
        ScriptedRule {
            rule_id: 0,
            operation,
            user_id: user_id.map(str::to_string),
            code: Some(code.into()),
            status: None,
            message: None,
            times,
            delay_ms: None,
        }
    }

    #[tokio::test]
    async fn rule_applies_exactly_its_number_of_times() {
        let book = RuleBook::default();
        book.add(rule(OperationId::IssueAPoint, None, "RISK_REJECT", Some(2)))
            .await
            .unwrap();
        for _ in 0..2 {
            assert_eq!(
                book.take(OperationId::IssueAPoint, None)
                    .await
                    .unwrap()
                    .code
                    .as_deref(),
                Some("RISK_REJECT")
            );
        }
        assert_eq!(book.take(OperationId::IssueAPoint, None).await, None);
        assert!(book.list().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn rule_for_a_user_ignores_other_users_and_operations() {
        let book = RuleBook::default();
        book.add(rule(
            OperationId::RedeemAPoint,
            Some("2160000000000001"),
            "RISK_REJECT",
            None,
        ))
        .await
        .unwrap();
        assert_eq!(
            book.take(OperationId::RedeemAPoint, Some("2160000000000002"))
                .await,
            None
        );
        assert_eq!(
            book.take(OperationId::IssueAPoint, Some("2160000000000001"))
                .await,
            None
        );
        assert!(
            book.take(OperationId::RedeemAPoint, Some("2160000000000001"))
                .await
                .is_some()
        );
    }

    #[tokio::test]
    async fn rule_without_times_applies_until_cleared() {
        let book = RuleBook::default();
        book.add(rule(
            OperationId::QueryTemplate,
            None,
            "PARAM_ILLEGAL",
            None,
        ))
        .await
        .unwrap();
        for _ in 0..10 {
            assert!(book.take(OperationId::QueryTemplate, None).await.is_some());
        }
        book.clear().await.unwrap();
        assert_eq!(book.take(OperationId::QueryTemplate, None).await, None);
    }

    #[tokio::test]
    async fn first_added_rule_wins_and_can_be_removed() {
        let book = RuleBook::default();
        let first = book
            .add(rule(
                OperationId::InquireAPoint,
                None,
                "UNKNOWN_EXCEPTION",
                None,
            ))
            .await
            .unwrap();
        book.add(rule(
            OperationId::InquireAPoint,
            None,
            "USER_NOT_EXIST",
            None,
        ))
        .await
        .unwrap();
        assert_eq!(
            book.take(OperationId::InquireAPoint, None)
                .await
                .unwrap()
                .code
                .as_deref(),
            Some("UNKNOWN_EXCEPTION")
        );
        assert!(book.remove(first.rule_id).await.unwrap());
        assert_eq!(
            book.take(OperationId::InquireAPoint, None)
                .await
                .unwrap()
                .code
                .as_deref(),
            Some("USER_NOT_EXIST")
        );
    }

    #[test]
    fn rule_json_uses_operation_ids() {
        let rule: ScriptedRule = serde_json::from_str(
            r#"{"operation":"redeemAPoint","code":"RISK_REJECT","times":1,"delayMs":50}"#,
        )
        .unwrap();
        assert_eq!(rule.operation, OperationId::RedeemAPoint);
        assert_eq!(rule.delay_ms, Some(50));
        assert!(serde_json::from_str::<ScriptedRule>(r#"{"operation":"nope"}"#).is_err());
    }

    fn fault_rule(
        operation: OperationId,
        user_id: Option<&str>,
        fault: Fault,
        times: Option<u32>,
    ) -> FaultRule {
        FaultRule {
            rule_id: 0,
            operation,
            user_id: user_id.map(str::to_string),
            fault,
            times,
        }
    }

    #[test]
    fn fault_json_is_a_name_or_a_name_with_its_parameter() {
        let rule: FaultRule = serde_json::from_str(
            r#"{"operation":"redeemAPoint","fault":"reset_after_commit","times":1}"#,
        )
        .unwrap();
        assert_eq!(rule.fault, Fault::ResetAfterCommit);
        let rule: FaultRule =
            serde_json::from_str(r#"{"operation":"issueAPoint","fault":{"http_status":502}}"#)
                .unwrap();
        assert_eq!(rule.fault, Fault::HttpStatus(502));
        let rule: FaultRule =
            serde_json::from_str(r#"{"operation":"issueAPoint","fault":{"slow_headers":1500}}"#)
                .unwrap();
        assert_eq!(rule.fault, Fault::SlowHeaders(1500));
        assert_eq!(
            serde_json::to_value(&rule).unwrap()["fault"],
            serde_json::json!({"slow_headers": 1500})
        );
        assert!(
            serde_json::from_str::<FaultRule>(r#"{"operation":"issueAPoint","fault":"nope"}"#)
                .is_err()
        );
        assert!(Fault::HttpStatus(99).problem().is_some());
        assert!(
            Fault::SlowHeaders(MAX_SLOW_HEADERS_MS + 1)
                .problem()
                .is_some()
        );
        assert_eq!(Fault::HttpStatus(504).problem(), None);
    }

    #[tokio::test]
    async fn fault_rules_and_answer_rules_are_taken_separately() {
        let book = RuleBook::default();
        book.add_fault(fault_rule(
            OperationId::RedeemAPoint,
            None,
            Fault::ResetBefore,
            Some(1),
        ))
        .await
        .unwrap();
        book.add(rule(
            OperationId::RedeemAPoint,
            None,
            "RISK_REJECT",
            Some(1),
        ))
        .await
        .unwrap();
        assert_eq!(
            book.fault_interest(OperationId::RedeemAPoint),
            FaultInterest::AnyUser
        );
        assert_eq!(
            book.fault_interest(OperationId::IssueAPoint),
            FaultInterest::None
        );
        assert_eq!(
            book.take(OperationId::RedeemAPoint, None)
                .await
                .unwrap()
                .code
                .as_deref(),
            Some("RISK_REJECT")
        );
        assert_eq!(
            book.take_fault(OperationId::RedeemAPoint, None)
                .await
                .map(|(_, f)| f),
            Some(Fault::ResetBefore)
        );
        assert!(book.is_empty());
    }

    #[tokio::test]
    async fn fault_rule_for_a_user_needs_the_user() {
        let book = RuleBook::default();
        let added = book
            .add_fault(fault_rule(
                OperationId::IssueAPoint,
                Some("2160000000000001"),
                Fault::Unsigned,
                None,
            ))
            .await
            .unwrap();
        assert_eq!(
            book.fault_interest(OperationId::IssueAPoint),
            FaultInterest::SomeUsers
        );
        assert_eq!(book.take_fault(OperationId::IssueAPoint, None).await, None);
        assert_eq!(
            book.take_fault(OperationId::IssueAPoint, Some("2160000000000002"))
                .await,
            None
        );
        assert_eq!(
            book.take_fault(OperationId::IssueAPoint, Some("2160000000000001"))
                .await,
            Some((added.rule_id, Fault::Unsigned))
        );
        assert_eq!(book.list().await.unwrap(), vec![Rule::Fault(added.clone())]);
        assert!(book.remove(added.rule_id).await.unwrap());
        assert!(book.is_empty());
    }
}
