//! The console in a real browser: Debian's headless Chromium driven by Playwright
//! (`simulator/tests/browser/console.mjs`). Sign in, see a call made with the generated client
//! appear with its Tracer-Id, open a failed call and read its diagnosis, add a scripted rule
//! in the page and see the next call answer it, live.
//!
//! Needs `node`, `/usr/bin/chromium` (or `$CHROMIUM`) and `npm ci` in `simulator/tests/browser`
//! (`.ci/run` does all three), so it is `#[ignore = "needs Chromium and Playwright"]`: run it
//! with `cargo test -- --include-ignored`, where a missing prerequisite is a failure.
//! `UPDATE_SCREENSHOTS=1` writes the screenshots to `docs/`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alipayhk_api::CallError;
use alipayhk_api::models::InquireAPointRequest;
use alipayhk_simulator::DEMO_ACCESS_TOKEN;

use crate::support::TestServer;

/// This crate's folder, from the test process's `CARGO_MANIFEST_DIR` (set by `cargo test`),
/// not the compile-time one: a test binary built in another checkout that shares this
/// `CARGO_TARGET_DIR` must use this checkout's files.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .expect("run by cargo test")
        .into()
}

fn browser_dir() -> PathBuf {
    manifest_dir().join("tests/browser")
}

/// Why the browser test cannot run here, if it cannot.
fn missing_prerequisite() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is missing (apt-get install chromium)"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is missing".into());
    }
    if !browser_dir().join("node_modules/playwright-core").exists() {
        return Some(
            "playwright-core is not installed (npm ci --prefix simulator/tests/browser)".into(),
        );
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and Playwright"]
async fn the_console_in_a_browser() {
    if let Some(missing) = missing_prerequisite() {
        panic!("needs Chromium and Playwright: {missing}");
    }
    let server = TestServer::start().await;
    let client = server.client();
    let ok = client
        .inquire_a_point(&InquireAPointRequest::new(DEMO_ACCESS_TOKEN))
        .await
        .unwrap();
    let ok_tracer = ok.tracer_id().unwrap().to_owned();
    let failed_tracer = crate::journal::call_signed_without_offset(&server).await;

    let shots = if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        manifest_dir().join("../docs")
    } else {
        let dir = crate::process::temp_dir("console-shots");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    };
    let mut browser = Command::new("node")
        .arg(browser_dir().join("console.mjs"))
        .arg(&server.admin.base)
        .arg(&server.admin.token)
        .arg(&ok_tracer)
        .arg(&failed_tracer)
        .arg(&shots)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let stdout = browser.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|line| line == "RULE_ADDED")
    });
    let rule_added = tokio::time::timeout(Duration::from_secs(90), lines).await;
    assert!(
        matches!(rule_added, Ok(Ok(Some(_)))),
        "the page never added the rule (see the browser: lines above)"
    );
    // The rule the page added answers the next call.
    match client
        .inquire_a_point(&InquireAPointRequest::new(DEMO_ACCESS_TOKEN))
        .await
    {
        Err(CallError::Failed { code, .. }) => assert_eq!(code.as_str(), "USER_NOT_EXIST"),
        other => panic!("the rule added in the page did not answer: {other:?}"),
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = browser.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = browser.kill();
            panic!("the browser script did not finish within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        status.success(),
        "the browser script failed (see the browser: lines above)"
    );
    for shot in [
        "console-requests.png",
        "console-diagnosis.png",
        "console-live.png",
    ] {
        assert!(shots.join(shot).exists(), "{shot} was not taken");
    }
}
