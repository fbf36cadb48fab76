//! `alipayhk serve` as a partner runs it: the banner, SIGTERM, state across SIGKILL, and
//! configuration errors.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;

use crate::support::{DEMO_USER, Served, serve};

/// One admin request over a plain HTTP/1.1 connection; returns the response body.
fn admin(served: &Served, data_dir: &Path, method: &str, path: &str, body: &str) -> String {
    let token = std::fs::read_to_string(data_dir.join("admin-token")).expect("admin token file");
    let mut stream = TcpStream::connect(served.admin).expect("admin API listens");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        token.trim(),
        body.len()
    )
    .expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn serve_prints_keys_and_client_config_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("sim");
    let mut served = serve(&data_dir);
    assert!(
        served
            .banner
            .contains("client_id = \"DEMO0000PARTNER0001\""),
        "{}",
        served.banner
    );
    assert!(
        served.banner.contains("demo-partner-private.pem"),
        "{}",
        served.banner
    );
    assert!(data_dir.join("keys/simulator-public.pem").exists());
    assert!(data_dir.join("client-config.toml").exists());
    let pid = served.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs")
            .success()
    );
    let status = served.child.wait().expect("alipayhk exits");
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn serve_keeps_state_across_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("sim");
    let mut served = serve(&data_dir);
    let user = admin(
        &served,
        &data_dir,
        "PUT",
        &format!("/admin/users/{DEMO_USER}/balance"),
        r#"{"balance":777}"#,
    );
    assert!(user.contains("\"balance\":777"), "{user}");
    served.child.kill().expect("SIGKILL");
    served.child.wait().expect("reaped");
    drop(served);

    let restarted = serve(&data_dir);
    let user = admin(
        &restarted,
        &data_dir,
        "GET",
        &format!("/admin/users/{DEMO_USER}"),
        "",
    );
    assert!(user.contains("\"balance\":777"), "{user}");
}

#[test]
fn bad_config_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("sim.toml");
    std::fs::write(&config, "lisen = \"127.0.0.1:1\"\n").expect("config written");
    let output = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .expect("alipayhk runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("lisen") && stderr.contains("sim.toml"),
        "{stderr}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .args(["serve", "--admin-listen", "0.0.0.0:9"])
        .output()
        .expect("alipayhk runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback"));
}
