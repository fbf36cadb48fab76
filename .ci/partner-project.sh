#!/usr/bin/env bash
# A partner's scratch project outside this repository, on the packaged crates: unpacks
# alipayhk-runtime and alipayhk-api from the `.crate` files `cargo package` wrote, builds
# .ci/partner/main.rs against them (nothing from the workspace but those two packages),
# starts `alipayhk serve` and runs the program against it.
#
#   .ci/partner-project.sh        (after `cargo package --workspace` and `cargo build -p alipayhk-cli`)
#
# ALIPAYHK_PACKAGE_DIR: where the .crate files are (default: the target folder's package/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for crate in alipayhk-runtime alipayhk-api; do
  tar -xzf "${ALIPAYHK_PACKAGE_DIR:-$target/package}/$crate-$version.crate" -C "$work"
done
mkdir -p "$work/partner/src"
cp "$root/.ci/partner/main.rs" "$work/partner/src/main.rs"
cat > "$work/partner/Cargo.toml" <<TOML
[package]
name = "partner"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
alipayhk-api = { path = "../alipayhk-api-$version", default-features = false, features = ["client"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

# alipayhk-api asks for alipayhk-runtime by version (its packaged manifest has no path):
# the unpacked package stands in for the registry.
[patch.crates-io]
alipayhk-runtime = { path = "../alipayhk-runtime-$version" }
TOML
cp "$root/Cargo.lock" "$work/partner/Cargo.lock"
# The same target folder as the standalone-crate test: the dependencies are built once.
CARGO_TARGET_DIR="$target/tmp/standalone-target" cargo build --offline --quiet \
  --manifest-path "$work/partner/Cargo.toml"

data="$work/simulator"
"$target/debug/alipayhk" serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --in-memory --data-dir "$data" --log warn >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  [ -s "$data/client-config.toml" ] && grep -q "Ctrl-C" "$work/serve.log" && break
  sleep 0.1
done
if ! [ -s "$data/client-config.toml" ]; then
  echo "the simulator did not start:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
"$target/tmp/standalone-target/debug/partner" "$data/client-config.toml"
echo "the partner project on the packaged crates called the simulator"
