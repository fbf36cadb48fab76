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
//! HTTP error page or held back (see the HTTP layer's faults). Answer rules and fault rules are
//! matched separately, each in the order added, so one call can meet one of each.
//!
//! With SQLite, rules live in memory: they are test scripting, cleared by a restart or a
//! reset. With PostgreSQL they live in the database, shared by every instance (see the
//! core's rule book), and a reset on any instance clears them for all.

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
    /// The rule's id.
    pub fn id(&self) -> u64 {
        match self {
            Rule::Answer(rule) => rule.rule_id,
            Rule::Fault(rule) => rule.rule_id,
        }
    }

    /// Calls left (`None`: until removed).
    pub fn times(&self) -> Option<u32> {
        match self {
            Rule::Answer(rule) => rule.times,
            Rule::Fault(rule) => rule.times,
        }
    }

    /// Calls left, to count down.
    pub fn times_mut(&mut self) -> Option<&mut u32> {
        match self {
            Rule::Answer(rule) => rule.times.as_mut(),
            Rule::Fault(rule) => rule.times.as_mut(),
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

/// A rule without a user matches every call; one with a user only that user's calls.
pub fn matches_user(wanted: Option<&str>, caller: Option<&str>) -> bool {
    wanted.is_none_or(|wanted| Some(wanted) == caller)
}

/// What a scripted answer must satisfy beyond its JSON shape (the admin API and the console).
pub fn check_rule(rule: &ScriptedRule) -> Result<(), String> {
    if rule.code.is_none() && rule.delay_ms.is_none() {
        return Err("a rule needs a `code`, a `delayMs`, both, or a `fault`".into());
    }
    if rule.times == Some(0) {
        return Err("`times` must be at least 1 (leave it out for a rule that stays)".into());
    }
    Ok(())
}
