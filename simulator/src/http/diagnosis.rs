//! Why a request's signature did not verify: what the simulator expected to be signed, and
//! which common mistake, if any, produces the signature the partner sent.
//!
//! Each candidate is a plausible wrong input to the signer (another operation's path, the
//! time without its offset, the body re-serialized, another key version, ...); the first
//! one whose content verifies under a registered key of the caller names the mistake. Only
//! the partner's public keys are used, so nothing secret is involved.

use alipayhk_api::spec::OPERATIONS;
use alipayhk_runtime::headers::{CLIENT_ID, REQUEST_TIME, SIGNATURE};
use alipayhk_runtime::keys::PublicKey;
use alipayhk_runtime::server::{ClientKeyStore, KeyLookup};
use alipayhk_runtime::signature::{SignatureHeader, SignedContent, verify};
use serde::Serialize;
use serde_json::Value;

/// Antom's global gateway puts sandbox calls under this prefix (assumption: AlipayHK
/// publishes no sandbox, protocol.md §D); partners who came from there sign it.
const SANDBOX_PREFIX: &str = "/ams/sandbox";

/// What the diagnosis found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// The exact content the simulator verified against:
    /// `POST <path>\n<Client-Id>.<Request-Time>.<body>`.
    pub expected_content: String,
    /// The mistake that explains the signature, when one of the common ones does.
    pub likely_mistake: Option<String>,
    /// The mistakes that were tried.
    pub tried: Vec<String>,
}

/// The signed parts of a request's head.
#[derive(Debug, Clone)]
pub struct SignedHead {
    method: String,
    path: String,
    host: Option<String>,
    client_id: String,
    request_time: String,
    signature: SignatureHeader,
}

impl SignedHead {
    /// The head's signed parts; `None` if a signing header is missing or unreadable (then the
    /// request was refused for that, not for its signature).
    pub fn from_parts(parts: &http::request::Parts) -> Option<Self> {
        let get = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Some(Self {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            host: get(http::header::HOST.as_str()),
            client_id: get(CLIENT_ID)?,
            request_time: get(REQUEST_TIME)?,
            signature: SignatureHeader::parse(&get(SIGNATURE)?).ok()?,
        })
    }
}

/// Tries the common mistakes against the caller's registered keys.
pub fn diagnose(head: &SignedHead, body: &[u8], keys: &dyn ClientKeyStore) -> Diagnosis {
    let expected = content(head, &head.method, &head.path, &head.request_time, body);
    let named_key = match keys.lookup(&head.client_id, head.signature.key_version) {
        KeyLookup::Found(key) => Some(key),
        _ => None,
    };
    let mut tried = Vec::new();
    let mut found = None;
    let mut attempt = |what: String, key: &PublicKey, content: Vec<u8>| {
        if found.is_none() && verify(key, &content, &head.signature).is_ok() {
            found = Some(what.clone());
        }
        tried.push(what);
    };
    if let Some(key) = &named_key {
        for op in OPERATIONS.iter().filter(|op| op.path != head.path) {
            attempt(
                format!(
                    "signed the path of {} (`{}`) instead of the path requested (`{}`)",
                    op.id, op.path, head.path
                ),
                key,
                content(head, &head.method, op.path, &head.request_time, body),
            );
        }
        for method in ["GET", "post"] {
            attempt(
                format!("signed the method `{method}` instead of `{}`", head.method),
                key,
                content(head, method, &head.path, &head.request_time, body),
            );
        }
        if let Some(bare) = without_offset(&head.request_time) {
            attempt(
                format!(
                    "signed the Request-Time without its offset (`{bare}` instead of `{}`)",
                    head.request_time
                ),
                key,
                content(head, &head.method, &head.path, bare, body),
            );
        }
        for (how, reserialized) in reserialized(body) {
            attempt(
                format!("signed the body {how}, not the bytes sent"),
                key,
                content(
                    head,
                    &head.method,
                    &head.path,
                    &head.request_time,
                    &reserialized,
                ),
            );
        }
        let sandbox = format!("{SANDBOX_PREFIX}{}", head.path);
        attempt(
            format!("signed the sandbox path `{sandbox}` (AlipayHK has no sandbox prefix)"),
            key,
            content(head, &head.method, &sandbox, &head.request_time, body),
        );
        if let Some(host) = &head.host {
            for scheme in ["https", "http"] {
                let url = format!("{scheme}://{host}{}", head.path);
                attempt(
                    format!("signed the full URL `{url}` instead of the path"),
                    key,
                    content(head, &head.method, &url, &head.request_time, body),
                );
            }
        }
        attempt(
            "signed `\\r\\n` after the path instead of `\\n`".to_owned(),
            key,
            expected_with_crlf(head, body),
        );
    }
    for (version, key) in keys.keys(&head.client_id) {
        if Some(version) == head.signature.key_version {
            continue;
        }
        attempt(
            format!(
                "signed with the key of keyVersion {version}, but the Signature header says {}",
                head.signature.key_version.map_or_else(
                    || "no keyVersion (the latest)".to_owned(),
                    |v| format!("keyVersion {v}")
                )
            ),
            &key,
            expected.clone(),
        );
    }
    Diagnosis {
        // Exactly what was verified, but an access token in the body stays masked.
        expected_content: mask_tokens_in_text(&String::from_utf8_lossy(&expected), body),
        likely_mistake: found,
        tried,
    }
}

fn content(head: &SignedHead, method: &str, path: &str, time: &str, body: &[u8]) -> Vec<u8> {
    SignedContent {
        method,
        path,
        client_id: &head.client_id,
        time,
        body,
    }
    .to_bytes()
}

fn expected_with_crlf(head: &SignedHead, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "{} {}\r\n{}.{}.",
        head.method, head.path, head.client_id, head.request_time
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// `2024-05-22T06:42:21+08:00` -> `2024-05-22T06:42:21`; `None` without an offset.
fn without_offset(time: &str) -> Option<&str> {
    let date_time_end = time.find('T')? + 9;
    let bare = time.get(..date_time_end)?;
    (bare.len() < time.len()).then_some(bare)
}

/// The body as common JSON libraries re-serialize it, where that differs from the bytes.
fn reserialized(body: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |how, bytes: Vec<u8>| {
        if bytes != body {
            out.push((how, bytes));
        }
    };
    push("compacted", value.to_string().into_bytes());
    push(
        "pretty-printed",
        serde_json::to_vec_pretty(&value).unwrap_or_default(),
    );
    value.sort_all_objects();
    push("with its keys sorted", value.to_string().into_bytes());
    out
}

/// `text` with every token value found in the JSON `body` masked in place (the rest of the
/// text, byte for byte as it was).
pub fn mask_tokens_in_text(text: &str, body: &[u8]) -> String {
    fn collect(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match v {
                        Value::String(s) if key.to_ascii_lowercase().contains("token") => {
                            found.push(s.clone())
                        }
                        other => collect(other, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, found)),
            _ => {}
        }
    }
    let mut tokens = Vec::new();
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        collect(&value, &mut tokens);
    }
    let mut out = text.to_owned();
    for token in tokens.iter().filter(|t| !t.is_empty()) {
        let prefix: String = token.chars().take(4).collect();
        let masked = format!(
            "{prefix}... (redacted, {} characters)",
            token.chars().count()
        );
        out = out.replace(token.as_str(), &masked);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alipayhk_runtime::keys::PrivateKey;
    use alipayhk_runtime::server::InMemoryKeyStore;

    fn head(key: &PrivateKey, version: u32, signed: &[u8]) -> SignedHead {
        SignedHead {
            method: "POST".into(),
            path: OPERATIONS[0].path.into(),
            host: Some("127.0.0.1:8480".into()),
            client_id: "CLIENT".into(),
            request_time: "2024-05-22T06:42:21+08:00".into(),
            signature: SignatureHeader::rsa256(Some(version), key.sign_rsa_sha256(signed).unwrap()),
        }
    }

    #[test]
    fn names_the_mistake_that_explains_the_signature() {
        let key = PrivateKey::generate_rsa2048().unwrap();
        let old = PrivateKey::generate_rsa2048().unwrap();
        let store = InMemoryKeyStore::new()
            .with_key("CLIENT", 1, old.public_key())
            .with_key("CLIENT", 2, key.public_key());
        let body = br#"{"accessToken": "abc"}"#;
        let expected = |h: &SignedHead| content(h, "POST", &h.path, &h.request_time, body);

        // The time without its offset.
        let probe = head(&key, 2, b"");
        let wrong = content(&probe, "POST", &probe.path, "2024-05-22T06:42:21", body);
        let found = diagnose(&head(&key, 2, &wrong), body, &store);
        assert!(found.likely_mistake.unwrap().contains("without its offset"));
        let shown = String::from_utf8_lossy(&expected(&probe))
            .replace("\"abc\"", "\"abc... (redacted, 3 characters)\"");
        assert_eq!(
            found.expected_content, shown,
            "exactly what was verified, the token masked"
        );

        // A compacted body.
        let wrong = content(
            &probe,
            "POST",
            &probe.path,
            &probe.request_time,
            br#"{"accessToken":"abc"}"#,
        );
        let found = diagnose(&head(&key, 2, &wrong), body, &store);
        assert!(found.likely_mistake.unwrap().contains("compacted"));

        // Signed with the old key but the header names version 2.
        let found = diagnose(&head(&old, 2, &expected(&probe)), body, &store);
        assert!(found.likely_mistake.unwrap().contains("keyVersion 1"));

        // Garbage: nothing explains it, but everything was tried.
        let found = diagnose(&head(&key, 2, b"something else"), body, &store);
        assert_eq!(found.likely_mistake, None);
        assert!(found.tried.len() > 8, "{:?}", found.tried);
    }

    #[test]
    fn offsets_are_cut_only_when_present() {
        assert_eq!(
            without_offset("2024-05-22T06:42:21+08:00"),
            Some("2024-05-22T06:42:21")
        );
        assert_eq!(
            without_offset("2024-05-22T06:42:21Z"),
            Some("2024-05-22T06:42:21")
        );
        assert_eq!(without_offset("2024-05-22T06:42:21"), None);
        assert_eq!(without_offset("garbage"), None);
    }
}
