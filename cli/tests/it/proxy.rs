//! `alipayhk proxy` in front of `alipayhk serve`, with `alipayhk call` as the partner's
//! client: bytes pass unchanged, and every scripted deviation is reported on stderr and in
//! the JSON lines file.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::support::{DEMO_USER, Served, admin, serve};

const DEMO_TOKEN: &str = "281001133486932346851012000aKLpNuDBB";

pub(crate) struct Proxy {
    child: Child,
    pub(crate) address: SocketAddr,
    /// `http` or `https`.
    scheme: String,
    pub(crate) report: PathBuf,
    /// What the proxy printed on stderr.
    pub(crate) stderr: PathBuf,
    /// The banner.
    pub(crate) banner: String,
    /// Kept open: a closed pipe would fail the proxy's writes to stdout.
    _stdout: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proxy {
    /// Ctrl-C, as a user stops it; waits for the exit.
    pub(crate) fn interrupt(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status();
        assert!(sent.expect("kill runs").success());
        self.child.wait().expect("the proxy exits")
    }
}

fn start_proxy(served: &Served, data_dir: &Path) -> Proxy {
    start_proxy_with(served, data_dir, &[])
}

pub(crate) fn start_proxy_with(served: &Served, data_dir: &Path, extra: &[&str]) -> Proxy {
    let report = data_dir.join("deviations.jsonl");
    let stderr = data_dir.join("proxy-stderr.txt");
    let keys = data_dir.join("keys");
    let mut child = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .args(["proxy", "--listen", "127.0.0.1:0"])
        .args(["--upstream", &format!("http://{}", served.api)])
        .arg("--partner-public-key")
        .arg(keys.join("demo-partner-public.pem"))
        .arg("--upstream-public-key")
        .arg(keys.join("simulator-public.pem"))
        .arg("--report")
        .arg(&report)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).expect("stderr file"))
        .spawn()
        .expect("alipayhk proxy starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut address = None;
    let mut scheme = String::new();
    let mut banner = String::new();
    // The banner ends with the Ctrl-C hint.
    for _ in 0..30 {
        let Some(Ok(line)) = lines.next() else { break };
        banner.push_str(&line);
        banner.push('\n');
        if let Some((found, rest)) = line
            .trim()
            .strip_prefix("listening: ")
            .and_then(|l| l.split_once("://"))
        {
            scheme = found.to_owned();
            address = rest.parse().ok();
        }
        if line.contains("Ctrl-C") {
            break;
        }
    }
    Proxy {
        child,
        address: address.expect("the proxy prints where it listens"),
        scheme,
        report,
        stderr,
        banner,
        _stdout: lines,
    }
}

pub(crate) fn call_through(
    proxy: &Proxy,
    data_dir: &Path,
    operation: &str,
    body: &str,
    extra: &[&str],
) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .args(["call", operation, "--data", body])
        .arg("--config")
        .arg(data_dir.join("client-config.toml"))
        .args([
            "--base-url",
            &format!("{}://{}", proxy.scheme, proxy.address),
        ])
        .args(extra)
        .output()
        .expect("alipayhk call runs")
}

/// The report's lines as JSON.
pub(crate) fn deviations(proxy: &Proxy) -> Vec<serde_json::Value> {
    std::fs::read_to_string(&proxy.report)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

fn kinds(found: &[serde_json::Value]) -> Vec<String> {
    found
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["direction"].as_str().unwrap(),
                d["kind"].as_str().unwrap()
            )
        })
        .collect()
}

pub(crate) fn rule(served: &Served, data_dir: &Path, rule: &str) {
    let (status, body) = admin(served, data_dir, "POST", "/admin/rules", rule);
    assert_eq!(status, 201, "{body}");
}

pub(crate) fn redeem(biz_no: &str) -> String {
    format!(
        r#"{{"benefitProductCode":"POINT","bizNo":"{biz_no}","bizdt":"1716360141000","ipRoleId":"{DEMO_USER}","sceneCode":"OFFLINE_REDEEM","benefitRedeemInfos":[{{"amount":1}}]}}"#
    )
}

#[test]
fn clean_traffic_passes_unchanged_and_reports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    let served = serve(&data_dir);
    let proxy = start_proxy(&served, &data_dir);
    let inquiry = format!(r#"{{"accessToken":"{DEMO_TOKEN}"}}"#);
    // The client verifies the upstream's signature through the proxy: bytes unchanged.
    let out = call_through(&proxy, &data_dir, "inquireAPoint", &inquiry, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = call_through(
        &proxy,
        &data_dir,
        "redeemAPoint",
        &redeem("PROXY-OK-1"),
        &["--encrypt"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A documented F is no deviation.
    let out = call_through(
        &proxy,
        &data_dir,
        "inquireAPoint",
        r#"{"accessToken":"unknown"}"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(kinds(&deviations(&proxy)), Vec::<String>::new());
}

#[test]
fn scripted_deviations_are_each_reported() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    let served = serve(&data_dir);
    let proxy = start_proxy(&served, &data_dir);
    let cases: [(&str, &str); 4] = [
        (
            r#"{"operation":"redeemAPoint","code":"BRAND_NEW_CODE","status":"F","times":1}"#,
            "response undocumented_code",
        ),
        (
            r#"{"operation":"redeemAPoint","code":"POINT_NOT_ENOUGH","status":"S","times":1}"#,
            "response wrong_status",
        ),
        (
            r#"{"operation":"redeemAPoint","fault":"stale_response_time","times":1}"#,
            "response stale_time",
        ),
        (
            r#"{"operation":"redeemAPoint","fault":"unsigned","times":1}"#,
            "response missing_header",
        ),
    ];
    for (index, (scripted, expected)) in cases.iter().enumerate() {
        rule(&served, &data_dir, scripted);
        let before = deviations(&proxy).len();
        let out = call_through(
            &proxy,
            &data_dir,
            "redeemAPoint",
            &redeem(&format!("PROXY-D-{index}")),
            &[],
        );
        assert_ne!(out.status.code(), Some(0), "{scripted}");
        let new = kinds(&deviations(&proxy)[before..]);
        assert!(new.contains(&expected.to_string()), "{scripted}: {new:?}");
    }
    let found = deviations(&proxy);
    assert!(found.iter().all(|d| d["operation"] == "redeemAPoint"));
    assert!(
        found[0]["detail"]
            .as_str()
            .unwrap()
            .contains("BRAND_NEW_CODE")
    );
    assert!(found[0]["tracerId"].is_string());

    // The partner's own mistakes: a body that breaks the spec, a signature by another key.
    let before = deviations(&proxy).len();
    let bad = r#"{"benefitProductCode":"POINT","bizNo":"PROXY-BAD","bizdt":"1","ipRoleId":"9990","sceneCode":"S","benefitRedeemInfos":[{"amount":1}]}"#;
    call_through(&proxy, &data_dir, "redeemAPoint", bad, &["--no-validate"]);
    let keys = data_dir.join("keys");
    let wrong_key = keys.join("simulator-private.pem");
    let inquiry = format!(r#"{{"accessToken":"{DEMO_TOKEN}"}}"#);
    call_through(
        &proxy,
        &data_dir,
        "inquireAPoint",
        &inquiry,
        &["--private-key", wrong_key.to_str().unwrap()],
    );
    // A field the spec does not know, sent anyway.
    let extra = format!(r#"{{"accessToken":"{DEMO_TOKEN}","deviceId":"D-1"}}"#);
    call_through(
        &proxy,
        &data_dir,
        "inquireAPoint",
        &extra,
        &["--no-validate"],
    );
    let new = kinds(&deviations(&proxy)[before..]);
    assert!(new.contains(&"request body".to_string()), "{new:?}");
    assert!(
        new.contains(&"request undocumented_field".to_string()),
        "{new:?}"
    );
    assert!(
        new.contains(&"request bad_signature".to_string()),
        "{new:?}"
    );
}

#[test]
fn the_proxy_serves_https_with_a_local_ca_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    let tls_dir = dir.path().join("proxy-tls");
    let served = serve(&data_dir);
    let proxy = start_proxy_with(
        &served,
        &data_dir,
        &["--tls", "--tls-dir", tls_dir.to_str().unwrap()],
    );
    assert_eq!(proxy.scheme, "https");
    let ca = tls_dir.join("ca.pem");
    assert!(ca.exists(), "the CA is written on first start");
    let inquiry = format!(r#"{{"accessToken":"{DEMO_TOKEN}"}}"#);
    let out = call_through(
        &proxy,
        &data_dir,
        "inquireAPoint",
        &inquiry,
        &["--root-certificate", ca.to_str().unwrap()],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without the proxy's CA, the client refuses the certificate: nothing is sent.
    let out = call_through(&proxy, &data_dir, "inquireAPoint", &inquiry, &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an untrusted certificate is a local error: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(kinds(&deviations(&proxy)), Vec::<String>::new());
}
