#!/usr/bin/env bash
# Compares the runtime's RSA-2048 sign/verify throughput with `openssl speed` on this
# machine, in one invocation so both see the same load. Also prints seal/open numbers.
#
# Usage: runtime/bench/compare.sh [SECONDS]   (default 3; run on an idle machine)
# Targets: sign >= 0.95x openssl, verify >= 0.8x openssl.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-3}

echo "== openssl $(openssl version | awk '{print $2}'): openssl speed -seconds $secs rsa2048"
ossl=$(openssl speed -seconds "$secs" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $(NF-1), $NF}')
read -r ossl_sign ossl_verify <<<"$ossl"
echo "openssl sign/s=$ossl_sign verify/s=$ossl_verify"

echo "== runtime (aws-lc-rs): cargo bench -p alipayhk-runtime --bench crypto"
bench=$(BENCH_SECONDS=$secs cargo bench -q -p alipayhk-runtime --bench crypto 2>/dev/null)
echo "$bench"
ours_sign=$(awk '/^sign_rsa2048/ {print $2}' <<<"$bench")
ours_verify=$(awk '/^verify_rsa2048/ {print $2}' <<<"$bench")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t) ? "meets" : "BELOW" }'; }
rs=$(ratio "$ours_sign" "$ossl_sign")
rv=$(ratio "$ours_verify" "$ossl_verify")
echo "== ratios (runtime / openssl; the runtime also hashes a 1 KiB body and formats the header)"
echo "sign:   ${rs}x  (target >= 0.95x: $(verdict "$rs" 0.95))"
echo "verify: ${rv}x  (target >= 0.80x: $(verdict "$rv" 0.80))"
