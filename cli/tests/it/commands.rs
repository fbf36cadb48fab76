//! The `alipayhk` binary, run as a partner would, against the runtime's openssl vectors.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::support;

const ISSUE_PATH: &str = "/api/open/alipay/v1/promotion/benefit/issue";
const ISSUE_TIME: &str = "2026-11-21T23:14:04+00:00";
const CLIENT: &str = "TEST_CLIENT_01";

fn vector(name: &str) -> PathBuf {
    support::manifest_dir()
        .join("../runtime/tests/vectors")
        .join(name)
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_alipayhk"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    // The binary may exit before reading stdin (e.g. a missing key file): a broken pipe
    // here is expected then, and the exit status tells the story.
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    child.wait_with_output().expect("binary finishes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn sign_issue(key: &str) -> Output {
    let key = vector(key);
    run(
        &[
            "sign",
            "--private-key",
            key.to_str().expect("utf-8 path"),
            "--client-id",
            CLIENT,
            "--request-time",
            ISSUE_TIME,
            "--path",
            ISSUE_PATH,
        ],
        &std::fs::read(vector("issue.body")).expect("vector"),
    )
}

fn verify_issue(public_key: &str, signature: &str, body: &[u8]) -> Output {
    let key = vector(public_key);
    run(
        &[
            "verify",
            "--public-key",
            key.to_str().expect("utf-8 path"),
            "--client-id",
            CLIENT,
            "--time",
            ISSUE_TIME,
            "--path",
            ISSUE_PATH,
            "--signature",
            signature,
        ],
        body,
    )
}

#[test]
fn sign_prints_the_openssl_signature_as_the_last_stdout_line_and_the_content_on_stderr() {
    let out = sign_issue("test_key_pkcs1.pem");
    assert!(out.status.success());
    let openssl = std::fs::read_to_string(vector("issue.sig.b64")).expect("vector");
    let expected = format!(
        "algorithm=RSA256,keyVersion=1,signature={}",
        openssl
            .trim()
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    assert_eq!(stdout(&out).lines().last(), Some(expected.as_str()));
    let content = std::fs::read(vector("issue.content")).expect("vector");
    let stderr = out.stderr;
    assert!(
        stderr.windows(content.len()).any(|w| w == content),
        "stderr shows the exact content"
    );
}

#[test]
fn verify_accepts_a_good_signature() {
    let sig = stdout(&sign_issue("test_key_pkcs8.pem"));
    let body = std::fs::read(vector("issue.body")).expect("vector");
    let out = verify_issue("test_pub_spki.pem", sig.trim(), &body);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("OK"));
}

#[test]
fn verify_says_the_content_differs_and_spots_an_extra_newline() {
    let sig = stdout(&sign_issue("test_key_pkcs8.pem"));
    let mut body = std::fs::read(vector("issue.body")).expect("vector");
    body.push(b'\n');
    let out = verify_issue("test_pub_spki.pem", sig.trim(), &body);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FAIL (content)"), "{text}");
    assert!(text.contains("without its trailing newline"), "{text}");
}

#[test]
fn verify_says_when_the_key_is_wrong() {
    let sig = stdout(&sign_issue("test_key_pkcs8.pem"));
    let body = std::fs::read(vector("issue.body")).expect("vector");
    let out = verify_issue("other_test_pub_spki.pem", sig.trim(), &body);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("FAIL (key)"), "{}", stdout(&out));
}

#[test]
fn verify_says_when_the_header_does_not_decode() {
    let out = verify_issue(
        "test_pub_spki.pem",
        "algorithm=RSA256,signature=%%zz",
        b"{}",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("FAIL (header decode)"));
    let out = verify_issue(
        "test_pub_spki.pem",
        "algorithm=ECC224,signature=AAAA",
        b"{}",
    );
    assert!(stdout(&out).contains("not supported: no public definition"));
}

#[test]
fn a_missing_key_file_is_a_usage_error_naming_the_file() {
    let out = verify_issue("no_such_key.pem", "algorithm=RSA256,signature=AA", b"{}");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_key.pem"));
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_can_read_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().to_str().expect("utf-8");
    let args = ["keygen", "--out", out_dir, "--name", "partner"];
    let out = run(&args, b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let private = dir.path().join("partner_private.pem");
    let public = dir.path().join("partner_public.pem");
    let pem = std::fs::read_to_string(&private).expect("written");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(
        std::fs::read_to_string(&public)
            .expect("written")
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // One pair (openssl agrees too, in `keygen_writes_a_pair_that_openssl_reads_as_one`).
    let key = alipayhk_runtime::keys::PrivateKey::from_file(&private).expect("the key loads");
    assert_eq!(
        key.public_key().to_spki_pem(),
        std::fs::read_to_string(&public).expect("written")
    );
    let again = run(&args, b"");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&private).expect("kept"), pem);

    let forced = run(
        &["keygen", "--out", out_dir, "--name", "partner", "--force"],
        b"",
    );
    assert!(forced.status.success());
    assert_ne!(std::fs::read_to_string(&private).expect("replaced"), pem);
}

#[test]
#[ignore = "needs openssl (.ci/run installs it)"]
fn keygen_writes_a_pair_that_openssl_reads_as_one() {
    support::require("openssl", "version");
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().to_str().expect("utf-8");
    let out = run(&["keygen", "--out", out_dir, "--name", "partner"], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let private = dir.path().join("partner_private.pem");
    let public = dir.path().join("partner_public.pem");
    // openssl agrees the files are a matching RSA-2048 pair.
    let o = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&private)
        .output()
        .expect("openssl runs");
    assert!(o.status.success(), "openssl reads the key: {o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        std::fs::read_to_string(&public).expect("written")
    );
}

#[test]
fn version_names_the_toolkit_the_spec_and_the_generator_it_was_built_from() {
    let out = run(&["--version"], b"");
    assert!(out.status.success());
    let text = stdout(&out);
    let expected = format!(
        "alipayhk {} (spec {} sha256 {}, generator {})",
        env!("CARGO_PKG_VERSION"),
        alipayhk_api::SPEC_VERSION,
        alipayhk_api::SPEC_SHA256,
        alipayhk_api::GENERATOR_VERSION
    );
    assert_eq!(text.trim(), expected);
    // The hash is the generated crate's own record of its spec (each file's header).
    let header = std::fs::read_to_string(support::manifest_dir().join("../generated/src/lib.rs"))
        .expect("generated/src/lib.rs");
    assert!(
        header.contains(&format!(
            "spec-sha256: {} generator: {}",
            alipayhk_api::SPEC_SHA256,
            alipayhk_api::GENERATOR_VERSION
        )),
        "the constants agree with the header"
    );
}
