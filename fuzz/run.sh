#!/usr/bin/env bash
# Coverage-guided fuzzing with cargo-fuzz / libFuzzer (see fuzz/README.md).
#
#   fuzz/run.sh [--smoke] [SECONDS] [TARGET...]
#
# Builds the targets with `cargo +nightly fuzz build`, then runs each for SECONDS
# (default 60; 20 with --smoke) in one process, keeping corpora in fuzz/corpus/<target>
# (gitignored, seeded here on first use). Prints per target the executions and whether a
# crash artifact was written (fuzz/artifacts/<target>/); exits non-zero if any target
# crashed or failed to build. Without a nightly toolchain it prints a message and exits 0,
# so CI machines without nightly skip it.
set -uo pipefail
cd "$(dirname "$0")"

ALL_TARGETS=(signature_header encrypt_header request_time key_load request_models server_layer generator_spec)

seconds=""
targets=()
smoke=0
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1 ;;
    -h | --help)
      sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *[!0-9]*) targets+=("$arg") ;;
    *) seconds="$arg" ;;
  esac
done
if [ -z "$seconds" ]; then
  if [ "$smoke" = 1 ]; then seconds=20; else seconds=60; fi
fi
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
  if [ ! -f "fuzz_targets/$t.rs" ]; then
    echo "unknown fuzz target: $t (known: ${ALL_TARGETS[*]})" >&2
    exit 2
  fi
done

if ! command -v rustup >/dev/null 2>&1 || ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "no nightly toolchain: fuzz smoke skipped"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked || {
    echo "cannot install cargo-fuzz" >&2
    exit 1
  }
fi

# ---------------------------------------------------------------- seed corpora
# Generated, never committed: a few valid values per target so libFuzzer starts from
# the interesting shapes. Existing corpora are kept (and grow run after run).
seed() { # seed TARGET NAME CONTENT (backslash escapes such as \x00 and \n are expanded)
  mkdir -p "corpus/$1"
  [ -e "corpus/$1/seed-$2" ] || printf '%b' "$3" >"corpus/$1/seed-$2"
}
seed_file() { # seed_file TARGET NAME FILE
  mkdir -p "corpus/$1"
  [ -e "corpus/$1/seed-$2" ] || cp "$3" "corpus/$1/seed-$2"
}
seed_corpora() {
  seed signature_header canonical 'algorithm=RSA256,keyVersion=1,signature=%2B%2F%2F%2B'
  seed signature_header loose 'signature=%2b%2f%2f%2b, keyVersion=2, algorithm=rsa256'
  seed signature_header raw 'algorithm=RSA256,signature=+//+'
  seed signature_header ecc 'algorithm=ecc224,signature=AAAA,'
  # encrypt_header: first byte even = header text, odd = seal/open of the rest.
  seed encrypt_header canonical '\x00algorithm=RSA_AES,keyVersion=1,symmetricKey=%2B%2F%3D%3D'
  seed encrypt_header old '\x02algorithm=RSA, symmetricKey=AAAA'
  seed encrypt_header seal '\x03{"accessToken":"281001133486932346851012000aKLpNuDBB"}\x07\x01'
  # request_time: arbitrary's layout is delta (i32), window (u32), then the text.
  seed request_time utc '\x2c\x01\x00\x00\x2c\x01\x00\x002024-05-22T06:42:21+00:00'
  seed request_time z '\x00\x00\x00\x00\x00\x00\x00\x002023-12-18T02:33:31Z'
  seed request_time fraction '\xff\xff\xff\xff\x10\x00\x00\x002024-12-11T10:33:41.123+08:00'
  seed request_time edge '\x01\x00\x00\x00\x00\x00\x00\x009999-12-31T23:59:59+00:00'
  # request_models: first byte picks the operation (spec order), then the spec's example.
  local i=0 example
  while IFS= read -r example; do
    mkdir -p corpus/request_models
    [ -e "corpus/request_models/seed-example-$i" ] ||
      printf "\\x0$i%s" "$example" >"corpus/request_models/seed-example-$i"
    i=$((i + 1))
  done < <(sed -n 's/^ *request_example: "\(.*\)",$/\1/p' ../generated/src/spec.rs | sed 's/\\"/"/g; s/\\\\/\\/g')
  # key_load: real keys in every accepted format, and a too-small one (needs openssl).
  if command -v openssl >/dev/null 2>&1 && [ ! -e corpus/key_load/seed-pkcs8.pem ]; then
    local tmp
    tmp=$(mktemp -d)
    if openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/k.pem" 2>/dev/null; then
      seed_file key_load pkcs8.pem "$tmp/k.pem"
      openssl pkey -in "$tmp/k.pem" -outform DER -out "$tmp/k.der" 2>/dev/null && seed_file key_load pkcs8.der "$tmp/k.der"
      openssl rsa -in "$tmp/k.pem" -traditional -out "$tmp/k1.pem" 2>/dev/null && seed_file key_load pkcs1.pem "$tmp/k1.pem"
      openssl pkey -in "$tmp/k.pem" -pubout -out "$tmp/p.pem" 2>/dev/null && seed_file key_load spki.pem "$tmp/p.pem"
      openssl pkey -in "$tmp/k.pem" -pubout -outform DER -out "$tmp/p.der" 2>/dev/null && seed_file key_load spki.der "$tmp/p.der"
      openssl rsa -in "$tmp/k.pem" -RSAPublicKey_out -out "$tmp/p1.pem" 2>/dev/null && seed_file key_load pkcs1-public.pem "$tmp/p1.pem"
      grep -v -- '-----' "$tmp/p.pem" | tr -d '\n' >"$tmp/p.b64" && seed_file key_load spki.b64 "$tmp/p.b64"
    fi
    if openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/small.pem" 2>/dev/null; then
      seed_file key_load small.pem "$tmp/small.pem"
    fi
    rm -rf "$tmp"
  fi
  seed key_load encrypted '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n'
  seed key_load base64 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'
  # server_layer: structured (arbitrary) input; the target builds spec examples itself.
  mkdir -p corpus/server_layer
  # generator_spec: byte 0 = a whole spec (the real one, the feature fixture); byte 1 = a map
  # of component schemas (the fixture's, as JSON).
  mkdir -p corpus/generator_spec
  [ -e corpus/generator_spec/seed-real ] || { printf '\x00'; cat ../spec/alipayhk.yaml; } >corpus/generator_spec/seed-real
  [ -e corpus/generator_spec/seed-features ] ||
    { printf '\x00'; cat ../generator/tests/fixtures/features.yaml; } >corpus/generator_spec/seed-features
  [ -e corpus/generator_spec/seed-names ] ||
    { printf '\x00'; cat ../generator/tests/fixtures/names.yaml; } >corpus/generator_spec/seed-names
  if command -v python3 >/dev/null 2>&1 && [ ! -e corpus/generator_spec/seed-schemas ]; then
    python3 - ../generator/tests/fixtures/features.yaml corpus/generator_spec/seed-schemas <<'PY' || true
import json, sys
try:
    import yaml
except ImportError:
    sys.exit(0)
spec = yaml.safe_load(open(sys.argv[1]))
open(sys.argv[2], "wb").write(b"\x01" + json.dumps(spec["components"]["schemas"]).encode())
PY
  fi
}

dict_for() {
  case "$1" in
    signature_header | encrypt_header) echo "-dict=dict/headers.dict" ;;
    request_time) echo "-dict=dict/time.dict" ;;
    generator_spec) echo "-dict=dict/schema.dict" ;;
  esac
}

# ---------------------------------------------------------------- build
echo "==> building fuzz targets: ${targets[*]}"
for t in "${targets[@]}"; do
  if ! cargo +nightly fuzz build "$t"; then
    echo "build of fuzz target $t failed" >&2
    exit 1
  fi
done
seed_corpora

# ---------------------------------------------------------------- run
mkdir -p target/fuzz-logs
failed=()
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  before=$(ls "artifacts/$t")
  log="target/fuzz-logs/$t.log"
  echo "==> fuzzing $t for ${seconds}s (log: fuzz/$log)"
  # shellcheck disable=SC2046
  cargo +nightly fuzz run "$t" "corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=60 -print_final_stats=1 \
    $(dict_for "$t") >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
  [ -n "$execs" ] || execs="?"
  corpus_size=$(find "corpus/$t" -type f | wc -l)
  new=$(comm -13 <(echo "$before" | sort) <(ls "artifacts/$t" | sort) | grep -v '^slow-unit-' || true)
  if [ "$rc" -ne 0 ] || [ -n "$new" ]; then
    failed+=("$t")
    line=$(printf '%-17s executions=%-10s corpus=%-6s CRASH (exit %s)' "$t" "$execs" "$corpus_size" "$rc")
    for a in $new; do line+=" artifact=fuzz/artifacts/$t/$a"; done
    [ -n "$new" ] || line+=" (no artifact; see fuzz/$log)"
    grep -m1 -E "panicked at|ERROR: AddressSanitizer|ERROR: libFuzzer" "$log" | sed 's/^/    /'
  else
    line=$(printf '%-17s executions=%-10s corpus=%-6s no crash' "$t" "$execs" "$corpus_size")
  fi
  echo "$line"
  summary+=("$line")
done

echo
echo "==> fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashed: ${failed[*]} (reproduce: cd fuzz && cargo +nightly fuzz run TARGET artifacts/TARGET/crash-...)" >&2
  exit 1
fi
