//! `cargo xtask spec-diff`: what changed between two specs, classified for *client* callers.
//!
//! The rules know how our generated clients behave: enums (result codes included) are open,
//! so a new value is safe; request constraints are checked before sending, so a tighter one
//! breaks callers; a result code whose status moves to `U` changes what callers must do.

use crate::pattern_order::Inclusion;
use crate::spec_facts::{
    Alternatives, CodeFact, ConditionFact, EitherOfFact, FieldFact, HeaderFact, OperationFacts,
    SpecFacts,
};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Breaking,
    PotentiallyBreaking,
    Safe,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::PotentiallyBreaking => "potentially breaking",
            Severity::Safe => "safe",
        }
    }
}

/// One observed change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub severity: Severity,
    /// Where: `issueAPoint request field bizNo`, `common result code INVALID_CLIENT`, ...
    pub subject: String,
    /// What, in a few words with old and new values.
    pub detail: String,
}

/// Which side of the exchange a field is on decides what a change means to a client.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Request,
    Response,
}

impl Side {
    fn label(self) -> &'static str {
        match self {
            Side::Request => "request",
            Side::Response => "response",
        }
    }
}

pub fn diff(old: &SpecFacts, new: &SpecFacts) -> Vec<Change> {
    let mut changes = Vec::new();
    for old_op in &old.operations {
        match new.operation(&old_op.id) {
            Some(new_op) => diff_operation(old_op, new_op, &mut changes),
            None => changes.push(Change {
                severity: Severity::Breaking,
                subject: format!("operation {}", old_op.id),
                detail: format!("removed ({} {})", old_op.method, old_op.path),
            }),
        }
    }
    for new_op in &new.operations {
        if old.operation(&new_op.id).is_none() {
            changes.push(Change {
                severity: Severity::Safe,
                subject: format!("operation {}", new_op.id),
                detail: format!("added ({} {})", new_op.method, new_op.path),
            });
        }
    }
    diff_codes(
        "common result code",
        &old.common_codes,
        &new.common_codes,
        &mut changes,
    );
    changes
}

fn diff_operation(old: &OperationFacts, new: &OperationFacts, out: &mut Vec<Change>) {
    let subject = format!("operation {}", old.id);
    if (&old.method, &old.path) != (&new.method, &new.path) {
        out.push(Change {
            severity: Severity::Breaking,
            subject: subject.clone(),
            detail: format!(
                "endpoint changed from {} {} to {} {}",
                old.method, old.path, new.method, new.path
            ),
        });
    }
    if old.result_field != new.result_field {
        out.push(Change {
            severity: Severity::Breaking,
            subject: subject.clone(),
            detail: format!(
                "result field changed from {} to {}",
                show(&old.result_field),
                show(&new.result_field)
            ),
        });
    }
    if old.idempotency_key != new.idempotency_key {
        out.push(Change {
            severity: Severity::PotentiallyBreaking,
            subject: subject.clone(),
            detail: format!(
                "idempotency key changed from {} to {}: retries may no longer be safe",
                show(&old.idempotency_key),
                show(&new.idempotency_key)
            ),
        });
    }
    diff_assumption(&subject, &old.assumption, &new.assumption, out);
    diff_headers(
        &old.id,
        Side::Request,
        &old.request_headers,
        &new.request_headers,
        out,
    );
    diff_headers(
        &old.id,
        Side::Response,
        &old.response_headers,
        &new.response_headers,
        out,
    );
    diff_fields(
        &old.id,
        Side::Request,
        &old.request_fields,
        &new.request_fields,
        out,
    );
    diff_fields(
        &old.id,
        Side::Response,
        &old.response_fields,
        &new.response_fields,
        out,
    );
    diff_conditions(
        &old.id,
        Side::Request,
        &old.request_conditions,
        &new.request_conditions,
        out,
    );
    diff_conditions(
        &old.id,
        Side::Response,
        &old.response_conditions,
        &new.response_conditions,
        out,
    );
    diff_either_of(
        &old.id,
        Side::Request,
        &old.request_either_of,
        &new.request_either_of,
        out,
    );
    diff_either_of(
        &old.id,
        Side::Response,
        &old.response_either_of,
        &new.response_either_of,
        out,
    );
    diff_closed(
        &old.id,
        Side::Request,
        &old.request_closed,
        &new.request_closed,
        out,
    );
    diff_closed(
        &old.id,
        Side::Response,
        &old.response_closed,
        &new.response_closed,
        out,
    );
    diff_codes(
        &format!("{} result code", old.id),
        &old.codes,
        &new.codes,
        out,
    );
}

/// `x-conditions` rules. A rule that keeps its field, effect and trigger but changes its value,
/// or keeps its value but changes its trigger, is one change: tightened (a narrower `enum`, a
/// trigger that holds in more cases), loosened (the reverse) or changed (a new pattern, a
/// trigger neither wider nor narrower). Request rules are checked before sending, so a new or
/// tightened one breaks callers that break it, and a changed one may; response rules are
/// safe for lenient clients; a new or changed default changes what an absent value means,
/// which callers reading `<field>_or_default()` see.
fn diff_conditions(
    op: &str,
    side: Side,
    old: &[ConditionFact],
    new: &[ConditionFact],
    out: &mut Vec<Change>,
) {
    let request = side == Side::Request;
    let subject = |fact: &ConditionFact| format!("{op} {} field {}", side.label(), fact.path);
    let added: Vec<&ConditionFact> = new.iter().filter(|c| !old.contains(c)).collect();
    let removed: Vec<&ConditionFact> = old.iter().filter(|c| !new.contains(c)).collect();
    let mut paired_old: Vec<&ConditionFact> = Vec::new();
    let mut paired_new: Vec<&ConditionFact> = Vec::new();
    for fact in &added {
        let same_rule = |o: &&&ConditionFact| {
            o.path == fact.path
                && o.effect == fact.effect
                && !paired_old.iter().any(|p| std::ptr::eq(*p, **o))
        };
        let by_trigger = removed
            .iter()
            .find(|o| same_rule(o) && o.trigger_key() == fact.trigger_key());
        let by_value = removed
            .iter()
            .find(|o| same_rule(o) && o.value == fact.value && o.negated == fact.negated);
        let (previous, what) = match (by_trigger, by_value) {
            (Some(o), _) => (*o, value_change(o, fact)),
            (None, Some(o)) => (*o, trigger_change(o, fact)),
            (None, None) => continue,
        };
        paired_old.push(previous);
        paired_new.push(*fact);
        let severity = match (fact.effect.as_str(), what, request) {
            ("default", ..) => Severity::PotentiallyBreaking,
            (_, _, false) | (_, Tightness::Looser, true) => Severity::Safe,
            (_, Tightness::Tighter, true) => Severity::Breaking,
            (_, Tightness::Other, true) => Severity::PotentiallyBreaking,
        };
        let verb = match what {
            Tightness::Tighter => "tightened",
            Tightness::Looser => "loosened",
            Tightness::Other => "changed",
        };
        out.push(Change {
            severity,
            subject: subject(fact),
            detail: format!(
                "condition {verb}: {} -> {}",
                previous.describe(),
                fact.describe()
            ),
        });
    }
    for fact in added
        .iter()
        .filter(|f| !paired_new.iter().any(|p| std::ptr::eq(*p, **f)))
    {
        let severity = match (fact.effect.as_str(), request) {
            ("default", _) => Severity::PotentiallyBreaking,
            // Documentation only: nothing is refused.
            ("applies", _) => Severity::Safe,
            (_, true) => Severity::Breaking,
            (_, false) => Severity::Safe,
        };
        out.push(Change {
            severity,
            subject: subject(fact),
            detail: format!("condition added: {}", fact.describe()),
        });
    }
    for fact in removed
        .iter()
        .filter(|f| !paired_old.iter().any(|p| std::ptr::eq(*p, **f)))
    {
        let severity = if fact.effect == "default" {
            Severity::PotentiallyBreaking
        } else {
            Severity::Safe
        };
        out.push(Change {
            severity,
            subject: subject(fact),
            detail: format!("condition removed: {}", fact.describe()),
        });
    }
}

/// How a changed rule compares with the old one, for the values it accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tightness {
    Tighter,
    Looser,
    Other,
}

/// The same rule (field, effect, trigger) with another value: an `enum` that lists fewer
/// values is tighter, more is looser; another pattern or default cannot be ordered.
fn value_change(old: &ConditionFact, new: &ConditionFact) -> Tightness {
    if old.effect != "enum" {
        return Tightness::Other;
    }
    let values = |fact: &ConditionFact| -> Vec<String> {
        fact.value.split(", ").map(str::to_string).collect()
    };
    let (old, new) = (values(old), values(new));
    if new.iter().all(|v| old.contains(v)) {
        Tightness::Tighter
    } else if old.iter().all(|v| new.contains(v)) {
        Tightness::Looser
    } else {
        Tightness::Other
    }
}

/// The same rule (field, effect, value) with another trigger: one that holds whenever the
/// old one did (and more) makes the rule apply more often, so it is tighter; the reverse is
/// looser. `unless` turns this around.
fn trigger_change(old: &ConditionFact, new: &ConditionFact) -> Tightness {
    // Every alternative of `narrow` is covered by one of `wide` (same siblings, at least the
    // same values each), so `wide` holds whenever `narrow` does.
    let covers = |wide: &Alternatives, narrow: &Alternatives| {
        narrow.iter().all(|n| {
            wide.iter().any(|w| {
                w.iter().all(|(p, _)| n.iter().any(|(q, _)| q == p))
                    && n.iter().all(|(p, values)| {
                        w.iter()
                            .find(|(q, _)| q == p)
                            .is_none_or(|(_, wide)| values.iter().all(|v| wide.contains(v)))
                    })
            })
        })
    };
    let (wider, narrower) = (
        covers(&new.alternatives, &old.alternatives),
        covers(&old.alternatives, &new.alternatives),
    );
    let applies_more = match (wider, narrower) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    };
    match applies_more.map(|more| more != new.negated) {
        Some(true) => Tightness::Tighter,
        Some(false) => Tightness::Looser,
        _ => Tightness::Other,
    }
}

/// `x-either-of`, matched by the fields they share. In a request the rule is checked before
/// sending: a new one, or one that drops a field, breaks callers; one that only adds a field
/// may (a caller sending it beside another now sends two). In a response a new or changed
/// rule is safe for lenient clients, and a removed one may leave callers with neither field.
fn diff_either_of(
    op: &str,
    side: Side,
    old: &[EitherOfFact],
    new: &[EitherOfFact],
    out: &mut Vec<Change>,
) {
    let request = side == Side::Request;
    let subject =
        |fact: &EitherOfFact| format!("{op} {} fields {}", side.label(), fact.paths.join(", "));
    let shares = |a: &EitherOfFact, b: &EitherOfFact| a.paths.iter().any(|p| b.paths.contains(p));
    for fact in new {
        if old.iter().any(|o| o.key() == fact.key()) {
            continue;
        }
        let (severity, detail) = match old.iter().find(|o| shares(o, fact)) {
            Some(previous) => {
                let dropped = previous.paths.iter().any(|p| !fact.paths.contains(p));
                let severity = match (request, dropped) {
                    (false, _) => Severity::Safe,
                    (true, true) => Severity::Breaking,
                    (true, false) => Severity::PotentiallyBreaking,
                };
                (
                    severity,
                    format!(
                        "x-either-of changed: {} -> {}",
                        previous.describe(),
                        fact.describe()
                    ),
                )
            }
            None => (
                if request {
                    Severity::Breaking
                } else {
                    Severity::Safe
                },
                format!("x-either-of added: {}", fact.describe()),
            ),
        };
        out.push(Change {
            severity,
            subject: subject(fact),
            detail,
        });
    }
    for fact in old {
        if new.iter().any(|n| n.key() == fact.key() || shares(n, fact)) {
            continue;
        }
        out.push(Change {
            severity: if request {
                Severity::Safe
            } else {
                Severity::PotentiallyBreaking
            },
            subject: subject(fact),
            detail: format!("x-either-of removed: {}", fact.describe()),
        });
    }
}

/// `additionalProperties: false`, by object path. A request object that becomes closed is
/// refused by the server with any key it does not name: callers that sent one (`extra`)
/// break. Opening one is safe, and in a response either way is (clients stay lenient: a
/// forbidden key decodes into `extra`).
fn diff_closed(op: &str, side: Side, old: &[String], new: &[String], out: &mut Vec<Change>) {
    let subject = |path: &str| match path {
        "" => format!("{op} {} body", side.label()),
        path => format!("{op} {} object {path}", side.label()),
    };
    for path in new.iter().filter(|p| !old.contains(p)) {
        out.push(Change {
            severity: match side {
                Side::Request => Severity::PotentiallyBreaking,
                Side::Response => Severity::Safe,
            },
            subject: subject(path),
            detail: "now refuses keys it does not name (additionalProperties: false)".into(),
        });
    }
    for path in old.iter().filter(|p| !new.contains(p)) {
        out.push(Change {
            severity: Severity::Safe,
            subject: subject(path),
            detail: "no longer refuses keys it does not name (additionalProperties: false removed)"
                .into(),
        });
    }
}

fn show(value: &Option<String>) -> String {
    value
        .as_deref()
        .map_or("(none)".to_string(), |v| format!("`{v}`"))
}

fn diff_assumption(
    subject: &str,
    old: &Option<String>,
    new: &Option<String>,
    out: &mut Vec<Change>,
) {
    let detail = match (old, new) {
        (None, Some(new)) => format!("now marked as an assumption: {new}"),
        (Some(_), None) => "assumption resolved: now a documented fact".to_string(),
        (Some(a), Some(b)) if a != b => format!("assumption reworded: {b}"),
        _ => return,
    };
    out.push(Change {
        severity: Severity::Safe,
        subject: subject.to_string(),
        detail,
    });
}

fn diff_headers(
    op: &str,
    side: Side,
    old: &[HeaderFact],
    new: &[HeaderFact],
    out: &mut Vec<Change>,
) {
    for old_header in old {
        let subject = format!("{op} {} header {}", side.label(), old_header.name);
        let Some(new_header) = new
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(&old_header.name))
        else {
            let severity = match (side, old_header.required) {
                (Side::Response, true) => Severity::Breaking,
                _ => Severity::PotentiallyBreaking,
            };
            out.push(Change {
                severity,
                subject,
                detail: "removed".to_string(),
            });
            continue;
        };
        if old_header.required != new_header.required {
            let tightened = new_header.required;
            let severity = match (side, tightened) {
                (Side::Request, true) | (Side::Response, false) => Severity::Breaking,
                _ => Severity::Safe,
            };
            out.push(Change {
                severity,
                subject: subject.clone(),
                detail: format!(
                    "required: {} -> {}",
                    old_header.required, new_header.required
                ),
            });
        }
        if old_header.pattern != new_header.pattern {
            let (severity, how) = pattern_change(
                &old_header.pattern,
                &new_header.pattern,
                side == Side::Request,
            );
            out.push(Change {
                severity,
                subject,
                detail: format!(
                    "pattern: {} -> {}{how}",
                    show(&old_header.pattern),
                    show(&new_header.pattern)
                ),
            });
        }
    }
    for new_header in new {
        if !old
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(&new_header.name))
        {
            let severity = if side == Side::Request && new_header.required {
                Severity::Breaking
            } else {
                Severity::Safe
            };
            out.push(Change {
                severity,
                subject: format!("{op} {} header {}", side.label(), new_header.name),
                detail: format!(
                    "added ({})",
                    if new_header.required {
                        "required"
                    } else {
                        "optional"
                    }
                ),
            });
        }
    }
}

/// A pattern change: safe in a response (clients stay lenient) and, in a request, when the
/// new pattern accepts every value the old one did; breaking when it refuses one of them
/// (named); potentially breaking when that cannot be decided. The text says which.
fn pattern_change(old: &Option<String>, new: &Option<String>, request: bool) -> (Severity, String) {
    match (old, new) {
        (_, None) => (Severity::Safe, String::new()),
        _ if !request => (Severity::Safe, String::new()),
        (None, Some(_)) => (Severity::PotentiallyBreaking, String::new()),
        (Some(old), Some(new)) => match crate::pattern_order::compare(old, new) {
            Inclusion::Wider => (
                Severity::Safe,
                " (loosened: every value the old pattern took still matches)".to_string(),
            ),
            Inclusion::Narrower(example) => (
                Severity::Breaking,
                format!(" (tightened: {example:?} matched before and no longer does)"),
            ),
            Inclusion::Unknown => (Severity::PotentiallyBreaking, String::new()),
        },
    }
}

fn diff_fields(op: &str, side: Side, old: &[FieldFact], new: &[FieldFact], out: &mut Vec<Change>) {
    for old_field in old {
        let subject = format!("{op} {} field {}", side.label(), old_field.path);
        match new.iter().find(|f| f.path == old_field.path) {
            Some(new_field) => diff_field(&subject, side, old_field, new_field, out),
            None => {
                let severity = match (side, old_field.required) {
                    (Side::Response, true) => Severity::Breaking,
                    _ => Severity::PotentiallyBreaking,
                };
                out.push(Change {
                    severity,
                    subject,
                    detail: "removed".to_string(),
                });
            }
        }
    }
    for new_field in new {
        if !old.iter().any(|f| f.path == new_field.path) {
            let severity =
                if side == Side::Request && new_field.required && parent_present(new_field, old) {
                    Severity::Breaking
                } else {
                    Severity::Safe
                };
            out.push(Change {
                severity,
                subject: format!("{op} {} field {}", side.label(), new_field.path),
                detail: format!(
                    "added ({}, {})",
                    if new_field.required {
                        "required"
                    } else {
                        "optional"
                    },
                    new_field.ty
                ),
            });
        }
    }
}

/// A new required child of a new optional parent breaks nobody; of an existing parent it does.
fn parent_present(field: &FieldFact, old: &[FieldFact]) -> bool {
    let parent = field.path.rfind('.').map(|i| {
        field.path[..i]
            .trim_end_matches("[]")
            .trim_end_matches("{}")
    });
    match parent {
        None => true,
        Some(parent) => old.iter().any(|f| f.path == parent),
    }
}

fn diff_field(subject: &str, side: Side, old: &FieldFact, new: &FieldFact, out: &mut Vec<Change>) {
    let request = side == Side::Request;
    let mut push = |severity: Severity, detail: String| {
        out.push(Change {
            severity,
            subject: subject.to_string(),
            detail,
        })
    };
    if old.ty != new.ty && new.ty == "any" {
        // Every value of the old type is still taken on the wire; generated code changes.
        push(
            Severity::Safe,
            format!(
                "type: {} -> any (loosened: every value it took is still accepted; generated code now holds any JSON value)",
                old.ty
            ),
        );
    } else if old.ty != new.ty {
        push(
            Severity::Breaking,
            format!("type: {} -> {}", old.ty, new.ty),
        );
    }
    if old.required != new.required {
        // A request field becoming required, or a response field becoming optional, breaks
        // callers; the reverse only changes the generated type (T <-> Option<T>).
        let breaks = if request { new.required } else { !new.required };
        let severity = if breaks {
            Severity::Breaking
        } else {
            Severity::PotentiallyBreaking
        };
        push(
            severity,
            format!("required: {} -> {}", old.required, new.required),
        );
    }
    if old.nullable != new.nullable {
        let severity = if !request && new.nullable {
            Severity::PotentiallyBreaking
        } else {
            Severity::Safe
        };
        push(
            severity,
            format!("nullable: {} -> {}", old.nullable, new.nullable),
        );
    }
    // Limits: tighter on the request side breaks callers; responses are decoded leniently.
    let limit = |tighter: bool| {
        if request && tighter {
            Severity::Breaking
        } else {
            Severity::Safe
        }
    };
    if old.max_length != new.max_length {
        push(
            limit(is_tighter_max(
                old.max_length.map(|v| v as f64),
                new.max_length.map(|v| v as f64),
            )),
            format!(
                "maxLength: {} -> {}",
                num(old.max_length),
                num(new.max_length)
            ),
        );
    }
    if old.max_items != new.max_items {
        push(
            limit(is_tighter_max(
                old.max_items.map(|v| v as f64),
                new.max_items.map(|v| v as f64),
            )),
            format!("maxItems: {} -> {}", num(old.max_items), num(new.max_items)),
        );
    }
    if old.maximum != new.maximum {
        push(
            limit(is_tighter_max(old.maximum, new.maximum)),
            format!("maximum: {} -> {}", num(old.maximum), num(new.maximum)),
        );
    }
    if old.minimum != new.minimum {
        let tighter = match (old.minimum, new.minimum) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b > a,
        };
        push(
            limit(tighter),
            format!("minimum: {} -> {}", num(old.minimum), num(new.minimum)),
        );
    }
    if old.pattern != new.pattern {
        let (severity, how) = pattern_change(&old.pattern, &new.pattern, request);
        push(
            severity,
            format!(
                "pattern: {} -> {}{how}",
                show(&old.pattern),
                show(&new.pattern)
            ),
        );
    }
    for value in old
        .enum_values
        .iter()
        .filter(|v| !new.enum_values.contains(v))
    {
        // A request value the server no longer accepts breaks callers that send it.
        let severity = if request {
            Severity::Breaking
        } else {
            Severity::Safe
        };
        push(severity, format!("enum value `{value}` removed"));
    }
    for value in new
        .enum_values
        .iter()
        .filter(|v| !old.enum_values.contains(v))
    {
        // Generated enums are open (`Unknown(String)`), so a new value never fails decoding.
        push(Severity::Safe, format!("enum value `{value}` added"));
    }
    if old.min_length != new.min_length {
        let tighter = match (old.min_length, new.min_length) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b > a,
        };
        push(
            limit(tighter),
            format!(
                "minLength: {} -> {}",
                num(old.min_length),
                num(new.min_length)
            ),
        );
    }
    if old.min_items != new.min_items {
        let tighter = match (old.min_items, new.min_items) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b > a,
        };
        push(
            limit(tighter),
            format!("minItems: {} -> {}", num(old.min_items), num(new.min_items)),
        );
    }
    if old.unique_items != new.unique_items {
        push(
            limit(new.unique_items),
            format!("uniqueItems: {} -> {}", old.unique_items, new.unique_items),
        );
    }
    if old.exclusive_minimum != new.exclusive_minimum
        || old.exclusive_maximum != new.exclusive_maximum
    {
        push(
            limit(new.exclusive_minimum || new.exclusive_maximum),
            format!(
                "exclusive bounds: min {} max {} -> min {} max {}",
                old.exclusive_minimum,
                old.exclusive_maximum,
                new.exclusive_minimum,
                new.exclusive_maximum
            ),
        );
    }
    if old.multiple_of != new.multiple_of {
        // Any new step can refuse a value the old one allowed, unless it divides the old one.
        let looser = match (old.multiple_of, new.multiple_of) {
            (_, None) => true,
            (Some(a), Some(b)) => (a / b).fract() == 0.0,
            (None, Some(_)) => false,
        };
        push(
            limit(!looser),
            format!(
                "multipleOf: {} -> {}",
                num(old.multiple_of),
                num(new.multiple_of)
            ),
        );
    }
    if old.format != new.format {
        push(
            limit(new.format.is_some()),
            format!("format: {} -> {}", show(&old.format), show(&new.format)),
        );
    }
    for variant in new.variants.iter().filter(|v| !old.variants.contains(v)) {
        // A response branch old clients do not know decodes as `Unknown(..)`: nothing fails,
        // but code matching on the variants never sees it.
        let severity = if request {
            Severity::Safe
        } else {
            Severity::PotentiallyBreaking
        };
        push(severity, format!("oneOf/anyOf branch `{variant}` added"));
    }
    for variant in old.variants.iter().filter(|v| !new.variants.contains(v)) {
        let severity = if request {
            Severity::Breaking
        } else {
            Severity::Safe
        };
        push(severity, format!("oneOf/anyOf branch `{variant}` removed"));
    }
    if old.type_name != new.type_name && old.ty == new.ty {
        push(
            Severity::PotentiallyBreaking,
            format!(
                "schema renamed: {} -> {} (generated type name changes)",
                show(&old.type_name),
                show(&new.type_name)
            ),
        );
    }
    diff_assumption(subject, &old.assumption, &new.assumption, out);
    diff_unchecked(subject, &old.unchecked, &new.unchecked, out);
}

/// An `x-unchecked` note is documentation: no generated code checks it, so adding, removing
/// or rewording one changes nothing a caller's program sees.
fn diff_unchecked(
    subject: &str,
    old: &Option<String>,
    new: &Option<String>,
    out: &mut Vec<Change>,
) {
    let detail = match (old, new) {
        (None, Some(new)) => format!("x-unchecked note added (documentation): {new}"),
        (Some(old), None) => format!("x-unchecked note removed (documentation): was {old}"),
        (Some(a), Some(b)) if a != b => {
            format!("x-unchecked note changed (documentation): {a} -> {b}")
        }
        _ => return,
    };
    out.push(Change {
        severity: Severity::Safe,
        subject: subject.to_string(),
        detail,
    });
}

fn is_tighter_max(old: Option<f64>, new: Option<f64>) -> bool {
    match (old, new) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(a), Some(b)) => b < a,
    }
}

fn num<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or("(none)".to_string(), |v| v.to_string())
}

fn diff_codes(subject: &str, old: &[CodeFact], new: &[CodeFact], out: &mut Vec<Change>) {
    for old_code in old {
        let code_subject = format!("{subject} {}", old_code.code);
        let Some(new_code) = new.iter().find(|c| c.code == old_code.code) else {
            out.push(Change {
                severity: Severity::PotentiallyBreaking,
                subject: code_subject,
                detail: format!(
                    "removed (was {}); callers that match on its variant stop compiling",
                    old_code.status
                ),
            });
            continue;
        };
        if old_code.status != new_code.status {
            out.push(Change {
                severity: status_change_severity(&old_code.status, &new_code.status),
                subject: code_subject.clone(),
                detail: format!("status: {} -> {}", old_code.status, new_code.status),
            });
        }
        if old_code.message != new_code.message {
            out.push(Change {
                severity: Severity::Safe,
                subject: code_subject.clone(),
                detail: format!(
                    "message: \"{}\" -> \"{}\"",
                    old_code.message, new_code.message
                ),
            });
        }
        diff_assumption(
            &code_subject,
            &old_code.assumption,
            &new_code.assumption,
            out,
        );
    }
    for new_code in new {
        if !old.iter().any(|c| c.code == new_code.code) {
            // Result-code enums keep unknown values, so a new code decodes; it is safe.
            out.push(Change {
                severity: Severity::Safe,
                subject: format!("{subject} {}", new_code.code),
                detail: format!("added ({})", new_code.status),
            });
        }
    }
}

/// Moving a code to or from `S`, or from a final `F` to an unknown `U`, changes what callers
/// must do (retry, reconcile); `U` -> `F` only removes a retry.
fn status_change_severity(old: &str, new: &str) -> Severity {
    match (old, new) {
        ("U", "F") => Severity::PotentiallyBreaking,
        _ => Severity::Breaking,
    }
}

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            other => Err(format!(
                "unknown format `{other}`: use text, markdown or json"
            )),
        }
    }
}

pub fn render(changes: &[Change], old_label: &str, new_label: &str, format: Format) -> String {
    let count = |s: Severity| changes.iter().filter(|c| c.severity == s).count();
    let (breaking, potentially, safe) = (
        count(Severity::Breaking),
        count(Severity::PotentiallyBreaking),
        count(Severity::Safe),
    );
    let mut sorted: Vec<&Change> = changes.iter().collect();
    sorted.sort_by_key(|c| c.severity);
    let mut out = String::new();
    match format {
        Format::Json => {
            let report = serde_json::json!({
                "old": old_label,
                "new": new_label,
                "summary": {"breaking": breaking, "potentiallyBreaking": potentially, "safe": safe},
                "changes": sorted,
            });
            out = serde_json::to_string_pretty(&report).unwrap_or_default();
            out.push('\n');
        }
        Format::Text => {
            let _ = writeln!(out, "spec diff {old_label} -> {new_label}");
            let _ = writeln!(
                out,
                "{breaking} breaking, {potentially} potentially breaking, {safe} safe"
            );
            for change in sorted {
                let _ = writeln!(
                    out,
                    "[{}] {}: {}",
                    change.severity.label(),
                    change.subject,
                    change.detail
                );
            }
        }
        Format::Markdown => {
            let _ = writeln!(out, "### Spec changes: `{old_label}` → `{new_label}`\n");
            let _ = writeln!(
                out,
                "**{breaking} breaking**, {potentially} potentially breaking, {safe} safe for client callers.\n"
            );
            if !sorted.is_empty() {
                let _ = writeln!(out, "| | where | change |\n|---|---|---|");
                for change in sorted {
                    let icon = match change.severity {
                        Severity::Breaking => "🔴 breaking",
                        Severity::PotentiallyBreaking => "🟠 potentially breaking",
                        Severity::Safe => "🟢 safe",
                    };
                    let _ = writeln!(
                        out,
                        "| {icon} | {} | {} |",
                        change.subject,
                        change.detail.replace('|', "\\|")
                    );
                }
            }
        }
    }
    out
}
