//! What is wrong with a spec, and where.

use std::fmt;

/// One problem in the spec: the JSON pointer of the offending node, the line and column
/// when the YAML parser reported them, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub pointer: String,
    pub line_column: Option<(u64, u64)>,
    pub problem: String,
}

impl SpecError {
    pub fn new(pointer: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            line_column: None,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        match self.line_column {
            Some((line, column)) => {
                write!(
                    f,
                    "{pointer} (line {line}, column {column}): {}",
                    self.problem
                )
            }
            None => write!(f, "{pointer}: {}", self.problem),
        }
    }
}

/// Every problem found in one spec (validation reports all of them, not just the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the spec has {} problem(s):", self.0.len())?;
        for error in &self.0 {
            writeln!(f, "  {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl From<SpecError> for SpecErrors {
    fn from(error: SpecError) -> Self {
        SpecErrors(vec![error])
    }
}

/// Escapes one JSON pointer segment (RFC 6901: `~` -> `~0`, `/` -> `~1`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Appends a segment to a JSON pointer.
pub fn child(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape(segment))
}
