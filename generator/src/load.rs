//! Stage 1: YAML text -> `openapiv3::OpenAPI`.
//!
//! The YAML is read twice only on failure: once into a JSON value (syntax errors carry line and
//! column) and then into the typed document, whose errors carry the JSON pointer.

use openapiv3::OpenAPI;

use crate::error::{SpecError, SpecErrors};

/// The spec as loaded: the typed document plus the plain JSON tree (for vendor extensions and
/// examples, which are looked up by JSON pointer).
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    pub document: OpenAPI,
    pub tree: serde_json::Value,
}

/// Parses YAML (anchors and aliases included) into an OpenAPI 3.0 document.
pub fn load(yaml: &str) -> Result<LoadedSpec, SpecErrors> {
    let tree: serde_json::Value = serde_saphyr::from_str(yaml).map_err(|error| SpecError {
        pointer: String::new(),
        line_column: error.location().map(|l| (l.line(), l.column())),
        problem: format!("not valid YAML: {error}"),
    })?;
    let document: OpenAPI = serde_path_to_error::deserialize(&tree).map_err(|error| {
        let pointer = pointer_of(error.path());
        // The typed parse of the YAML text knows the line and column of the same problem.
        let line_column = serde_saphyr::from_str::<OpenAPI>(yaml)
            .err()
            .and_then(|e| e.location())
            .map(|l| (l.line(), l.column()));
        SpecError {
            pointer,
            line_column,
            problem: format!("not a valid OpenAPI 3.0 document: {}", error.inner()),
        }
    })?;
    if !document.openapi.starts_with("3.0.") {
        return Err(SpecError::new(
            "/openapi",
            format!(
                "unsupported OpenAPI version {:?}; expected 3.0.x",
                document.openapi
            ),
        )
        .into());
    }
    Ok(LoadedSpec { document, tree })
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer = crate::error::child(&pointer, &index.to_string()),
            Segment::Map { key } => pointer = crate::error::child(&pointer, key),
            Segment::Enum { variant } => pointer = crate::error::child(&pointer, variant),
            Segment::Unknown => {}
        }
    }
    pointer
}
