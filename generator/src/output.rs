//! What the generator hands out: files, and the stamp each records about its inputs (the
//! spec's hash and the generator's version), so `--check` can tell a spec change from a
//! generator change.

use sha2::{Digest, Sha256};

/// Recorded in every generated file, so `--check` can tell a generator change from a spec
/// change. Bump the `+rN` suffix when the output of the generator changes.
pub const GENERATOR_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+r15");

/// The command that regenerates the files, named in every header.
pub(crate) const COMMAND: &str = "cargo xtask codegen";

/// One output file, with its path relative to the generated crate's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// The spec's SHA-256, hex.
pub fn spec_sha256(yaml: &str) -> String {
    Sha256::digest(yaml.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a generated file records about its inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub spec_sha256: String,
    pub generator_version: String,
}

impl Stamp {
    pub(crate) fn line(&self) -> String {
        format!(
            "spec-sha256: {} generator: {}",
            self.spec_sha256, self.generator_version
        )
    }

    /// Reads the stamp from a generated file's first lines.
    pub fn read(contents: &str) -> Option<Stamp> {
        let line = contents
            .lines()
            .take(3)
            .find(|l| l.contains("spec-sha256: "))?;
        let rest = &line[line.find("spec-sha256: ")? + "spec-sha256: ".len()..];
        let (sha, rest) = rest.split_once(" generator: ")?;
        let version = rest.trim_end_matches("-->").trim();
        Some(Stamp {
            spec_sha256: sha.to_string(),
            generator_version: version.to_string(),
        })
    }
}
