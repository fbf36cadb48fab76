//! What the recorder refuses to write (a secret quoted by a finding, a file the loader would
//! refuse), and bodies a hostile upstream could send, written and loaded back unchanged.

use std::collections::BTreeSet;

use alipayhk_recording::{Filter, LoadLimits, RecordOptions, Recorder, load};
use serde_json::json;

use crate::{exchange, scratch};

const TOKEN: &str = "281001133486932346851012000aKLpNuDBB";

fn options() -> RecordOptions {
    RecordOptions {
        secret_fields: BTreeSet::from(["accessToken".to_string()]),
        filter: Filter::default(),
        secrets_file: None,
    }
}

#[test]
fn a_finding_that_quotes_a_secret_holds_its_placeholder() {
    let dir = scratch("findings");
    let recorder = Recorder::create(&dir, options()).unwrap();
    let mut quoted = exchange("inquireAPoint", json!({"accessToken": TOKEN}), "SUCCESS");
    quoted.findings = vec![format!("request body: accessToken {TOKEN:?} is too long")];
    let file = recorder.record(quoted).unwrap().unwrap();
    let text = std::fs::read_to_string(dir.join(&file)).unwrap();
    assert!(!text.contains(TOKEN), "{text}");
    let recording = load(&dir, LoadLimits::default()).unwrap();
    let recorded = &recording.exchanges[0].exchange;
    let placeholder = recorded.request.body.as_ref().unwrap()["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        recorded.findings,
        [format!(
            "request body: accessToken \"{placeholder}\" is too long"
        )]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_exchange_the_loader_would_refuse_is_not_written() {
    let dir = scratch("oversized");
    let recorder = Recorder::create(&dir, options()).unwrap();
    let big = "x".repeat(LoadLimits::default().max_file_bytes as usize);
    let error = recorder
        .record(exchange("inquireAPoint", json!({"note": big}), "SUCCESS"))
        .unwrap_err();
    assert!(error.contains("not recorded"), "{error}");
    assert!(!dir.join("inquireAPoint").exists());
    // The next exchange still gets the first number.
    let file = recorder
        .record(exchange("inquireAPoint", json!({}), "SUCCESS"))
        .unwrap()
        .unwrap();
    assert_eq!(file.to_str(), Some("inquireAPoint/0001-SUCCESS.yaml"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bodies_as_a_hostile_upstream_might_send_them_load_back_unchanged() {
    let dir = scratch("hostile-bodies");
    let recorder = Recorder::create(&dir, options()).unwrap();
    let body = json!({
        "<<": {"merged": true},
        "*alias": "&anchor",
        "&anchor": "*alias",
        "? key": "- item",
        "!!binary": "!!str",
        "multi\nline": "a\nb\r\nc\t\u{0}\u{7f}\u{2028}",
        "null": "null",
        "~": "~",
        "yes": "no",
        "0123": "0x1F",
        "1e3": "1e3",
        "": "",
        " padded ": " padded ",
        "#comment": "# not a comment",
        "colon: in": "key: value",
        "quote\"s": "'single' and \"double\"",
        "big": u64::MAX,
        "negative": i64::MIN,
        "float": 0.1,
        "nested": [[[{"a": [null, true, false, 1.5e300]}]]],
        "emoji": "名前 🙂",
        "%TAG": "---",
        "...": "--- |\n  block",
    });
    let written = exchange("inquireAPoint", body.clone(), "SUCCESS");
    recorder.record(written.clone()).unwrap().unwrap();
    let recording = load(&dir, LoadLimits::default()).unwrap();
    assert!(recording.refused.is_empty(), "{:?}", recording.refused);
    assert_eq!(recording.exchanges[0].exchange, written);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_exchange_of_more_nodes_than_the_loader_reads_is_not_written() {
    let dir = scratch("many-nodes");
    let recorder = Recorder::create(&dir, options()).unwrap();
    // Small in bytes (under the file limit), but more YAML nodes than a load accepts.
    let many = json!(vec![1; 120_000]);
    let result = recorder.record(exchange("inquireAPoint", many, "SUCCESS"));
    assert!(
        result.as_ref().is_err_and(|e| e.contains("not recorded")),
        "{result:?}"
    );
    let recording = load(&dir, LoadLimits::default()).unwrap();
    assert!(recording.refused.is_empty(), "{:?}", recording.refused);
    let _ = std::fs::remove_dir_all(&dir);
}
