"""Fails when a locked dependency needs a newer Rust than the workspace's `rust-version`.

The declared minimum is the newest `rust-version` among the dependencies in Cargo.lock
(this machine has one toolchain, so no older compiler can try it); the code's own use of
the standard library is held to it by clippy's `incompatible_msrv` lint, and its language
features (let chains: 1.88) are below it. See ARCHITECTURE.md, "Shipping".
"""

import json
import subprocess
import sys
import tomllib


def version(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


with open("Cargo.toml", "rb") as manifest:
    declared = tomllib.load(manifest)["workspace"]["package"]["rust-version"]
metadata = json.loads(
    subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--locked"])
)
members = set(metadata["workspace_members"])
needs = sorted(
    (
        (p["rust_version"], p["name"], p["version"])
        for p in metadata["packages"]
        if p.get("rust_version") and p["id"] not in members
    ),
    key=lambda row: version(row[0]),
)
newer = [row for row in needs if version(row[0]) > version(declared)]
if newer:
    for rust, name, ver in newer:
        print(f"{name} {ver} needs Rust {rust}, above the declared rust-version {declared}", file=sys.stderr)
    sys.exit(1)
top = needs[-1] if needs else ("(none)", "", "")
print(f"rust-version {declared}: no locked dependency needs more (the newest: {top[1]} {top[2]} needs {top[0]})")
