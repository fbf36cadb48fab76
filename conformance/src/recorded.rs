//! `--recording DIR`: each recorded exchange becomes a case that sends the recorded request
//! again (re-signed, with a fresh idempotency key and its secrets restored) and compares the
//! answer with the recorded one.
//!
//! What is compared: the HTTP status, the result code, the result status, and the answer
//! body leaf by leaf ([`alipayhk_recording::differences`]). What is not: the result message
//! (free text a server may reword without changing behaviour), the operation's volatile
//! request fields where an answer echoes them (the idempotency key, `bizdt`), any leaf whose
//! recorded and received values are both ISO-8601 date-times (clocks move), and the fields
//! named with [`RecordingOptions::ignore_fields`] (`--ignore-field`). The answer must pass
//! every check of a conformance case as well (signature, times, schema, documented code).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use alipayhk_recording::{Difference, LoadLimits, PLACEHOLDER_PREFIX, Redactor, differences};

pub use alipayhk_recording::Recording;
use alipayhk_runtime::ResultStatus;
use serde_json::Value;

use crate::case::{Case, CaseKind, Expectation, Recorded, idempotency_key};
use crate::checks::Checked;
use crate::spec::SpecTable;

/// The answer property that is never compared by default: its wording is for people.
pub const RESULT_MESSAGE: &str = "resultMessage";

/// How a recording is turned into cases.
#[derive(Debug, Clone)]
pub struct RecordingOptions {
    /// The real value of each placeholder (`--recording-secrets FILE`).
    pub secrets: BTreeMap<String, String>,
    /// Answer properties (at any depth) left out of the comparison, besides the defaults.
    pub ignore_fields: BTreeSet<String>,
    /// Send a recorded encrypted request encrypted (the run holds both keys, so it can);
    /// `false` sends it plain, with a note, for a server that does not decrypt.
    pub encrypt: bool,
}

impl Default for RecordingOptions {
    fn default() -> Self {
        RecordingOptions {
            secrets: BTreeMap::new(),
            ignore_fields: BTreeSet::new(),
            encrypt: true,
        }
    }
}

/// Reads the recording in `dir` for a diff. Any refused file refuses the whole run (each is
/// named with its reason: a diff that silently left exchanges out would pass for the wrong
/// reason), and so does a recording without exchanges.
pub fn load_recording(dir: &Path) -> Result<Recording, String> {
    let recording = alipayhk_recording::load(dir, LoadLimits::default())
        .map_err(|e| format!("{e}; --recording takes a folder `alipayhk proxy --record` wrote"))?;
    if !recording.refused.is_empty() {
        let lines: String = recording
            .refused
            .iter()
            .map(|r| format!("\n  {r}"))
            .collect();
        return Err(format!(
            "{}: {} file(s) refused, nothing was run (fix or remove them):{lines}",
            dir.display(),
            recording.refused.len()
        ));
    }
    if recording.exchanges.is_empty() {
        return Err(format!(
            "{}: the recording holds no exchange, nothing to run",
            dir.display()
        ));
    }
    Ok(recording)
}

/// One case per exchange of `recording`, in file order. `suffix` is appended to every fresh
/// idempotency key (two runs must not share keys); recordings that shared a key share the
/// fresh one, so a recorded replay pair stays a pair.
pub fn recorded_cases(
    recording: &Recording,
    table: &SpecTable<'_>,
    options: &RecordingOptions,
    suffix: &str,
) -> Vec<Case> {
    let key = recording.manifest.key().unwrap_or_default();
    let mut fresh_keys: BTreeMap<String, String> = BTreeMap::new();
    let mut cases = Vec::with_capacity(recording.exchanges.len());
    for loaded in &recording.exchanges {
        let exchange = &loaded.exchange;
        let name = loaded
            .file
            .file_name()
            .map_or_else(|| "recording".into(), |n| n.to_string_lossy().into_owned());
        let answer = &exchange.answer;
        let status = answer
            .result_status
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(ResultStatus::Unknown);
        let mut case = Case {
            operation: exchange.operation.clone(),
            name,
            kind: CaseKind::Success,
            expect: Expectation {
                http_status: answer.http_status,
                result_field: String::new(),
                result_code: answer.result_code.clone().unwrap_or_default(),
                result_status: status,
            },
            skip: None,
            assumption: None,
        };
        let Some(op) = table.operation(&exchange.operation) else {
            case.skip = Some(format!(
                "operation {} is not in the spec table",
                exchange.operation
            ));
            cases.push(case);
            continue;
        };
        case.expect.result_field = op.result_field.to_owned();
        let Some(mut body) = exchange.request.body.clone() else {
            case.skip = Some(if exchange.request.encrypted {
                "recorded encrypted without its plaintext (record with --record-plaintext to diff it): nothing to send".to_owned()
            } else {
                "the recorded request body is not JSON: nothing to send".to_owned()
            });
            cases.push(case);
            continue;
        };
        let missing = restore_secrets(&mut body, &options.secrets, "");
        let unsendable = (!missing.is_empty()).then(|| {
            format!(
                "could not run: the recorded request holds secret placeholders at {} that no --recording-secrets FILE restores (give the file `alipayhk proxy --record-secrets` wrote); nothing was sent",
                missing.join(", ")
            )
        });
        if let (Some(name), Some(object)) = (op.idempotency_key, body.as_object_mut())
            && let Some(Value::String(old)) = object.get(name)
        {
            let next = fresh_keys.len() + 1;
            let fresh = fresh_keys
                .entry(old.clone())
                .or_insert_with(|| idempotency_key(&format!("RD-{next}"), suffix))
                .clone();
            object.insert(name.to_owned(), Value::String(fresh));
        }
        let encrypted = exchange.request.encrypted;
        let note = (encrypted && !options.encrypt)
            .then(|| "recorded encrypted, sent plain (--send-plain)".to_owned());
        let ignored = [RESULT_MESSAGE]
            .into_iter()
            .chain(op.volatile_fields.iter().copied())
            .map(str::to_owned)
            .chain(options.ignore_fields.iter().cloned())
            .collect();
        case.kind = CaseKind::Recorded(Box::new(Recorded {
            file: loaded.file.clone(),
            exchange: exchange.clone(),
            body,
            encrypt: encrypted && options.encrypt,
            unsendable,
            note,
            ignored,
            placeholder_key: key.clone(),
            secret_fields: op.secret_fields.iter().map(|f| (*f).to_owned()).collect(),
        }));
        cases.push(case);
    }
    cases
}

/// Replaces every placeholder string in `value` whose secret is known; returns the JSON
/// pointers of those left.
fn restore_secrets(value: &mut Value, secrets: &BTreeMap<String, String>, at: &str) -> Vec<String> {
    match value {
        Value::String(text) if text.starts_with(PLACEHOLDER_PREFIX) => match secrets.get(text) {
            Some(real) => {
                *text = real.clone();
                Vec::new()
            }
            None => vec![if at.is_empty() {
                "/".into()
            } else {
                at.to_owned()
            }],
        },
        Value::Object(map) => map
            .iter_mut()
            .flat_map(|(name, child)| {
                let name = name.replace('~', "~0").replace('/', "~1");
                restore_secrets(child, secrets, &format!("{at}/{name}"))
            })
            .collect(),
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .flat_map(|(i, child)| restore_secrets(child, secrets, &format!("{at}/{i}")))
            .collect(),
        _ => Vec::new(),
    }
}

impl Recorded {
    /// The label of the exchange that sends it: the file, and the note if any.
    pub fn label(&self) -> String {
        match &self.note {
            Some(note) => format!("request of {} ({note})", self.file.display()),
            None => format!("request of {}", self.file.display()),
        }
    }

    /// Where the answer (HTTP `status`, checked into `checked`) differs from the recorded
    /// one, one line each: `differs from the recording at <pointer>: recorded <v>, got <v>`.
    pub fn compare(&self, result_field: &str, status: u16, checked: &Checked) -> Vec<String> {
        let answer = &self.exchange.answer;
        let mut found = Vec::new();
        if answer.http_status != status {
            found.push(Difference {
                at: "httpStatus".into(),
                recorded: Some(answer.http_status.into()),
                got: Some(status.into()),
            });
        }
        for (at, recorded, got) in [
            ("resultCode", &answer.result_code, &checked.result_code),
            (
                "resultStatus",
                &answer.result_status,
                &checked.result_status,
            ),
        ] {
            if recorded != got {
                found.push(Difference {
                    at: at.into(),
                    recorded: recorded.clone().map(Value::String),
                    got: got.clone().map(Value::String),
                });
            }
        }
        // Without a recorded body (encrypted, recorded without plaintext) or a readable
        // received one (already a problem of the checks) only the above is compared.
        let got = checked
            .plaintext
            .as_deref()
            .and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok());
        if let (Some(recorded), Some(mut got)) = (&answer.body, got) {
            Redactor::new(&self.placeholder_key, self.secret_fields.iter().cloned())
                .redact(&mut got);
            let code_and_status = [
                format!("/{result_field}/resultCode"),
                format!("/{result_field}/resultStatus"),
            ];
            found.extend(
                differences(recorded, &got, &self.ignored)
                    .into_iter()
                    .filter(|d| !code_and_status.contains(&d.at))
                    .filter(|d| !both_times(d)),
            );
        }
        found
            .iter()
            .map(|d| format!("differs from the recording at {d}"))
            .collect()
    }
}

/// Whether both values are ISO-8601 date-times: a moved clock, not a changed behaviour.
fn both_times(d: &Difference) -> bool {
    let is_time = |v: &Option<Value>| {
        v.as_ref()
            .and_then(Value::as_str)
            .is_some_and(|s| alipayhk_runtime::time::parse_time(s).is_ok())
    };
    is_time(&d.recorded) && is_time(&d.got)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_are_restored_and_the_missing_ones_named_by_pointer() {
        let secrets = BTreeMap::from([("secret:aa".to_owned(), "real".to_owned())]);
        let mut body = json!({"accessToken": "secret:aa", "list": [{"a/b": "secret:bb"}]});
        let missing = restore_secrets(&mut body, &secrets, "");
        assert_eq!(body["accessToken"], "real");
        assert_eq!(missing, ["/list/0/a~1b"]);
    }

    fn recorded(answer: Value) -> Recorded {
        Recorded {
            file: "op/0001-SUCCESS.yaml".into(),
            exchange: alipayhk_recording::Exchange {
                format: alipayhk_recording::FORMAT.into(),
                operation: "op".into(),
                path: "/p".into(),
                request: alipayhk_recording::Request {
                    client_id: "C".into(),
                    encrypted: false,
                    body: Some(json!({})),
                },
                answer: alipayhk_recording::Answer {
                    http_status: 200,
                    result_code: Some("SUCCESS".into()),
                    result_status: Some("S".into()),
                    tracer_id: None,
                    encrypted: false,
                    body: Some(answer),
                },
                latency_ms: 0,
                signatures: Default::default(),
                findings: Vec::new(),
            },
            body: json!({}),
            encrypt: false,
            unsendable: None,
            note: None,
            ignored: BTreeSet::from([RESULT_MESSAGE.to_owned()]),
            placeholder_key: vec![7; 32],
            secret_fields: vec!["accessToken".into()],
        }
    }

    fn checked(body: &Value, code: &str, status: &str) -> Checked {
        Checked {
            problems: Vec::new(),
            plaintext: Some(body.to_string().into_bytes()),
            result_code: Some(code.into()),
            result_status: Some(status.into()),
        }
    }

    #[test]
    fn a_changed_code_is_named_once_and_messages_times_and_secrets_are_not_differences() {
        let redactor = Redactor::new(&[7; 32], ["accessToken"]);
        let recorded = recorded(json!({
            "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "Success"},
            "issuedAt": "2024-05-22T06:42:21+08:00",
            "accessToken": redactor.placeholder("real-token"),
            "amount": 5,
        }));
        let got = json!({
            "result": {"resultCode": "RISK_REJECT", "resultStatus": "F", "resultMessage": "No"},
            "issuedAt": "2026-12-07T16:00:00Z",
            "accessToken": "real-token",
            "amount": 5,
        });
        let lines = recorded.compare("result", 200, &checked(&got, "RISK_REJECT", "F"));
        assert_eq!(
            lines,
            [
                r#"differs from the recording at resultCode: recorded "SUCCESS", got "RISK_REJECT""#,
                r#"differs from the recording at resultStatus: recorded "S", got "F""#,
            ]
        );
    }

    #[test]
    fn a_status_a_missing_field_and_a_time_become_a_string_are_differences() {
        let recorded =
            recorded(json!({"result": {}, "issuedAt": "2024-05-22T06:42:21Z", "gone": 1}));
        let got = json!({"result": {}, "issuedAt": "soon"});
        let lines = recorded.compare("result", 500, &checked(&got, "SUCCESS", "S"));
        assert_eq!(
            lines,
            [
                "differs from the recording at httpStatus: recorded 200, got 500",
                "differs from the recording at /gone: recorded 1, got absent",
                r#"differs from the recording at /issuedAt: recorded "2024-05-22T06:42:21Z", got "soon""#,
            ]
        );
    }
}
