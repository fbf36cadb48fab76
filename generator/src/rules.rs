//! The constraint rules, once: what each constraint the IR carries allows, and how its
//! violation reads. The emitted `validate()` (`emit::models`) takes its messages from here and
//! the example check (`examples`) evaluates the same rules, so a spec example and a generated
//! model are judged alike and in the same words.

use serde_json::Value;

use crate::ir::{Constraints, Limit};

/// One constraint on one value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule<'a> {
    MaxLength(usize),
    MinLength(usize),
    Pattern(&'a str),
    Minimum(Limit),
    Maximum(Limit),
    MaxItems(usize),
    MinItems(usize),
}

impl Constraints {
    /// The rules these constraints state, in the order `validate()` checks them.
    pub fn rules(&self) -> Vec<Rule<'_>> {
        let mut rules = Vec::new();
        rules.extend(self.max_length.map(Rule::MaxLength));
        rules.extend(self.min_length.map(Rule::MinLength));
        rules.extend(self.pattern.as_deref().map(Rule::Pattern));
        rules.extend(self.minimum.map(Rule::Minimum));
        rules.extend(self.maximum.map(Rule::Maximum));
        rules.extend(self.max_items.map(Rule::MaxItems));
        rules.extend(self.min_items.map(Rule::MinItems));
        rules
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
            Rule::Minimum(min) => format!("is {actual}, below the minimum {min}"),
            Rule::Maximum(max) => format!("is {actual}, above the maximum {max}"),
            Rule::MaxItems(max) => format!("more than maxItems {max} items"),
            Rule::MinItems(min) => format!("fewer than minItems {min} items"),
        }
    }

    /// Whether a JSON value satisfies the rule, as the emitted check decides it. A value of
    /// another JSON type than the rule is about is not this rule's concern (`true`), and
    /// neither is a pattern that does not compile (`build` reports it).
    pub fn allows(&self, value: &Value) -> bool {
        match self {
            Rule::MaxLength(max) => value.as_str().is_none_or(|s| s.chars().count() <= *max),
            Rule::MinLength(min) => value.as_str().is_none_or(|s| s.chars().count() >= *min),
            Rule::Pattern(pattern) => match (value.as_str(), regex::Regex::new(pattern)) {
                (Some(text), Ok(re)) => re.is_match(text),
                _ => true,
            },
            Rule::Minimum(min) => compare(value, *min).is_none_or(|o| o.is_ge()),
            Rule::Maximum(max) => compare(value, *max).is_none_or(|o| o.is_le()),
            Rule::MaxItems(max) => value.as_array().is_none_or(|a| a.len() <= *max),
            Rule::MinItems(min) => value.as_array().is_none_or(|a| a.len() >= *min),
        }
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

/// An `x-either-of` group with none of its properties present.
pub fn none_of_either_of(names: &[String]) -> String {
    format!("at least one of {} is required", names.join(", "))
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
