//! Stage 1: YAML text -> `openapiv3::OpenAPI`.
//!
//! A local spec written in JSON is read by the JSON parser (`json_tree`), which is much
//! faster on a large file. The YAML is read twice only on failure: once into a JSON value
//! (syntax errors carry line and column) and then into the typed document, whose errors carry
//! the JSON pointer.
//!
//! Two budgets: a spec file the user points at ([`Origin::LocalFile`], what [`load`] and
//! `generate` use) may be as large as the machine allows: no node or event count, up to 1 GiB
//! of scalar text. Text from anywhere else ([`Origin::Untrusted`], e.g. fetched over the
//! network) keeps serde-saphyr's default budget (250,000 nodes, 1,000,000 events, 64 MiB of
//! scalars). Both keep the nesting-depth and alias limits (a "billion laughs" file is refused
//! either way).

use openapiv3::OpenAPI;
use serde::Deserialize;

use crate::error::{SpecError, SpecErrors};

/// The spec as loaded: the typed document plus the plain JSON tree (for vendor extensions and
/// examples, which are looked up by JSON pointer).
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    pub document: OpenAPI,
    pub tree: serde_json::Value,
}

/// Where spec text comes from, which decides the parser's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A file the user named: only depth and alias limits.
    LocalFile,
    /// Anything else (network, uploads): the parser's default budget.
    Untrusted,
}

/// The YAML parser options for text of `origin` (also used by `xtask`'s spec facts).
pub fn yaml_options(origin: Origin) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    if origin == Origin::LocalFile {
        budget.max_reader_input_bytes = None;
        budget.max_events = usize::MAX;
        budget.max_nodes = usize::MAX;
        budget.max_total_scalar_bytes = 1 << 30;
    }
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// Parses a spec file the user points at (see [`Origin::LocalFile`]).
pub fn load(yaml: &str) -> Result<LoadedSpec, SpecErrors> {
    load_from(yaml, Origin::LocalFile)
}

/// Parses YAML (anchors and aliases included) into an OpenAPI 3.0 document, within the budget
/// of `origin`.
pub fn load_from(yaml: &str, origin: Origin) -> Result<LoadedSpec, SpecErrors> {
    let options = || yaml_options(origin);
    let (tree, typed) = json_tree(yaml, origin);
    let tree: serde_json::Value = match tree {
        Some(tree) => tree,
        None => {
            serde_saphyr::from_str_with_options(yaml, options()).map_err(|error| SpecError {
                pointer: String::new(),
                line_column: error.location().map(|l| (l.line(), l.column())),
                problem: format!("not valid YAML: {error}"),
            })?
        }
    };
    // The path of a failure is only tracked on a second pass: tracking it costs a third of
    // the typed parse, and a spec that parses needs none.
    let document: OpenAPI = match typed {
        Some(document) => Ok(document),
        None => match OpenAPI::deserialize(&tree) {
            Ok(document) => Ok(document),
            Err(_) => serde_path_to_error::deserialize(&tree),
        },
    }
    .map_err(|error| {
        let pointer = pointer_of(error.path());
        // The typed parse of the YAML text knows the line and column of the same problem.
        let line_column = serde_saphyr::from_str_with_options::<OpenAPI>(yaml, options())
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

/// A local spec written as JSON (a subset of YAML, and how large specs are usually shipped)
/// is read by the JSON parser, about ten times faster than the YAML one. Anything that is not
/// valid JSON, and all untrusted text (which keeps the YAML parser's budget), goes through the
/// YAML parser, so its errors and its limits are the YAML parser's.
///
/// The typed document is read from the same text on a second thread meanwhile (the serial
/// start of generation: 1000 operations, about 40 ms of JSON tree beside 80 ms of typed
/// parse). JSON's types are explicit, so it is the document the tree would give; if it fails,
/// `load_from` parses the tree, whose errors it reports.
fn json_tree(text: &str, origin: Origin) -> (Option<serde_json::Value>, Option<OpenAPI>) {
    if origin != Origin::LocalFile || !text.trim_start().starts_with('{') {
        return (None, None);
    }
    std::thread::scope(|scope| {
        let typed = scope.spawn(|| serde_json::from_str::<OpenAPI>(text).ok());
        let tree = serde_json::from_str(text).ok();
        // A panic in the typed parse (a parser bug) falls back to parsing the tree.
        let typed = typed.join().ok().flatten();
        match tree {
            Some(tree) => (Some(tree), typed),
            None => (None, None),
        }
    })
}

/// The typed document of a JSON tree (after [`crate::normalize`] rewrote it); errors carry
/// the pointer in the tree.
pub fn document_from_tree(tree: &serde_json::Value) -> Result<OpenAPI, SpecError> {
    match OpenAPI::deserialize(tree) {
        Ok(document) => Ok(document),
        Err(_) => serde_path_to_error::deserialize(tree).map_err(|error| {
            SpecError::new(
                pointer_of(error.path()),
                format!("not a valid OpenAPI 3.0 document: {}", error.inner()),
            )
        }),
    }
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
