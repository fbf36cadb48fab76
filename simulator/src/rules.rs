//! Scripted rules: answers that state cannot produce, and delays.
//!
//! A [`ScriptedRule`] says "the next N calls of operation X (for user Y) answer CODE,
//! after a delay". Rules are checked in the order they were added; the first match is
//! used and its count goes down by one; a rule whose count reaches zero is removed. A
//! rule without a count applies until cleared. A rule without a code only delays, then
//! the call runs normally. Scripted answers are injected faults, not business outcomes:
//! they move no points and are not recorded for idempotency.
//!
//! A [`FaultRule`] (a rule with a `fault`) acts on the wire instead: the connection is
//! reset, or the answer is emptied, garbled, unsigned, mis-signed, stale, replaced by an
//! HTTP error page or held back (see [`crate::faults`]). Answer rules and fault rules are
//! matched separately, each in the order added, so one call can meet one of each.
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

/// A transport fault: what happens on the wire to one call's answer.
///
/// In JSON a fault without a parameter is its name (`"reset_after_commit"`); one with a
/// parameter is an object (`{"http_status": 502}`, `{"slow_headers": 2000}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Run the operation and commit, then close the connection without an answer.
    ResetAfterCommit,
    /// Close the connection without running the operation.
    ResetBefore,
    /// Run the operation; answer its status and signed headers with an empty body.
    EmptyBody,
    /// Run the operation; answer its status and signed headers with bytes that are not JSON.
    GarbageBody,
    /// Run the operation; answer without the `Signature` header.
    Unsigned,
    /// Run the operation; answer with a `Signature` that does not verify.
    BadSignature,
    /// Run the operation; answer validly signed, with a `Response-Time` an hour old.
    StaleResponseTime,
    /// Run the operation; answer this HTTP status with an HTML body, as a proxy would.
    HttpStatus(u16),
    /// Run the operation, then hold the answer (headers included) back this many ms.
    SlowHeaders(u64),
}

/// Longest [`Fault::SlowHeaders`] accepted: ten minutes.
pub const MAX_SLOW_HEADERS_MS: u64 = 600_000;

impl Fault {
    /// Why the fault cannot be served, if it cannot.
    pub fn problem(&self) -> Option<String> {
        match *self {
            Fault::HttpStatus(status) if !(200..=599).contains(&status) => Some(format!(
                "`http_status` must be an HTTP status from 200 to 599, not {status}"
            )),
            Fault::SlowHeaders(ms) if ms > MAX_SLOW_HEADERS_MS => Some(format!(
                "`slow_headers` is in milliseconds and at most {MAX_SLOW_HEADERS_MS}, not {ms}"
            )),
            _ => None,
        }
    }
}

/// A rule with a `fault`: the next N calls of operation X (for user Y) meet the fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// Set by the rule book when the rule is added.
    #[serde(default)]
    pub rule_id: u64,
    /// The operation the rule applies to.
    pub operation: OperationId,
    /// Only calls for this AlipayHK user id (for inquiries: the token's user); any user if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// What happens to the answer.
    pub fault: Fault,
    /// How many calls the rule applies to; until cleared if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

/// Any active rule, as the admin API lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Rule {
    /// A scripted answer or delay.
    Answer(ScriptedRule),
    /// A transport fault.
    Fault(FaultRule),
}

impl Rule {
    fn id(&self) -> u64 {
        match self {
            Rule::Answer(rule) => rule.rule_id,
            Rule::Fault(rule) => rule.rule_id,
        }
    }
}

/// What calls of an operation the fault rules want to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultInterest {
    /// No fault rule names the operation.
    None,
    /// Rules name the operation, none of them a user.
    AnyUser,
    /// Some rule names a user: the caller's user id is needed to match in order.
    SomeUsers,
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
    rules: Vec<Rule>,
}

impl RuleBook {
    /// Adds a rule at the end and returns it with its id.
    pub fn add(&self, mut rule: ScriptedRule) -> ScriptedRule {
        let mut state = self.lock();
        state.next_id += 1;
        rule.rule_id = state.next_id;
        state.rules.push(Rule::Answer(rule.clone()));
        rule
    }

    /// Adds a fault rule at the end and returns it with its id.
    pub fn add_fault(&self, mut rule: FaultRule) -> FaultRule {
        let mut state = self.lock();
        state.next_id += 1;
        rule.rule_id = state.next_id;
        state.rules.push(Rule::Fault(rule.clone()));
        rule
    }

    /// The active rules in the order added.
    pub fn list(&self) -> Vec<Rule> {
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
        state.rules.retain(|r| r.id() != rule_id);
        state.rules.len() != before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// Finds the first answer rule for this call, uses up one of its times, and says what
    /// to do. Fault rules are not considered (see [`RuleBook::take_fault`]).
    pub fn take(&self, operation: OperationId, user_id: Option<&str>) -> Option<RuleAction> {
        let mut state = self.lock();
        let index = state.rules.iter().position(|rule| match rule {
            Rule::Answer(rule) => {
                rule.operation == operation
                    && matches_user(rule.user_id.as_deref(), user_id)
                    && rule.times != Some(0)
            }
            Rule::Fault(_) => false,
        })?;
        let Rule::Answer(rule) = &mut state.rules[index] else {
            return None;
        };
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

    /// Whether fault rules for `operation` exist, and whether matching them needs the
    /// caller's user id (so the fault layer reads the body only when it must).
    pub fn fault_interest(&self, operation: OperationId) -> FaultInterest {
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
    pub fn take_fault(
        &self,
        operation: OperationId,
        user_id: Option<&str>,
    ) -> Option<(u64, Fault)> {
        let mut state = self.lock();
        let index = state.rules.iter().position(|rule| match rule {
            Rule::Fault(rule) => {
                rule.operation == operation
                    && matches_user(rule.user_id.as_deref(), user_id)
                    && rule.times != Some(0)
            }
            Rule::Answer(_) => false,
        })?;
        let Rule::Fault(rule) = &mut state.rules[index] else {
            return None;
        };
        let taken = (rule.rule_id, rule.fault);
        if let Some(times) = rule.times.as_mut() {
            *times -= 1;
            if *times == 0 {
                state.rules.remove(index);
            }
        }
        Some(taken)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RuleBookState> {
        // A panic while holding this lock cannot leave the list half-updated.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A rule without a user matches every call; one with a user only that user's calls.
fn matches_user(wanted: Option<&str>, caller: Option<&str>) -> bool {
    wanted.is_none_or(|wanted| Some(wanted) == caller)
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

    #[test]
    fn fault_rules_and_answer_rules_are_taken_separately() {
        let book = RuleBook::default();
        book.add_fault(fault_rule(
            OperationId::RedeemAPoint,
            None,
            Fault::ResetBefore,
            Some(1),
        ));
        book.add(rule(
            OperationId::RedeemAPoint,
            None,
            "RISK_REJECT",
            Some(1),
        ));
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
                .unwrap()
                .code
                .as_deref(),
            Some("RISK_REJECT")
        );
        assert_eq!(
            book.take_fault(OperationId::RedeemAPoint, None)
                .map(|(_, f)| f),
            Some(Fault::ResetBefore)
        );
        assert!(book.is_empty());
    }

    #[test]
    fn fault_rule_for_a_user_needs_the_user() {
        let book = RuleBook::default();
        let added = book.add_fault(fault_rule(
            OperationId::IssueAPoint,
            Some("2160000000000001"),
            Fault::Unsigned,
            None,
        ));
        assert_eq!(
            book.fault_interest(OperationId::IssueAPoint),
            FaultInterest::SomeUsers
        );
        assert_eq!(book.take_fault(OperationId::IssueAPoint, None), None);
        assert_eq!(
            book.take_fault(OperationId::IssueAPoint, Some("2160000000000002")),
            None
        );
        assert_eq!(
            book.take_fault(OperationId::IssueAPoint, Some("2160000000000001")),
            Some((added.rule_id, Fault::Unsigned))
        );
        assert_eq!(book.list(), vec![Rule::Fault(added.clone())]);
        assert!(book.remove(added.rule_id));
        assert!(book.is_empty());
    }
}
