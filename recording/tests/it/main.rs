//! The recording format over real files: write, load, redact, match, refuse.

mod hostile;
mod roundtrip;
mod write_guards;

use std::path::PathBuf;

use alipayhk_recording::{Answer, Exchange, FORMAT, Request, Signatures};
use serde_json::{Value, json};

/// A fresh, empty folder under the system's temporary folder.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "alipayhk-recording-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An exchange of `operation` with the given request body and result code.
pub fn exchange(operation: &str, request: Value, code: &str) -> Exchange {
    Exchange {
        format: FORMAT.to_string(),
        operation: operation.to_string(),
        path: format!("/api/open/{operation}"),
        request: Request {
            client_id: "DEMO0000PARTNER0001".into(),
            encrypted: false,
            body: Some(request),
        },
        answer: Answer {
            http_status: 200,
            result_code: Some(code.to_string()),
            result_status: Some(if code == "SUCCESS" { "S" } else { "F" }.to_string()),
            tracer_id: Some("tracer-1".into()),
            encrypted: false,
            body: Some(json!({"result": {"resultCode": code}, "balance": 1200})),
        },
        latency_ms: 12,
        signatures: Signatures {
            request: Some(true),
            response: Some(true),
        },
        findings: Vec::new(),
    }
}
