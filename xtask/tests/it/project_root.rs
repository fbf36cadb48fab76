//! `cargo xtask` works on the checkout it runs in, never on the one it was built in: two
//! checkouts sharing one `CARGO_TARGET_DIR` share the xtask binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A minimal second checkout in a fresh temporary folder: a workspace manifest, an xtask
/// manifest and a spec (`member.yaml`, so that it differs from `base.yaml`).
fn other_checkout() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "xtask-other-checkout-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("xtask")).unwrap();
    std::fs::create_dir_all(dir.join("spec/nested")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"xtask\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("xtask/Cargo.toml"),
        "[package]\nname = \"xtask\"\n",
    )
    .unwrap();
    std::fs::copy(
        crate::fixture("member.yaml"),
        dir.join("spec/alipayhk.yaml"),
    )
    .unwrap();
    dir
}

fn xtask(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

#[test]
fn commands_read_the_checkout_around_the_current_directory() {
    let other = other_checkout();
    let base = crate::fixture("base.yaml").display().to_string();
    let other_spec = other.join("spec/alipayhk.yaml").display().to_string();
    // spec-diff's NEW defaults to the checkout's spec: from a folder inside the other
    // checkout, that is the other checkout's spec, exactly as if it were named.
    let implicit = xtask(&other.join("spec/nested"), &["spec-diff", &base]);
    let explicit = xtask(&other, &["spec-diff", &base, &other_spec]);
    assert!(implicit.status.success(), "{implicit:?}");
    let implicit = String::from_utf8(implicit.stdout).unwrap();
    assert_eq!(implicit, String::from_utf8(explicit.stdout).unwrap());
    assert!(implicit.contains(&other_spec), "{implicit}");
    // codegen looks for the other checkout's files (it has no generated/ manifest tail).
    let codegen = xtask(&other, &["codegen", "--check"]);
    assert!(!codegen.status.success());
    let stderr = String::from_utf8(codegen.stderr).unwrap();
    assert!(stderr.contains(&other.display().to_string()), "{stderr}");
    let _ = std::fs::remove_dir_all(&other);
}

#[test]
fn outside_any_checkout_is_a_clear_error() {
    let outside = std::env::temp_dir();
    assert_eq!(xtask::root_above(&outside), None);
    let run = xtask(&outside, &["codegen", "--check"]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(stderr.contains("not inside this repository"), "{stderr}");
}

#[test]
fn each_command_has_its_own_help() {
    let root = xtask::project_root().unwrap();
    for command in [
        &["codegen", "--help"][..],
        &["bench", "codegen", "--help"],
        &["bench", "conformance", "--help"],
        &["bench", "corpus", "--help"],
        &["spec-diff", "--help"],
        &["doc-drift", "--help"],
    ] {
        let run = xtask(&root, command);
        assert!(run.status.success(), "{command:?}: {run:?}");
        let help = String::from_utf8(run.stdout).unwrap();
        let usage = format!(
            "Usage: cargo xtask {}",
            command[..command.len() - 1].join(" ")
        );
        assert!(help.contains(&usage), "{command:?}: {help}");
    }
    let unknown = xtask(&root, &["codegen", "--no-such-flag"]);
    assert_eq!(unknown.status.code(), Some(2));
}
