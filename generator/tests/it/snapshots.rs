//! Snapshots of the generator's whole output for the fixture specs and the real spec.
//! Review every changed snapshot: one that bakes in a wrong value is a bug.

use alipayhk_generator::generate;

fn fixture(name: &str) -> String {
    crate::read(&format!("tests/fixtures/{name}"))
}

fn snapshot_all(prefix: &str, yaml: &str, spec_path: &str) {
    let files = generate(yaml, spec_path).unwrap_or_else(|e| panic!("{e}"));
    for file in files {
        let name = format!("{prefix}__{}", file.path.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, file.contents);
    }
}

#[test]
fn features_fixture() {
    snapshot_all(
        "features",
        &fixture("features.yaml"),
        "tests/fixtures/features.yaml",
    );
}

#[test]
fn real_spec_operation_table_and_codes() {
    let files =
        generate(&crate::real_spec(), "spec/alipayhk.yaml").unwrap_or_else(|e| panic!("{e}"));
    for path in ["src/spec.rs", "src/result_codes.rs"] {
        let file = files
            .iter()
            .find(|f| f.path == path)
            .expect("file generated");
        // The stamp line changes with any byte of the spec (even a comment); `codegen --check`
        // covers it, so the snapshot shows only what callers see.
        let contents: String = file
            .contents
            .lines()
            .map(|line| {
                if line.starts_with("// spec-sha256: ") {
                    "// spec-sha256: [redacted]"
                } else {
                    line
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        insta::assert_snapshot!(format!("real__{}", path.replace(['/', '.'], "_")), contents);
    }
}
