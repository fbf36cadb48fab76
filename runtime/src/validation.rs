//! What `validate()` on a generated model reports: every violation, with its JSON path.

use std::fmt;

/// One field that breaks a constraint of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// JSON path of the field, e.g. `benefitRedeemInfos[0].amount`.
    pub path: String,
    /// What is wrong, e.g. `is 0, below the minimum 1`.
    pub problem: String,
    /// The spec's `x-assumption` the broken constraint rests on, when it is not a fact of
    /// the documentation pages: a server that does not hold it is not wrong by the pages.
    pub assumption: Option<String>,
}

impl FieldViolation {
    /// A violation at `path` of a constraint the pages state.
    pub fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        FieldViolation {
            path: path.into(),
            problem: problem.into(),
            assumption: None,
        }
    }

    /// A violation at `path` of a constraint that rests on the assumption `note`.
    pub fn assumed(
        path: impl Into<String>,
        problem: impl Into<String>,
        note: impl Into<String>,
    ) -> Self {
        FieldViolation {
            assumption: Some(note.into()),
            ..FieldViolation::new(path, problem)
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
        write!(f, "{path}: {}", self.problem)?;
        if let Some(note) = &self.assumption {
            write!(f, " (assumption: {note})")?;
        }
        Ok(())
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

#[doc(hidden)]
/// Where a model's constraints rest on an `x-assumption`: JSON paths (`a.b`, `items[].c`,
/// `labels.*.name`: `[]` stands for any index, `*` for any map key) and the note. A path
/// covers everything below it; the nearest labelled path wins. Generated per model.
pub type Assumptions = &'static [(&'static str, &'static str)];

#[doc(hidden)]
/// The note of the nearest path in `table` at or above `path` (`benefitRedeemInfos[0].amount`),
/// or `None` when the constraints there are the pages' facts.
pub fn assumption_at(table: Assumptions, path: &str) -> Option<&'static str> {
    let mut best: Option<(usize, &'static str)> = None;
    for &(pattern, note) in table {
        if let Some(depth) = covers(pattern, path)
            && best.is_none_or(|(d, _)| depth > d)
        {
            best = Some((depth, note));
        }
    }
    best.map(|(_, note)| note)
}

#[doc(hidden)]
/// Gives each violation of `violations` without a note the note of its nearest labelled
/// path in `table`.
pub fn mark_assumptions(violations: &mut [FieldViolation], table: Assumptions) {
    for violation in violations.iter_mut() {
        if violation.assumption.is_none() {
            violation.assumption = assumption_at(table, &violation.path).map(str::to_string);
        }
    }
}

/// Splits a path into its steps: `a.b[0]` → `a`, `b`, `[0]`.
fn steps(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in path.char_indices() {
        if (c == '.' || c == '[') && i > start {
            out.push(&path[start..i]);
            start = if c == '.' { i + 1 } else { i };
        } else if c == '.' {
            start = i + 1;
        }
    }
    if start < path.len() {
        out.push(&path[start..]);
    }
    out
}

/// How many steps of `path` the table entry `pattern` matches when it is a prefix of it
/// (`Some(0)` for the empty pattern, the whole value), else `None`.
fn covers(pattern: &str, path: &str) -> Option<usize> {
    let pattern = steps(pattern);
    let path = steps(path);
    if pattern.len() > path.len() {
        return None;
    }
    let matches = pattern.iter().zip(&path).all(|(p, s)| {
        *p == *s || (*p == "[]" && s.starts_with('[')) || (*p == "*" && !s.starts_with('['))
    });
    matches.then_some(pattern.len() + 1)
}

#[doc(hidden)]
/// `field_path("", "a") == "a"`, `field_path("a", "b") == "a.b"`.
pub fn field_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

#[doc(hidden)]
/// `index_path("infos", 0) == "infos[0]"`.
pub fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

#[doc(hidden)]
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

    const TABLE: Assumptions = &[
        ("benefitIssueDetail", "object assumed"),
        ("benefitIssueDetail.amount", "amount assumed"),
        ("infos[]", "line assumed"),
        ("labels.*.name", "name assumed"),
    ];

    #[test]
    fn the_nearest_labelled_path_names_the_assumption() {
        assert_eq!(
            assumption_at(TABLE, "benefitIssueDetail.amount"),
            Some("amount assumed")
        );
        assert_eq!(
            assumption_at(TABLE, "benefitIssueDetail.benefitProductId"),
            Some("object assumed")
        );
        assert_eq!(
            assumption_at(TABLE, "infos[3].amount"),
            Some("line assumed")
        );
        assert_eq!(
            assumption_at(TABLE, "labels.zh_HK.name"),
            Some("name assumed")
        );
        assert_eq!(assumption_at(TABLE, "labels.zh_HK"), None);
        assert_eq!(assumption_at(TABLE, "infos"), None);
        assert_eq!(assumption_at(TABLE, "bizNo"), None);
        assert_eq!(assumption_at(TABLE, "benefitIssueDetailX"), None);
        assert_eq!(
            assumption_at(&[("", "all assumed")], "a.b"),
            Some("all assumed")
        );
    }

    #[test]
    fn a_marked_violation_says_assumption() {
        let mut found = vec![
            FieldViolation::new("infos[0].amount", "is 0, below the minimum 1"),
            FieldViolation::new("bizNo", "is required"),
        ];
        mark_assumptions(&mut found, TABLE);
        assert_eq!(
            found[0].to_string(),
            "infos[0].amount: is 0, below the minimum 1 (assumption: line assumed)"
        );
        assert_eq!(found[1].to_string(), "bizNo: is required");
    }

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
