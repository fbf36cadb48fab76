//! The spec's vendor extensions (ARCHITECTURE.md, `spec/`), read into types.

use serde::Deserialize;

use crate::error::SpecError;

/// One entry of an operation's `x-result-codes`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultCodeEntry {
    pub code: String,
    pub status: String,
    pub message: String,
    #[serde(rename = "x-assumption")]
    pub assumption: Option<String>,
}

/// One entry of the root `x-common-result-codes`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommonCodeEntry {
    pub code: String,
    pub status: String,
    pub message: String,
    pub reason: String,
    #[serde(rename = "httpStatus")]
    pub http_status: u16,
    #[serde(rename = "x-assumption")]
    pub assumption: Option<String>,
}

/// The runtime's `RejectReason` names, in the runtime's order; the common codes must cover
/// each exactly once.
pub const REJECT_REASONS: [&str; 9] = [
    "missing_header",
    "invalid_signature",
    "unknown_client",
    "unknown_key_version",
    "request_time_out_of_window",
    "unsupported_media_type",
    "body_too_large",
    "decryption_failed",
    "unknown_api",
];

/// Reads extension `name` from `extensions` as `T`; `Ok(None)` when it is absent.
pub fn read<T: for<'de> Deserialize<'de>>(
    extensions: &Extensions,
    name: &str,
    pointer: &str,
) -> Result<Option<T>, SpecError> {
    let Some(value) = extensions.get(name) else {
        return Ok(None);
    };
    serde_path_to_error::deserialize(value)
        .map(Some)
        .map_err(|error| {
            let mut at = crate::error::child(pointer, name);
            for segment in error.path().iter() {
                use serde_path_to_error::Segment;
                match segment {
                    Segment::Seq { index } => at = crate::error::child(&at, &index.to_string()),
                    Segment::Map { key } => at = crate::error::child(&at, key),
                    _ => {}
                }
            }
            SpecError::new(at, format!("invalid {name}: {}", error.inner()))
        })
}

/// Reads a string extension such as `x-assumption`.
pub fn string(
    extensions: &Extensions,
    name: &str,
    pointer: &str,
) -> Result<Option<String>, SpecError> {
    read(extensions, name, pointer)
}

/// `openapiv3` keeps vendor extensions in an ordered map.
pub type Extensions = indexmap::IndexMap<String, serde_json::Value>;

/// One entry of an object schema's `x-conditions`: a trigger (`if` or `unless`, a list of
/// alternatives, each a map from a sibling property to the values that match) and the effects
/// that apply while it holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionEntry {
    #[serde(rename = "if")]
    pub when: Option<Vec<indexmap::IndexMap<String, OneOrMany>>>,
    pub unless: Option<Vec<indexmap::IndexMap<String, OneOrMany>>>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub forbidden: Vec<String>,
    /// Properties the page describes "when" the trigger holds, without refusing them
    /// otherwise: documented, never checked.
    #[serde(default)]
    pub applies: Vec<String>,
    #[serde(default)]
    pub pattern: indexmap::IndexMap<String, String>,
    #[serde(rename = "enum", default)]
    pub enumeration: indexmap::IndexMap<String, Vec<String>>,
    #[serde(default)]
    pub default: indexmap::IndexMap<String, serde_json::Value>,
    /// Where the rule comes from (a page), for readers; not emitted. Declared so that
    /// `deny_unknown_fields` accepts it, never read.
    #[allow(dead_code)]
    pub source: Option<String>,
}

/// An object schema's `x-either-of`: the properties, alone (`[userId, openId]`), or with the
/// assumption that makes "exactly one" stricter than "at least one" (`{of: [..], x-assumption}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum EitherOfEntry {
    Fact(Vec<String>),
    Labelled {
        of: Vec<String>,
        #[serde(rename = "x-assumption")]
        assumption: String,
    },
}

impl EitherOfEntry {
    /// The properties, and the assumption the "only one" half rests on.
    pub fn into_parts(self) -> (Vec<String>, Option<String>) {
        match self {
            EitherOfEntry::Fact(of) => (of, None),
            EitherOfEntry::Labelled { of, assumption } => (of, Some(assumption)),
        }
    }
}

/// `COUPON` or `[PASS, MOVIE]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}
