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
