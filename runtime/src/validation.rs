//! What `validate()` on a generated model reports: every violation, with its JSON path.

use std::fmt;

/// One field that breaks a constraint of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// JSON path of the field, e.g. `benefitRedeemInfos[0].amount`.
    pub path: String,
    /// What is wrong, e.g. `is 0, below the minimum 1`.
    pub problem: String,
}

impl FieldViolation {
    /// A violation at `path`.
    pub fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        FieldViolation {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(body)"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.problem)
    }
}

/// Every violation found in one value (validation never stops at the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldViolation>);

impl ValidationErrors {
    /// `Ok` when `violations` is empty.
    pub fn check(violations: Vec<FieldViolation>) -> Result<(), ValidationErrors> {
        if violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(violations))
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// `field_path("", "a") == "a"`, `field_path("a", "b") == "a.b"`.
pub fn field_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// `index_path("infos", 0) == "infos[0]"`.
pub fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// The fields of `sent` that its model does not know: every member present (and not
/// `null`) in `sent` but absent from `known`, by path (`a.b`, `items[0].c`), in the order
/// `sent` has them. `known` is
/// `sent` decoded into its model and encoded again, so a member the model dropped is one
/// the spec does not document; a documented member sent as `null` is not reported. This is
/// how a proxy learns from live traffic that the documentation has fallen behind.
pub fn undocumented_fields(sent: &serde_json::Value, known: &serde_json::Value) -> Vec<String> {
    fn walk(
        path: &str,
        sent: &serde_json::Value,
        known: &serde_json::Value,
        found: &mut Vec<String>,
    ) {
        use serde_json::Value;
        match (sent, known) {
            (Value::Object(sent), Value::Object(known)) => {
                for (name, value) in sent {
                    let here = field_path(path, name);
                    match known.get(name) {
                        Some(known_value) => walk(&here, value, known_value, found),
                        None if value.is_null() => {}
                        None => found.push(here),
                    }
                }
            }
            (Value::Array(sent), Value::Array(known)) => {
                for (index, (value, known_value)) in sent.iter().zip(known).enumerate() {
                    walk(&index_path(path, index), value, known_value, found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk("", sent, known, &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_the_model_dropped_are_undocumented_at_any_depth() {
        let sent = json!({
            "bizNo": "1", "surprise": 1, "nullish": null,
            "info": {"userId": "u", "nickname": "n"},
            "items": [{"amount": 1}, {"amount": 2, "colour": "red"}],
            "extendInfo": {"any": "key"}
        });
        let known = json!({
            "bizNo": "1",
            "info": {"userId": "u"},
            "items": [{"amount": 1}, {"amount": 2}],
            "extendInfo": {"any": "key"}
        });
        assert_eq!(
            undocumented_fields(&sent, &known),
            ["surprise", "info.nickname", "items[1].colour"]
        );
        assert!(undocumented_fields(&known, &known).is_empty());
    }
}
