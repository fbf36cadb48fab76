//! `alipayhk serve --tls` as a partner runs it: the banner names the local CA and prints a
//! `curl --cacert` line that works as printed, over h2, every time (running it needs curl).

use std::path::Path;
use std::process::Command;

use crate::support::{self, Served};

/// `alipayhk serve --tls` in a fresh data folder, and the `curl --cacert` line of its
/// banner, which must name the served address and the local CA.
fn served_with_curl_line(data_dir: &Path) -> (Served, String) {
    let served = support::serve_with(data_dir, &["--tls"]);
    assert!(
        served.banner.contains(&format!("https://{}", served.api)),
        "{}",
        served.banner
    );
    let ca = data_dir.join("tls/ca.pem");
    assert!(
        served.banner.contains(&ca.display().to_string()),
        "{}",
        served.banner
    );
    let curl = served
        .banner
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("curl --cacert"))
        .unwrap_or_else(|| panic!("no curl line:\n{}", served.banner))
        .to_string();
    (served, curl)
}

#[test]
fn the_banner_names_the_local_ca_and_prints_a_curl_line() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    let (served, curl) = served_with_curl_line(&data_dir);
    assert!(
        curl.contains(&data_dir.join("tls/ca.pem").display().to_string()),
        "{curl}"
    );
    assert!(curl.contains(&format!("https://{}", served.api)), "{curl}");
}

#[test]
#[ignore = "needs curl (.ci/run installs it)"]
fn the_banners_curl_line_gets_a_signed_answer_over_h2_every_time() {
    support::require("curl", "--version");
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("sim");
    let (_served, curl) = served_with_curl_line(&data_dir);
    // The request is refused on its head (unsigned), so its body is never read: over h2
    // that reset the stream before the answer arrived (19 runs in 20 failed with curl's
    // "Stream error in the HTTP/2 framing layer").
    for attempt in 0..20 {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("{curl} -sS --http2"))
            .output()
            .expect("sh runs");
        let answer = String::from_utf8_lossy(&out.stdout);
        assert!(
            answer.starts_with("HTTP/2 200"),
            "attempt {attempt}: {answer}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(answer.contains("INVALID_HEADER"), "{answer}");
    }
}
