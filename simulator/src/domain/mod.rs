//! What the simulator knows and decides, in plain Rust types: users, budgets, cards, the
//! ledger's rule, idempotency, scripted rules, fixtures, the answers of the five
//! operations and what a replayed answer posts. Pure: no database, no HTTP. The stores read facts and apply the plans
//! decided here.

pub mod accounts;
pub mod answers;
pub mod budget;
pub mod cards;
pub mod fixtures;
pub mod idempotency;
pub mod ledger;
pub mod points;
pub mod replayed;
pub mod rules;

/// Milliseconds since the Unix epoch, the unit of every date in these APIs.
pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}
