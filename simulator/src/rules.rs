//! Scripted rules: answers that state cannot produce, and delays.
//!
//! A [`ScriptedRule`] says "the next N calls of operation X (for user Y) answer CODE,
//! after a delay". Rules are checked in the order they were added; the first match is
//! used and its count goes down by one; a rule whose count reaches zero is removed. A
//! rule without a count applies until cleared. A rule without a code only delays, then
//! the call runs normally. Scripted answers are injected faults, not business outcomes:
//! they move no points and are not recorded for idempotency.
//!
//! Rules live in memory: they are test scripting, cleared by a restart or a reset.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use alipayhk_api::{OperationId, ResultStatus};

/// A rule as added through the admin API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScriptedRule {
    /// Set by the rule book when the rule is added.
    #[serde(default)]
    pub rule_id: u64,
    /// The operation the rule applies to.
    pub operation: OperationId,
    /// Only calls for this AlipayHK user id (for inquiries: the token's user); any user if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The result code to answer; the call runs normally if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Status for a code the spec does not list for the operation (`S`, `F` or `U`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResultStatus>,
    /// Message to send instead of the documented one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How many calls the rule applies to; until cleared if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Wait this long before answering (for client timeout tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

/// What a matching rule tells the simulator to do with one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleAction {
    /// The rule that matched.
    pub rule_id: u64,
    /// Wait this long first.
    pub delay: Option<Duration>,
    /// Then answer this code (or run normally if `None`).
    pub code: Option<String>,
    /// Status override for undocumented codes.
    pub status: Option<ResultStatus>,
    /// Message override.
    pub message: Option<String>,
}

/// The ordered list of active rules.
#[derive(Debug, Default)]
pub struct RuleBook {
    state: Mutex<RuleBookState>,
}

#[derive(Debug, Default)]
struct RuleBookState {
    next_id: u64,
    rules: Vec<ScriptedRule>,
}

impl RuleBook {
    /// Adds a rule at the end and returns it with its id.
    pub fn add(&self, mut rule: ScriptedRule) -> ScriptedRule {
        let mut state = self.lock();
        state.next_id += 1;
        rule.rule_id = state.next_id;
        state.rules.push(rule.clone());
        rule
    }

    /// The active rules in matching order.
    pub fn list(&self) -> Vec<ScriptedRule> {
        self.lock().rules.clone()
    }

    /// Whether no rule is active (lets inquiries skip the token-owner lookup).
    pub fn is_empty(&self) -> bool {
        self.lock().rules.is_empty()
    }

    /// Removes one rule; `false` if it was not there.
    pub fn remove(&self, rule_id: u64) -> bool {
        let mut state = self.lock();
        let before = state.rules.len();
        state.rules.retain(|r| r.rule_id != rule_id);
        state.rules.len() != before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// Finds the first rule for this call, uses up one of its times, and says what to do.
    pub fn take(&self, operation: OperationId, user_id: Option<&str>) -> Option<RuleAction> {
        let mut state = self.lock();
        let index = state.rules.iter().position(|rule| {
            rule.operation == operation
                && rule
                    .user_id
                    .as_deref()
                    .is_none_or(|wanted| Some(wanted) == user_id)
                && rule.times != Some(0)
        })?;
        let rule = &mut state.rules[index];
        let action = RuleAction {
            rule_id: rule.rule_id,
            delay: rule.delay_ms.map(Duration::from_millis),
            code: rule.code.clone(),
            status: rule.status,
            message: rule.message.clone(),
        };
        if let Some(times) = rule.times.as_mut() {
            *times -= 1;
            if *times == 0 {
                state.rules.remove(index);
            }
        }
        Some(action)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RuleBookState> {
        // A panic while holding this lock cannot leave the list half-updated.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn rule_applies_exactly_its_number_of_times() {
        let book = RuleBook::default();
        book.add(rule(OperationId::IssueAPoint, None, "RISK_REJECT", Some(2)));
        for _ in 0..2 {
            assert_eq!(
                book.take(OperationId::IssueAPoint, None)
                    .unwrap()
                    .code
                    .as_deref(),
                Some("RISK_REJECT")
            );
        }
        assert_eq!(book.take(OperationId::IssueAPoint, None), None);
        assert!(book.list().is_empty());
    }

    #[test]
    fn rule_for_a_user_ignores_other_users_and_operations() {
        let book = RuleBook::default();
        book.add(rule(
            OperationId::RedeemAPoint,
            Some("2160000000000001"),
            "RISK_REJECT",
            None,
        ));
        assert_eq!(
            book.take(OperationId::RedeemAPoint, Some("2160000000000002")),
            None
        );
        assert_eq!(
            book.take(OperationId::IssueAPoint, Some("2160000000000001")),
            None
        );
        assert!(
            book.take(OperationId::RedeemAPoint, Some("2160000000000001"))
                .is_some()
        );
    }

    #[test]
    fn rule_without_times_applies_until_cleared() {
        let book = RuleBook::default();
        book.add(rule(
            OperationId::QueryTemplate,
            None,
            "PARAM_ILLEGAL",
            None,
        ));
        for _ in 0..10 {
            assert!(book.take(OperationId::QueryTemplate, None).is_some());
        }
        book.clear();
        assert_eq!(book.take(OperationId::QueryTemplate, None), None);
    }

    #[test]
    fn first_added_rule_wins_and_can_be_removed() {
        let book = RuleBook::default();
        let first = book.add(rule(
            OperationId::InquireAPoint,
            None,
            "UNKNOWN_EXCEPTION",
            None,
        ));
        book.add(rule(
            OperationId::InquireAPoint,
            None,
            "USER_NOT_EXIST",
            None,
        ));
        assert_eq!(
            book.take(OperationId::InquireAPoint, None)
                .unwrap()
                .code
                .as_deref(),
            Some("UNKNOWN_EXCEPTION")
        );
        assert!(book.remove(first.rule_id));
        assert_eq!(
            book.take(OperationId::InquireAPoint, None)
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
}
