//! The secrets file (`--record-secrets` writes it, `--recording-secrets` reads it): one
//! `placeholder<TAB>value` line per secret taken out of a recording. Kept apart from the
//! recording, which is meant to be shared.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::redact::{PLACEHOLDER_PREFIX, Secret};

/// The largest secrets file read, in bytes.
pub const MAX_SECRETS_BYTES: usize = 1 << 20;

/// `secret`'s line in the file.
pub(crate) fn secret_line(secret: &Secret) -> String {
    format!("{}\t{}\n", secret.placeholder, secret.value)
}

/// Reads a `secrets file (at most [`MAX_SECRETS_BYTES`]); see [`parse_secrets`].
pub fn read_secrets(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_SECRETS_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() > MAX_SECRETS_BYTES {
        return Err(format!(
            "{shown} is over {MAX_SECRETS_BYTES} bytes: not a secrets file"
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("{shown} is not UTF-8 text"))?;
    parse_secrets(&text).map_err(|e| format!("{shown}: {e}"))
}

/// Parses `--recording-secrets` text: `placeholder<TAB>value` lines (what `alipayhk proxy
/// --record-secrets` writes); blank lines are skipped. An error names the line, never the
/// value.
pub fn parse_secrets(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut secrets = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let n = i + 1;
        let Some((placeholder, value)) = line.split_once('\t') else {
            return Err(format!(
                "line {n} is not `placeholder<TAB>value` (the lines `alipayhk proxy --record-secrets` writes)"
            ));
        };
        if !placeholder.starts_with(PLACEHOLDER_PREFIX) {
            return Err(format!(
                "line {n}: the placeholder does not start with {PLACEHOLDER_PREFIX:?}"
            ));
        }
        if value.is_empty() {
            return Err(format!("line {n}: the value is empty"));
        }
        secrets.insert(placeholder.to_owned(), value.to_owned());
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_lines_parse_and_errors_name_the_line_not_the_value() {
        let parsed = parse_secrets("secret:aa\ttoken-1\n\nsecret:bb\ttoken-2\r\n").expect("parses");
        assert_eq!(parsed.get("secret:aa").map(String::as_str), Some("token-1"));
        assert_eq!(parsed.get("secret:bb").map(String::as_str), Some("token-2"));
        let error = parse_secrets("secret:aa\ttoken-1\nhunter2").expect_err("no tab");
        assert!(error.starts_with("line 2 "), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        let error = parse_secrets("aa\thunter2").expect_err("no prefix");
        assert!(
            error.contains("line 1") && !error.contains("hunter2"),
            "{error}"
        );
    }

    #[test]
    fn a_written_line_parses_back() {
        let secret = Secret {
            placeholder: "secret:0a".into(),
            value: "token-1".into(),
        };
        let parsed = parse_secrets(&secret_line(&secret)).expect("parses");
        assert_eq!(parsed.get("secret:0a").map(String::as_str), Some("token-1"));
    }
}
