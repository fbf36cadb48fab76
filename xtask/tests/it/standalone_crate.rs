//! `cargo xtask codegen --spec FILE --out DIR --crate-name NAME` writes a crate that builds
//! on its own: the feature fixture generated into a folder outside the workspace, built
//! there by cargo (offline, with the workspace's lockfile for versions, and
//! `alipayhk-runtime` patched to this checkout's: it is not on crates.io yet).

use std::path::Path;
use std::process::Command;

fn run(command: &mut Command) -> String {
    let output = command.output().expect("the command starts");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{command:?} failed:\n{text}");
    text
}

#[test]
fn a_generated_crate_builds_outside_the_workspace() {
    let root = xtask::project_root().unwrap();
    let scratch = std::env::temp_dir().join(format!("alipayhk-standalone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("a scratch folder");
    let spec = root.join("generator/tests/fixtures/features.yaml");
    std::fs::copy(&spec, scratch.join("features.yaml")).expect("copy the spec");
    run(Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(&scratch)
        .args(["codegen", "--spec", "features.yaml", "--out", "widgets-api"]));
    let krate = scratch.join("widgets-api");
    for file in [
        "Cargo.toml",
        "README.md",
        "API.md",
        "src/lib.rs",
        "src/models.rs",
    ] {
        assert!(krate.join(file).is_file(), "{file} is written");
    }
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("manifest");
    assert!(manifest.contains("name = \"widgets-api\""), "{manifest}");
    assert!(
        manifest.contains("alipayhk-runtime = { version = \"0.1.0\", default-features = false }"),
        "by version, not by path: {manifest}"
    );
    // The same command again finds nothing to do, and --check agrees.
    let again = run(Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(&scratch)
        .args([
            "codegen",
            "--spec",
            "features.yaml",
            "--out",
            "widgets-api",
            "--check",
        ]));
    assert!(again.contains("up to date"), "{again}");

    std::fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock")).expect("the lockfile");
    let runtime = root.join("runtime");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("standalone-target");
    run(Command::new(env!("CARGO"))
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .args([
            "build",
            "--offline",
            "--quiet",
            "--config",
            &format!(
                "patch.crates-io.alipayhk-runtime.path={:?}",
                runtime.display().to_string()
            ),
        ]));
    assert!(
        target.join("debug/libwidgets_api.rlib").is_file(),
        "the library was built"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}
