//! Secrets in bodies become stable placeholders: a keyed hash of the value.
//!
//! The same token always gives the same placeholder under one recording's key, so a replay
//! matches a request that carries the real token without the recording holding it. The key
//! is random per recording folder and stored in its manifest: it keeps one recording's
//! placeholders from being compared with another's, and it is no secret. A placeholder of a
//! secret with little entropy (a short PIN) could be found by trying every value; access
//! tokens are long and random.

use std::collections::BTreeSet;

use aws_lc_rs::hmac;
use serde_json::Value;

/// What every placeholder starts with.
pub const PLACEHOLDER_PREFIX: &str = "secret:";

/// A secret taken out of a body: the placeholder written, and the value it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// What the recording holds instead.
    pub placeholder: String,
    /// The real value (written only where the user asks: `--record-secrets FILE`).
    pub value: String,
}

/// Replaces the string values of secret fields, at any depth, by placeholders.
pub struct Redactor {
    key: hmac::Key,
    fields: BTreeSet<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl Redactor {
    /// A redactor keyed by `key` (a recording's [`Manifest::placeholder_key`]) for the
    /// properties named `fields` (e.g. `accessToken`).
    ///
    /// [`Manifest::placeholder_key`]: crate::Manifest::placeholder_key
    pub fn new(key: &[u8], fields: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Redactor {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
            fields: fields.into_iter().map(Into::into).collect(),
        }
    }

    /// The placeholder of `value`: `secret:` and 24 hex digits of its HMAC-SHA256.
    pub fn placeholder(&self, value: &str) -> String {
        let tag = hmac::sign(&self.key, value.as_bytes());
        let hex: String = tag.as_ref()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{PLACEHOLDER_PREFIX}{hex}")
    }

    /// Replaces every secret field's string value in `body` by its placeholder, and returns
    /// what it replaced (each value once). A value that already is a placeholder stays.
    pub fn redact(&self, body: &mut Value) -> Vec<Secret> {
        let mut found = Vec::new();
        self.walk(body, &mut found);
        found.sort_by(|a: &Secret, b| a.placeholder.cmp(&b.placeholder));
        found.dedup();
        found
    }

    fn walk(&self, value: &mut Value, found: &mut Vec<Secret>) {
        match value {
            Value::Object(map) => {
                for (name, field) in map.iter_mut() {
                    match field {
                        Value::String(text)
                            if self.fields.contains(name)
                                && !text.starts_with(PLACEHOLDER_PREFIX) =>
                        {
                            let placeholder = self.placeholder(text);
                            let value = std::mem::replace(text, placeholder.clone());
                            found.push(Secret { placeholder, value });
                        }
                        other => self.walk(other, found),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.walk(item, found)),
            _ => {}
        }
    }
}
