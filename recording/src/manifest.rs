//! `recording.yaml`: the folder's format version and its placeholder key.

use serde::{Deserialize, Serialize};

use crate::exchange::FORMAT;

/// The manifest's file name, at the top of a recording folder.
pub const MANIFEST_FILE: &str = "recording.yaml";

/// What a recording folder says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The HMAC key of the folder's placeholders, 64 hex digits (see
    /// [`Redactor`](crate::Redactor): it keys the hash, it protects nothing).
    pub placeholder_key: String,
}

impl Manifest {
    /// A manifest with a fresh random key.
    pub fn generate() -> Result<Manifest, String> {
        let mut key = [0u8; 32];
        aws_lc_rs::rand::fill(&mut key).map_err(|_| "no random bytes for the key".to_string())?;
        Ok(Manifest {
            format: FORMAT.to_string(),
            placeholder_key: key.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }

    /// The key's bytes, checked.
    pub fn key(&self) -> Result<Vec<u8>, String> {
        if self.format != FORMAT {
            return Err(format!(
                "format {:?} is not {FORMAT:?} (made by another version of this toolkit)",
                self.format
            ));
        }
        let hex = self.placeholder_key.as_bytes();
        if hex.len() != 64 {
            return Err("placeholderKey is not 64 hex digits".into());
        }
        hex.chunks(2)
            .map(|pair| {
                std::str::from_utf8(pair)
                    .ok()
                    .and_then(|digits| u8::from_str_radix(digits, 16).ok())
                    .ok_or_else(|| "placeholderKey is not 64 hex digits".to_string())
            })
            .collect()
    }
}
