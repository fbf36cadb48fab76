//! What is wrong with a spec, and where.

/// One problem in the spec: the JSON pointer of the offending node, the line and column
/// when the YAML parser reported them, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.located())]
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

impl SpecError {
    /// `<pointer> (line L, column C): <problem>`, the root pointer shown as `/`.
    fn located(&self) -> String {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        match self.line_column {
            Some((line, column)) => {
                format!("{pointer} (line {line}, column {column}): {}", self.problem)
            }
            None => format!("{pointer}: {}", self.problem),
        }
    }
}

/// Every problem found in one spec (each stage reports all of its problems, not just the
/// first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.listed())]
pub struct SpecErrors(pub Vec<SpecError>);

impl SpecErrors {
    fn listed(&self) -> String {
        let mut out = format!("the spec has {} problem(s):\n", self.0.len());
        for error in &self.0 {
            out.push_str(&format!("  {error}\n"));
        }
        out
    }
}

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
    let mut out = String::with_capacity(pointer.len() + 1 + segment.len());
    out.push_str(pointer);
    out.push('/');
    if segment.contains(['~', '/']) {
        out.push_str(&escape(segment));
    } else {
        out.push_str(segment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_segments_are_escaped_only_where_needed() {
        assert_eq!(child("/paths", "/a/{id}"), "/paths/~1a~1{id}");
        assert_eq!(child("", "x~y"), "/x~0y");
        assert_eq!(child("/components", "schemas"), "/components/schemas");
    }
}
