//! `alipayhk conformance` against `alipayhk serve`, both as a partner runs them.

mod support;

use std::process::Command;

use support::serve;

fn conformance(
    served: &support::Served,
    data_dir: &std::path::Path,
    server_key: &str,
) -> (std::process::Output, std::path::PathBuf) {
    let report_dir = data_dir.join("report");
    let token = std::fs::read_to_string(data_dir.join("admin-token")).expect("admin token");
    let output = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .arg("conformance")
        .args(["--base-url", &format!("http://{}", served.api)])
        .args(["--client-id", "DEMO0000PARTNER0001"])
        .arg("--private-key")
        .arg(data_dir.join("keys/demo-partner-private.pem"))
        .arg("--server-public-key")
        .arg(data_dir.join("keys").join(server_key))
        .args(["--admin-url", &format!("http://{}", served.admin)])
        .args(["--admin-token", token.trim()])
        .arg("--report-dir")
        .arg(&report_dir)
        .output()
        .expect("alipayhk conformance runs");
    (output, report_dir)
}

#[test]
fn the_simulator_passes_every_case_and_the_reports_are_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("sim");
    let served = serve(&data_dir);
    let (output, report_dir) = conformance(&served, &data_dir, "simulator-public.pem");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed, 0 skipped"), "{stdout}");
    let junit = std::fs::read_to_string(report_dir.join("junit.xml")).expect("junit.xml");
    assert!(junit.contains("failures=\"0\""), "{junit}");
    let html = std::fs::read_to_string(report_dir.join("report.html")).expect("report.html");
    assert!(html.contains("<html"), "report.html is HTML");
}

#[test]
fn trusting_the_wrong_server_key_fails_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("sim");
    let served = serve(&data_dir);
    // The partner's own public key cannot verify the simulator's signatures.
    let (output, report_dir) = conformance(&served, &data_dir, "demo-partner-public.pem");
    assert!(!output.status.success(), "a failing suite exits non-zero");
    let junit = std::fs::read_to_string(report_dir.join("junit.xml")).expect("junit.xml");
    assert!(!junit.contains("failures=\"0\""), "{junit}");
    let html = std::fs::read_to_string(report_dir.join("report.html")).expect("report.html");
    assert!(
        html.contains("Signature"),
        "the report names the signature problem"
    );
}
