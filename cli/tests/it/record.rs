//! `alipayhk proxy --record DIR` in front of `alipayhk serve`, with `alipayhk call` as the
//! partner's client: one file per exchange, stable names, everything loads, and no token,
//! key or signature in any recorded file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use alipayhk_api::OperationId;
use alipayhk_recording::{Exchange, LoadLimits, load};
use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::signature::KeySigner;
use alipayhk_simulator::DEMO_ACCESS_TOKEN;

use crate::proxy::{Proxy, call_through, deviations, redeem, rule, start_proxy_with};
use crate::support::serve;

/// One call through the proxy, `-v`: its output, and how long it took.
fn call(proxy: &Proxy, data_dir: &Path, operation: &str, body: &str, extra: &[&str]) -> Called {
    let started = Instant::now();
    let mut flags = vec!["-v"];
    flags.extend_from_slice(extra);
    let output = call_through(proxy, data_dir, operation, body, &flags);
    Called {
        took: started.elapsed(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        output,
    }
}

struct Called {
    output: Output,
    took: Duration,
    stderr: String,
}

impl Called {
    fn tracer_id(&self) -> String {
        self.stderr
            .lines()
            .find_map(|l| l.strip_prefix("Tracer-Id: "))
            .unwrap_or_else(|| panic!("no Tracer-Id in {}", self.stderr))
            .to_string()
    }

    /// An answer header `-v` printed.
    fn answer_header(&self, name: &str) -> Option<String> {
        self.stderr
            .lines()
            .find_map(|l| l.strip_prefix(&format!("< {name}: ")))
            .map(str::to_string)
    }

    /// The request's Signature value as it went on the wire: `-v` prints the content
    /// signed, and RSA PKCS#1 v1.5 signs it to the same bytes again.
    fn request_signature(&self, key: &PrivateKey, body: &str) -> String {
        let start = self.stderr.find("content signed (").expect("-v content");
        let rest = &self.stderr[start + "content signed (".len()..];
        let (length, rest) = rest.split_once(" bytes):\n").expect("length");
        let content = &rest.as_bytes()[..length.parse::<usize>().unwrap()];
        // `POST <path>\n<Client-Id>.<Request-Time>.<body>`: the exact bytes, not a guess.
        assert!(content.starts_with(b"POST /"), "{rest}");
        assert!(content.ends_with(body.as_bytes()), "{rest}");
        KeySigner::new(key.clone(), Some(1))
            .sign_header_now(content)
            .unwrap()
            .to_header_value()
    }
}

/// The `signature=` (or `symmetricKey=`) value of a header, in both spellings a file could
/// hold: URL-encoded as on the wire, and plain base64.
fn wire_values(header: &str, key: &str) -> Vec<String> {
    let (_, value) = header
        .split_once(&format!("{key}="))
        .unwrap_or_else(|| panic!("no {key}= in {header}"));
    let value = value.split(',').next().unwrap().to_string();
    let plain = value
        .replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=");
    assert!(value.len() > 100, "{value}");
    vec![value, plain]
}

/// Every file under `dir`, with its text.
fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            let text = std::fs::read_to_string(&path).unwrap();
            found.push((path, text));
        }
    }
    found
}

/// The recorded exchanges by file name, after checking that nothing was refused.
fn loaded(dir: &Path) -> Vec<(String, Exchange)> {
    let recording = load(dir, LoadLimits::default()).expect("the recording loads");
    assert!(recording.refused.is_empty(), "{:?}", recording.refused);
    recording
        .exchanges
        .into_iter()
        .map(|l| (l.file.to_string_lossy().replace('\\', "/"), l.exchange))
        .collect()
}

/// The base64 lines of a PEM file.
fn pem_body(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .map(str::to_string)
        .collect()
}

/// A plain unsigned POST through the proxy; the HTTP status it answers.
fn post_raw(proxy: &Proxy, path: &str, body: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(proxy.address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn example(operation: OperationId) -> String {
    operation.info().request_example.to_string()
}

#[test]
fn every_exchange_is_one_file_that_loads_and_holds_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    let record = dir.path().join("recording");
    let secrets = dir.path().join("secrets.tsv");
    let served = serve(&data_dir);
    let proxy = start_proxy_with(
        &served,
        &data_dir,
        &[
            "--record",
            record.to_str().unwrap(),
            "--record-secrets",
            secrets.to_str().unwrap(),
        ],
    );
    assert!(
        proxy
            .banner
            .contains(&format!("recording: {}", record.display())),
        "{}",
        proxy.banner
    );

    let inquiry = format!(r#"{{"accessToken":"{DEMO_ACCESS_TOKEN}"}}"#);
    let mut calls = vec![
        ("inquireAPoint", inquiry, 0),
        ("issueAPoint", example(OperationId::IssueAPoint), 0),
        ("redeemAPoint", redeem("REC-OK-1"), 0),
        ("queryTemplate", example(OperationId::QueryTemplate), 0),
        (
            "updateMembershipCard",
            example(OperationId::UpdateMembershipCard),
            0,
        ),
    ];
    let mut made = Vec::new();
    for (operation, body, expected) in calls.drain(..) {
        let called = call(&proxy, &data_dir, operation, &body, &[]);
        assert_eq!(
            called.output.status.code(),
            Some(expected),
            "{operation}: {}",
            called.stderr
        );
        made.push((called, body));
    }
    // A documented F, scripted through the admin API.
    rule(
        &served,
        &data_dir,
        r#"{"operation":"redeemAPoint","code":"POINT_NOT_ENOUGH","status":"F","times":1}"#,
    );
    let body = redeem("REC-F-1");
    let failed = call(&proxy, &data_dir, "redeemAPoint", &body, &[]);
    assert_eq!(failed.output.status.code(), Some(1), "{}", failed.stderr);
    made.push((failed, body));
    // A path the spec does not know, twice: relayed, not recorded, said once.
    for _ in 0..2 {
        // The simulator answers it (a gateway code): relayed.
        let status = post_raw(&proxy, "/api/open/nothing/here", "{}");
        assert!(status != 0 && status != 502, "{status}");
    }

    let recorded = loaded(&record);
    let names: Vec<&str> = recorded.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "inquireAPoint/0001-SUCCESS.yaml",
            "issueAPoint/0001-SUCCESS.yaml",
            "queryTemplate/0001-SUCCESS.yaml",
            "redeemAPoint/0001-SUCCESS.yaml",
            "redeemAPoint/0002-POINT_NOT_ENOUGH.yaml",
            "updateMembershipCard/0001-SUCCESS.yaml",
        ]
    );
    let stderr = std::fs::read_to_string(&proxy.stderr).unwrap();
    assert_eq!(
        stderr.matches("not recorded (said once)").count(),
        1,
        "{stderr}"
    );

    let partner_key =
        PrivateKey::from_file(data_dir.join("keys/demo-partner-private.pem")).unwrap();
    let mut forbidden: Vec<String> = vec![DEMO_ACCESS_TOKEN.into(), "PRIVATE KEY".into()];
    for pem in ["demo-partner-private.pem", "simulator-private.pem"] {
        forbidden.extend(pem_body(&data_dir.join("keys").join(pem)));
    }
    for (called, body) in &made {
        let exchange = recorded
            .iter()
            .map(|(_, e)| e)
            .find(|e| e.answer.tracer_id.as_deref() == Some(called.tracer_id().as_str()))
            .unwrap_or_else(|| panic!("no recording with Tracer-Id {}", called.tracer_id()));
        assert_eq!(exchange.answer.http_status, 200);
        assert_eq!(exchange.signatures.request, Some(true), "{exchange:?}");
        assert_eq!(exchange.signatures.response, Some(true), "{exchange:?}");
        assert!(
            u128::from(exchange.latency_ms) <= called.took.as_millis(),
            "the proxy's latency is within the client's: {} ms, {:?}",
            exchange.latency_ms,
            called.took
        );
        assert!(exchange.findings.is_empty(), "{:?}", exchange.findings);
        assert!(exchange.request.body.is_some() && exchange.answer.body.is_some());
        assert_eq!(
            exchange.path,
            OperationId::from_path(&exchange.path).unwrap().info().path
        );
        let signature = called.answer_header("signature").expect("-v shows it");
        forbidden.extend(wire_values(&signature, "signature"));
        forbidden.extend(wire_values(
            &called.request_signature(&partner_key, body),
            "signature",
        ));
    }
    let failed = &recorded[4].1;
    assert_eq!(
        (
            failed.answer.result_code.as_deref(),
            failed.answer.result_status.as_deref()
        ),
        (Some("POINT_NOT_ENOUGH"), Some("F"))
    );
    let succeeded = &recorded[0].1;
    assert_eq!(succeeded.answer.result_status.as_deref(), Some("S"));
    let placeholder = succeeded.request.body.as_ref().unwrap()["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(placeholder.starts_with("secret:"), "{placeholder}");

    // Redaction: nothing forbidden in any file of the recording.
    let all = files(&record);
    assert_eq!(all.len(), 7, "six exchanges and the manifest");
    for (path, text) in &all {
        for needle in &forbidden {
            assert!(
                !text.contains(needle.as_str()),
                "{} holds {needle:?}",
                path.display()
            );
        }
    }
    // The secrets file maps the placeholder to the token, and only its owner reads it.
    let mapping = std::fs::read_to_string(&secrets).unwrap();
    assert_eq!(mapping, format!("{placeholder}\t{DEMO_ACCESS_TOKEN}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secrets).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let reported = deviations(&proxy);
    assert!(
        reported.iter().all(|d| d["kind"] == "unknown_path"),
        "{reported:?}"
    );
}

#[test]
fn the_filter_keeps_only_what_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    let record = dir.path().join("recording");
    let served = serve(&data_dir);
    let proxy = start_proxy_with(
        &served,
        &data_dir,
        &[
            "--record",
            record.to_str().unwrap(),
            "--record-filter",
            "operation=redeemAPoint,resultCode=POINT_NOT_ENOUGH",
        ],
    );
    let inquiry = format!(r#"{{"accessToken":"{DEMO_ACCESS_TOKEN}"}}"#);
    assert_eq!(
        call(&proxy, &data_dir, "inquireAPoint", &inquiry, &[])
            .output
            .status
            .code(),
        Some(0)
    );
    let ok = call(&proxy, &data_dir, "redeemAPoint", &redeem("FILTER-1"), &[]);
    assert_eq!(ok.output.status.code(), Some(0), "{}", ok.stderr);
    rule(
        &served,
        &data_dir,
        r#"{"operation":"redeemAPoint","code":"POINT_NOT_ENOUGH","status":"F","times":1}"#,
    );
    let failed = call(&proxy, &data_dir, "redeemAPoint", &redeem("FILTER-2"), &[]);
    assert_eq!(failed.output.status.code(), Some(1), "{}", failed.stderr);
    let names: Vec<String> = loaded(&record).into_iter().map(|(name, _)| name).collect();
    // Numbered among the kept: the first kept is 0001.
    assert_eq!(names, ["redeemAPoint/0001-POINT_NOT_ENOUGH.yaml"]);
}

#[test]
fn encrypted_bodies_are_recorded_only_as_plaintext_asked_for_with_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    let served = serve(&data_dir);
    let keys = data_dir.join("keys");
    let inquiry = format!(r#"{{"accessToken":"{DEMO_ACCESS_TOKEN}"}}"#);

    // Without --record-plaintext: the flags say encrypted, and no body.
    let sealed = dir.path().join("sealed");
    let proxy = start_proxy_with(&served, &data_dir, &["--record", sealed.to_str().unwrap()]);
    let called = call(&proxy, &data_dir, "inquireAPoint", &inquiry, &["--encrypt"]);
    assert_eq!(called.output.status.code(), Some(0), "{}", called.stderr);
    drop(proxy);
    let recorded = loaded(&sealed);
    assert_eq!(recorded.len(), 1);
    // No readable result code: the answer is ciphertext.
    assert_eq!(recorded[0].0, "inquireAPoint/0001-HTTP200.yaml");
    let exchange = &recorded[0].1;
    assert!(exchange.request.encrypted && exchange.answer.encrypted);
    assert_eq!(
        (&exchange.request.body, &exchange.answer.body),
        (&None, &None)
    );
    assert_eq!(exchange.signatures.response, Some(true));

    // With it and both private keys: the plaintext of both, still marked encrypted.
    let open = dir.path().join("open");
    let proxy = start_proxy_with(
        &served,
        &data_dir,
        &[
            "--record",
            open.to_str().unwrap(),
            "--record-plaintext",
            "--partner-private-key",
            keys.join("demo-partner-private.pem").to_str().unwrap(),
            "--upstream-private-key",
            keys.join("simulator-private.pem").to_str().unwrap(),
        ],
    );
    assert!(
        proxy
            .banner
            .contains("plaintext of encrypted answers and requests"),
        "{}",
        proxy.banner
    );
    let called = call(&proxy, &data_dir, "inquireAPoint", &inquiry, &["--encrypt"]);
    assert_eq!(called.output.status.code(), Some(0), "{}", called.stderr);
    let recorded = loaded(&open);
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].0, "inquireAPoint/0001-SUCCESS.yaml");
    let exchange = &recorded[0].1;
    assert!(exchange.request.encrypted && exchange.answer.encrypted);
    let request = exchange
        .request
        .body
        .as_ref()
        .expect("the request's plaintext");
    assert!(
        request["accessToken"]
            .as_str()
            .unwrap()
            .starts_with("secret:")
    );
    let answer = exchange
        .answer
        .body
        .as_ref()
        .expect("the answer's plaintext");
    assert_eq!(answer["result"]["resultCode"], "SUCCESS");
    assert_eq!(exchange.answer.result_status.as_deref(), Some("S"));
    // The Encrypt header's wrapped key is nowhere (nor the token).
    let encrypt = called.answer_header("encrypt").expect("-v shows it");
    let mut forbidden = wire_values(&encrypt, "symmetricKey");
    forbidden.push(DEMO_ACCESS_TOKEN.into());
    for (path, text) in files(&open).iter().chain(files(&sealed).iter()) {
        for needle in &forbidden {
            assert!(
                !text.contains(needle.as_str()),
                "{} holds {needle:?}",
                path.display()
            );
        }
    }
}

#[test]
fn a_recording_that_fails_is_reported_and_the_answer_still_relayed() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    let record = dir.path().join("recording");
    let served = serve(&data_dir);
    let mut proxy = start_proxy_with(&served, &data_dir, &["--record", record.to_str().unwrap()]);
    // The operation's folder cannot be made: a file is in its place.
    std::fs::write(record.join("inquireAPoint"), "in the way").unwrap();
    let inquiry = format!(r#"{{"accessToken":"{DEMO_ACCESS_TOKEN}"}}"#);
    let called = call(&proxy, &data_dir, "inquireAPoint", &inquiry, &[]);
    assert_eq!(called.output.status.code(), Some(0), "{}", called.stderr);
    let reported = deviations(&proxy);
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert_eq!(reported[0]["kind"], "record_failed");
    assert_eq!(reported[0]["tracerId"], called.tracer_id().as_str());
    let stderr = std::fs::read_to_string(&proxy.stderr).unwrap();
    assert!(
        stderr.contains("recording failed (1 so far), the answer was relayed"),
        "{stderr}"
    );
    // Another operation still records.
    let ok = call(&proxy, &data_dir, "redeemAPoint", &redeem("FAIL-1"), &[]);
    assert_eq!(ok.output.status.code(), Some(0), "{}", ok.stderr);
    assert!(record.join("redeemAPoint/0001-SUCCESS.yaml").exists());
    // Ctrl-C: the proxy says what it recorded.
    assert!(proxy.interrupt().success());
    let stderr = std::fs::read_to_string(&proxy.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "proxy: recorded 1 exchange(s) into {}, 1 failure(s)",
            record.display()
        )),
        "{stderr}"
    );
}

#[test]
fn mistakes_in_the_recording_flags_stop_the_proxy_before_it_listens() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    // The keys the proxy needs; no simulator has to run.
    let served = serve(&data_dir);
    drop(served);
    let keys = data_dir.join("keys");
    let record = dir.path().join("recording");
    let start = |extra: &[&str]| -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
            .args([
                "proxy",
                "--listen",
                "127.0.0.1:0",
                "--upstream",
                "http://127.0.0.1:9",
            ])
            .arg("--partner-public-key")
            .arg(keys.join("demo-partner-public.pem"))
            .arg("--upstream-public-key")
            .arg(keys.join("simulator-public.pem"))
            .arg("--report")
            .arg(dir.path().join("report.jsonl"))
            .args(["--record", record.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let bad_filter = start(&["--record-filter", "colour=red"]);
    assert!(
        bad_filter.contains("--record-filter") && bad_filter.contains("colour"),
        "{bad_filter}"
    );
    let no_key = start(&["--record-plaintext"]);
    assert!(no_key.contains("--partner-private-key"), "{no_key}");
    let inside = record.join("secrets.tsv");
    let shared = start(&["--record-secrets", inside.to_str().unwrap()]);
    assert!(shared.contains("inside the recording"), "{shared}");
    // A private key without --record-plaintext is a usage error (clap).
    let key = keys.join("demo-partner-private.pem");
    let unused = start(&["--partner-private-key", key.to_str().unwrap()]);
    assert!(unused.contains("--record-plaintext"), "{unused}");
}
