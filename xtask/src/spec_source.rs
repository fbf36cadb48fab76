//! Where a spec comes from: a file, or a git revision of `spec/alipayhk.yaml`.

use std::path::Path;
use std::process::Command;

/// The spec's path inside the repository.
pub const SPEC_PATH: &str = "spec/alipayhk.yaml";

/// Reads `source`: an existing file; `REV:path`; or a git revision (`HEAD~1`, `main`, a tag),
/// meaning that revision's `spec/alipayhk.yaml`.
pub fn read(source: &str, repo: &Path) -> Result<String, String> {
    let as_file = Path::new(source);
    if as_file.is_file() {
        return std::fs::read_to_string(as_file).map_err(|e| format!("cannot read {source}: {e}"));
    }
    let object = if source.contains(':') {
        source.to_string()
    } else {
        format!("{source}:{SPEC_PATH}")
    };
    let output = Command::new("git")
        .args(["show", &object])
        .current_dir(repo)
        .output()
        .map_err(|e| format!("cannot run git to read {object}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{source}` is neither a file nor a git revision with {SPEC_PATH}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("{object} is not UTF-8"))
}
