//! The constraint rules, once: what each constraint the IR carries allows, and how its
//! violation reads. The emitted `validate()` (`emit::models`) takes its messages from here and
//! the example check (`examples`) evaluates the same rules, so a spec example and a generated
//! model are judged alike and in the same words. How a set of constraints is listed in
//! rustdoc and API.md ([`Constraints::describe`]) is worded here too; the IR stays plain data.

use std::sync::Arc;

use serde_json::Value;

use crate::ir::{Constraints, Format, Limit, Trigger};

/// One constraint on one value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule<'a> {
    MaxLength(usize),
    MinLength(usize),
    Pattern(&'a str),
    Format(Format),
    Minimum(Limit),
    Maximum(Limit),
    ExclusiveMinimum(Limit),
    ExclusiveMaximum(Limit),
    MultipleOf(Limit),
    MaxItems(usize),
    MinItems(usize),
    UniqueItems,
    /// `enum` on a number, integer or boolean.
    OneOf(&'a [Value]),
    /// `not: {enum: [...]}`.
    NoneOf(&'a [Value]),
}

impl Format {
    /// The regular expression the text of this format matches (checked by `validate()`
    /// through a compiled-once `regex::Regex`, and by the example check through this one).
    pub fn regex(self) -> &'static str {
        match self {
            Format::Date => r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
            Format::DateTime => {
                r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
            }
            Format::Byte => r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
        }
    }

    /// What the format is called in a violation.
    fn described(self) -> &'static str {
        match self {
            Format::Date => "a date (RFC 3339 full-date, e.g. 2024-05-01)",
            Format::DateTime => "a date-time (RFC 3339, e.g. 2024-05-01T12:00:00+08:00)",
            Format::Byte => "base64 (format byte)",
        }
    }
}

/// Whether `value` is a multiple of `step`: exactly for integers, within 1e-9 of a whole
/// quotient for floating point (the emitted check uses the same formula).
pub fn is_multiple_of(value: f64, step: f64) -> bool {
    let quotient = value / step;
    (quotient - quotient.round()).abs() < 1e-9
}

impl Constraints {
    /// The rules these constraints state, in the order `validate()` checks them.
    pub fn rules(&self) -> Vec<Rule<'_>> {
        let mut rules = Vec::new();
        rules.extend(self.max_length.map(Rule::MaxLength));
        rules.extend(self.min_length.map(Rule::MinLength));
        rules.extend(self.pattern.as_deref().map(Rule::Pattern));
        rules.extend(self.format.map(Rule::Format));
        if self.exclusive_minimum {
            rules.extend(self.minimum.map(Rule::ExclusiveMinimum));
        } else {
            rules.extend(self.minimum.map(Rule::Minimum));
        }
        if self.exclusive_maximum {
            rules.extend(self.maximum.map(Rule::ExclusiveMaximum));
        } else {
            rules.extend(self.maximum.map(Rule::Maximum));
        }
        rules.extend(self.multiple_of.map(Rule::MultipleOf));
        rules.extend(self.max_items.map(Rule::MaxItems));
        rules.extend(self.min_items.map(Rule::MinItems));
        if self.unique_items {
            rules.push(Rule::UniqueItems);
        }
        rules.extend(self.values.as_deref().map(Rule::OneOf));
        rules.extend(self.not_values.as_deref().map(Rule::NoneOf));
        rules
    }

    /// Human-readable list for rustdoc and the API reference, e.g. `maxLength 32, minimum 1`.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(n) = self.min_length {
            out.push(format!("minLength {n}"));
        }
        if let Some(n) = self.max_length {
            out.push(format!("maxLength {n}"));
        }
        if let Some(p) = &self.pattern {
            out.push(format!("pattern `{p}`"));
        }
        if let Some(f) = self.format {
            out.push(format!("format {}", f.name()));
        }
        if let Some(l) = &self.minimum {
            let name = if self.exclusive_minimum {
                "exclusiveMinimum"
            } else {
                "minimum"
            };
            out.push(format!("{name} {l}"));
        }
        if let Some(l) = &self.maximum {
            let name = if self.exclusive_maximum {
                "exclusiveMaximum"
            } else {
                "maximum"
            };
            out.push(format!("{name} {l}"));
        }
        if let Some(l) = &self.multiple_of {
            out.push(format!("multipleOf {l}"));
        }
        if let Some(n) = self.min_items {
            out.push(format!("minItems {n}"));
        }
        if let Some(n) = self.max_items {
            out.push(format!("maxItems {n}"));
        }
        if self.unique_items {
            out.push("uniqueItems".to_string());
        }
        if let Some(values) = &self.values {
            out.push(format!("one of {}", list(values)));
        }
        if let Some(values) = &self.not_values {
            out.push(format!("not {}", list(values)));
        }
        if let Some(p) = &self.unchecked_pattern {
            out.push(format!(
                "pattern `{p}` (not checked: the regex crate cannot compile it)"
            ));
        }
        if let Some(items) = &self.items {
            let inner = items.describe();
            if !inner.is_empty() {
                out.push(format!("items: {}", inner.join(", ")));
            }
        }
        out
    }
}

impl Rule<'_> {
    /// How a violation reads. `actual` is the offending value as displayed; only the numeric
    /// bounds name it (the emitter passes a `format!` placeholder such as `{value}`).
    pub fn problem(&self, actual: &str) -> String {
        match self {
            Rule::MaxLength(max) => format!("more than maxLength {max} characters"),
            Rule::MinLength(min) => format!("fewer than minLength {min} characters"),
            Rule::Pattern(pattern) => format!("does not match the pattern {pattern}"),
            Rule::Format(format) => format!("is not {}", format.described()),
            Rule::Minimum(min) => format!("is {actual}, below the minimum {min}"),
            Rule::Maximum(max) => format!("is {actual}, above the maximum {max}"),
            Rule::ExclusiveMinimum(min) => {
                format!("is {actual}, not above the exclusive minimum {min}")
            }
            Rule::ExclusiveMaximum(max) => {
                format!("is {actual}, not below the exclusive maximum {max}")
            }
            Rule::MultipleOf(step) => format!("is {actual}, not a multiple of {step}"),
            Rule::MaxItems(max) => format!("more than maxItems {max} items"),
            Rule::MinItems(min) => format!("fewer than minItems {min} items"),
            Rule::UniqueItems => "has duplicate items (uniqueItems)".to_string(),
            Rule::OneOf(values) => not_one_of(actual, &list(values)),
            Rule::NoneOf(values) => format!(
                "{actual} is one of the values not allowed: {}",
                list(values)
            ),
        }
    }

    /// Whether a JSON value satisfies the rule, as the emitted check decides it. A value of
    /// another JSON type than the rule is about is not this rule's concern (`true`), and
    /// neither is a pattern that does not compile (`lower` reports it).
    pub fn allows(&self, value: &Value) -> bool {
        match self {
            Rule::MaxLength(max) => value.as_str().is_none_or(|s| s.chars().count() <= *max),
            Rule::MinLength(min) => value.as_str().is_none_or(|s| s.chars().count() >= *min),
            Rule::Pattern(pattern) => match (value.as_str(), compiled(pattern)) {
                (Some(text), Ok(re)) => re.is_match(text),
                _ => true,
            },
            Rule::Format(format) => match (value.as_str(), compiled(format.regex())) {
                (Some(text), Ok(re)) => re.is_match(text),
                _ => true,
            },
            Rule::Minimum(min) => compare(value, *min).is_none_or(|o| o.is_ge()),
            Rule::Maximum(max) => compare(value, *max).is_none_or(|o| o.is_le()),
            Rule::ExclusiveMinimum(min) => compare(value, *min).is_none_or(|o| o.is_gt()),
            Rule::ExclusiveMaximum(max) => compare(value, *max).is_none_or(|o| o.is_lt()),
            Rule::MultipleOf(step) => match (step, value.as_i64()) {
                (Limit::Integer(step), Some(n)) => step == &0 || n % step == 0,
                (step, _) => value.as_f64().is_none_or(|v| {
                    let step = match step {
                        Limit::Integer(n) => *n as f64,
                        Limit::Number(n) => *n,
                    };
                    is_multiple_of(v, step)
                }),
            },
            Rule::MaxItems(max) => value.as_array().is_none_or(|a| a.len() <= *max),
            Rule::MinItems(min) => value.as_array().is_none_or(|a| a.len() >= *min),
            Rule::UniqueItems => value
                .as_array()
                .is_none_or(|a| a.iter().enumerate().all(|(i, item)| !a[..i].contains(item))),
            Rule::OneOf(values) => value.is_null() || values.iter().any(|v| same_value(v, value)),
            Rule::NoneOf(values) => !values.iter().any(|v| same_value(v, value)),
        }
    }
}

/// How many compiled patterns [`compiled`] keeps.
const MAX_CACHED_PATTERNS: usize = 4096;

/// `pattern` compiled, once per process: a large spec meets the same pattern in many copies
/// and examples, and compiling dominated generation time. Every caller shares the one
/// `Regex` (a clone would start its own match cache). The cache is only looked up, never
/// iterated, so output does not depend on it.
pub fn compiled(pattern: &str) -> Result<Arc<regex::Regex>, regex::Error> {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    type Cache = HashMap<String, Result<Arc<regex::Regex>, regex::Error>>;
    static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = cache.get(pattern) {
        return known.clone();
    }
    // A long-lived process (a fuzzer, a server generating many specs) meets unboundedly many
    // patterns: the cache starts over rather than grow without end.
    if cache.len() >= MAX_CACHED_PATTERNS {
        cache.clear();
    }
    let compiled = regex::Regex::new(pattern).map(Arc::new);
    cache.insert(pattern.to_string(), compiled.clone());
    compiled
}

/// Values as an enum lists them: `[1, 2]`, `["a", "b"]`.
pub fn list(values: &[Value]) -> String {
    let items: Vec<String> = values.iter().map(Value::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// JSON equality with numbers compared by value (`1` and `1.0` are the same number), as the
/// emitted check compares the decoded Rust values.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

/// `value` against a bound: integers as integers, anything else as floating point.
fn compare(value: &Value, limit: Limit) -> Option<std::cmp::Ordering> {
    match (limit, value.as_i64()) {
        (Limit::Integer(limit), Some(n)) => Some(n.cmp(&limit)),
        (Limit::Integer(limit), None) => value.as_f64()?.partial_cmp(&(limit as f64)),
        (Limit::Number(limit), _) => value.as_f64()?.partial_cmp(&limit),
    }
}

/// An enum value the spec does not list. Both parts are displayed as `{:?}` shows them (the
/// emitter passes placeholders).
pub fn not_one_of(actual: &str, known: &str) -> String {
    format!("{actual} is not one of {known}")
}

/// An `x-either-of` group with none of its properties present (an empty string is absent).
pub fn none_of_either_of(names: &[String]) -> String {
    format!("at least one of {} is required", names.join(", "))
}

/// An `x-either-of` group with more than one of its properties present: exactly one is meant.
pub fn more_than_one_of_either_of(names: &[String]) -> String {
    format!("only one of {} may be given", names.join(", "))
}

/// Whether a property counts as present for `x-either-of`: there, and not an empty string.
pub fn counts_as_given(value: Option<&Value>) -> bool {
    value.is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
}

impl Trigger {
    /// Whether the trigger holds for an object's sibling values (only strings compare).
    pub fn holds(&self, object: &serde_json::Map<String, Value>) -> bool {
        let any = self.alternatives.iter().any(|alternative| {
            alternative.iter().all(|(property, values)| {
                object
                    .get(property)
                    .and_then(Value::as_str)
                    .is_some_and(|actual| values.iter().any(|v| v == actual))
            })
        });
        any != self.negated
    }

    /// How the trigger reads, e.g. `when type is COUPON, or product is PASS or MOVIE`.
    pub fn describe(&self) -> String {
        let alternatives: Vec<String> = self
            .alternatives
            .iter()
            .map(|alternative| {
                alternative
                    .iter()
                    .map(|(property, values)| format!("{property} is {}", values.join(" or ")))
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        let keyword = if self.negated { "unless" } else { "when" };
        format!("{keyword} {}", alternatives.join(", or "))
    }
}

/// A property a condition requires, absent.
pub fn conditionally_required(trigger: &Trigger) -> String {
    format!("is required {}", trigger.describe())
}

/// A property a condition forbids, present.
pub fn conditionally_forbidden(trigger: &Trigger) -> String {
    format!("must be absent {}", trigger.describe())
}

/// A rule that applies only under a condition: the rule's problem, then when it applies.
pub fn conditional(problem: &str, trigger: &Trigger) -> String {
    format!("{problem} {}", trigger.describe())
}

/// A `oneOf` / `anyOf` value that fits none of its branches (kept as `Unknown`).
pub fn no_branch_matches(known: &str) -> String {
    format!("matches none of {known}")
}

/// A key an object with `additionalProperties: false` does not name (decoded into `extra`,
/// reported by `validate()`).
pub const UNEXPECTED_PROPERTY: &str =
    "is not a property of this object (additionalProperties: false)";

/// A `readOnly` property in a request (the server's check).
pub const READ_ONLY_IN_REQUEST: &str = "is read-only: only responses carry it";

/// A `writeOnly` property in a response (the server's check before sending).
pub const WRITE_ONLY_IN_RESPONSE: &str = "is write-only: only requests carry it";

/// An untagged `oneOf` value that fits more than one branch.
pub fn several_branches_match(known: &str) -> String {
    format!("matches more than one of {known} (oneOf allows exactly one)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bounds_name_the_value_and_the_limit() {
        let min = Rule::Minimum(Limit::Integer(1));
        assert!(!min.allows(&json!(0)));
        assert!(min.allows(&json!(1)));
        assert_eq!(min.problem("0"), "is 0, below the minimum 1");
        let max = Rule::Maximum(Limit::Number(2.5));
        assert!(!max.allows(&json!(3)));
        assert!(max.allows(&json!(2.5)));
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let max = Rule::MaxLength(2);
        assert!(max.allows(&json!("香港")));
        assert!(!max.allows(&json!("abc")));
    }

    #[test]
    fn exclusive_bounds_refuse_the_bound_itself() {
        let min = Rule::ExclusiveMinimum(Limit::Integer(0));
        assert!(!min.allows(&json!(0)));
        assert!(min.allows(&json!(1)));
        assert_eq!(min.problem("0"), "is 0, not above the exclusive minimum 0");
        let max = Rule::ExclusiveMaximum(Limit::Number(1.5));
        assert!(!max.allows(&json!(1.5)));
        assert!(max.allows(&json!(1.25)));
    }

    #[test]
    fn multiple_of_is_exact_for_integers_and_tolerant_for_floats() {
        let step = Rule::MultipleOf(Limit::Integer(5));
        assert!(step.allows(&json!(15)));
        assert!(!step.allows(&json!(16)));
        let cents = Rule::MultipleOf(Limit::Number(0.01));
        assert!(cents.allows(&json!(19.99)));
        assert!(!cents.allows(&json!(19.995)));
    }

    #[test]
    fn unique_items_and_formats() {
        assert!(Rule::UniqueItems.allows(&json!(["a", "b"])));
        assert!(!Rule::UniqueItems.allows(&json!(["a", "b", "a"])));
        let date = Rule::Format(Format::Date);
        assert!(date.allows(&json!("2024-05-01")));
        assert!(!date.allows(&json!("2024-13-01")));
        let time = Rule::Format(Format::DateTime);
        assert!(time.allows(&json!("2024-05-01T12:00:00.5+08:00")));
        assert!(!time.allows(&json!("2024-05-01 12:00")));
        let byte = Rule::Format(Format::Byte);
        assert!(byte.allows(&json!("aGk=")));
        assert!(!byte.allows(&json!("a?k=")));
    }

    #[test]
    fn triggers_compare_sibling_strings() {
        let trigger = Trigger {
            alternatives: vec![
                vec![("type".into(), vec!["COUPON".into()])],
                vec![("product".into(), vec!["PASS".into(), "MOVIE".into()])],
            ],
            negated: false,
        };
        let object = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert!(trigger.holds(&object(json!({"type": "COUPON"}))));
        assert!(trigger.holds(&object(json!({"type": "TICKET", "product": "MOVIE"}))));
        assert!(!trigger.holds(&object(json!({"type": "TICKET"}))));
        assert_eq!(
            trigger.describe(),
            "when type is COUPON, or product is PASS or MOVIE"
        );
        let unless = Trigger {
            negated: true,
            ..trigger
        };
        assert!(unless.holds(&object(json!({}))));
        assert!(unless.describe().starts_with("unless "));
    }

    #[test]
    fn an_empty_string_is_not_given() {
        assert!(!counts_as_given(Some(&json!(""))));
        assert!(!counts_as_given(None));
        assert!(counts_as_given(Some(&json!("u-1"))));
    }

    #[test]
    fn rules_come_in_check_order() {
        let c = Constraints {
            min_length: Some(1),
            max_length: Some(4),
            pattern: Some("^a".into()),
            ..Constraints::default()
        };
        assert_eq!(
            c.rules(),
            [Rule::MaxLength(4), Rule::MinLength(1), Rule::Pattern("^a")]
        );
    }
}
