//! One request and its response, as recorded for reports and snapshots.
//!
//! [`Exchange::render`] prints it as text; with [`Redaction::Volatile`] the values that
//! change on every run (times, tracer ids, signature bytes, wrapped keys, ciphertext) are
//! replaced by placeholders, so a snapshot changes only when the wire behaviour does.

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;

use crate::wire::{WireRequest, WireResponse};

/// Bodies longer than this are shown as their length only.
pub const MAX_SHOWN_BODY: usize = 4096;

/// A request, what came back, and what was wrong with it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// What the call was for, e.g. `request` or `replay`.
    pub label: String,
    /// What was sent.
    pub request: WireRequest,
    /// What came back (`None` when nothing did).
    pub response: Option<WireResponse>,
    /// The response body after decryption, when it was encrypted.
    pub response_plaintext: Option<Vec<u8>>,
    /// Problems found with this exchange.
    pub problems: Vec<String>,
}

/// Whether to hide the values that change on every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redaction {
    /// Everything as sent and received.
    None,
    /// Times, tracer ids, signature bytes, wrapped keys, ciphertext and `date` hidden.
    Volatile,
}

impl Exchange {
    /// The exchange as text: request line, headers, body; status, headers, body.
    pub fn render(&self, redaction: Redaction) -> String {
        let mut out = String::new();
        let req = &self.request;
        let _ = writeln!(out, "--> {} {}", req.method, req.path);
        for (name, value) in &req.headers {
            let _ = writeln!(out, "{name}: {}", header_value(name, value, redaction));
        }
        write_body(&mut out, &req.body, req.plaintext.as_deref(), redaction);
        match &self.response {
            None => out.push_str("<-- no response\n"),
            Some(resp) => {
                let _ = writeln!(out, "<-- {}", resp.status);
                let mut headers: Vec<&(String, String)> = resp
                    .headers
                    .iter()
                    .filter(|(n, _)| redaction == Redaction::None || !is_transport_header(n))
                    .collect();
                headers.sort_by_key(|h| h.0.to_ascii_lowercase());
                for (name, value) in headers {
                    let _ = writeln!(out, "{name}: {}", header_value(name, value, redaction));
                }
                write_body(
                    &mut out,
                    &resp.body,
                    self.response_plaintext.as_deref(),
                    redaction,
                );
            }
        }
        out
    }
}

/// Headers set by the HTTP stack, not by the protocol (volatile or implied by the body).
fn is_transport_header(name: &str) -> bool {
    [
        "date",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

fn header_value(name: &str, value: &str, redaction: Redaction) -> String {
    if redaction == Redaction::None {
        return value.to_owned();
    }
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "request-time" | "response-time" => "[time]".to_owned(),
        "tracer-id" => "[tracer-id]".to_owned(),
        "signature" => redact_item(value, "signature", "[signature]"),
        "encrypt" => redact_item(value, "symmetricKey", "[wrapped-key]"),
        _ => value.to_owned(),
    }
}

/// Replaces the value of `key=` in a `k=v,k=v` header, keeping the rest (e.g. the algorithm).
fn redact_item(value: &str, key: &str, placeholder: &str) -> String {
    value
        .split(',')
        .map(|item| match item.split_once('=') {
            Some((k, _)) if k.trim().eq_ignore_ascii_case(key) => format!("{k}={placeholder}"),
            _ => item.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Volatile text inside bodies (a server may quote the request time in a message).
static VOLATILE_IN_BODY: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([.,]\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)?",
            "[time]",
        ),
        (r"\b\d+s away\b", "[n]s away"),
    ]
    .into_iter()
    .filter_map(|(pattern, placeholder)| Regex::new(pattern).ok().map(|re| (re, placeholder)))
    .collect()
});

fn write_body(out: &mut String, body: &[u8], plaintext: Option<&[u8]>, redaction: Redaction) {
    let shown = |bytes: &[u8]| {
        let mut text = show_body(bytes);
        if redaction == Redaction::Volatile {
            for (re, placeholder) in VOLATILE_IN_BODY.iter() {
                text = re.replace_all(&text, *placeholder).into_owned();
            }
        }
        text
    };
    match plaintext {
        Some(plain) => {
            if redaction == Redaction::Volatile {
                out.push_str("[ciphertext]\n");
            } else {
                out.push_str(&show_body(body));
            }
            out.push_str("decrypted:\n");
            out.push_str(&shown(plain));
        }
        None => out.push_str(&shown(body)),
    }
}

/// The body as (pretty) JSON or text, or its length when it is long.
pub fn show_body(body: &[u8]) -> String {
    if body.len() > MAX_SHOWN_BODY {
        return format!("[{} bytes]\n", body.len());
    }
    if body.is_empty() {
        return "[empty body]\n".to_owned();
    }
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(json) => serde_json::to_string_pretty(&json).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    format!("{text}\n")
}

/// `alipayhk call <operation> <flags> --no-validate --data '<body>'`: the request of
/// `exchange` sent again by hand (the plaintext body; `--encrypt` when it was encrypted).
/// Headers the case broke on purpose are listed after it as a comment, since `alipayhk
/// call` always sends correct ones.
pub fn call_command(operation: &str, flags: &str, exchange: &Exchange) -> String {
    let request = &exchange.request;
    let body = request.plaintext.as_deref().unwrap_or(&request.body);
    let body = if body.len() > MAX_SHOWN_BODY {
        "@request-body.json".to_owned()
    } else {
        shell_quote(&String::from_utf8_lossy(body))
    };
    let encrypt = if request.plaintext.is_some() {
        " --encrypt"
    } else {
        ""
    };
    format!("alipayhk call {operation} {flags}{encrypt} --no-validate --data {body}")
}

/// `text` in single quotes for a POSIX shell.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}
