#!/usr/bin/env bash
# Compares the runtime's RSA-2048 sign/verify throughput with `openssl speed` on this
# machine, in one invocation. Both sides count operations per second of user CPU time
# (`openssl speed`'s default timer; the bench does the same), and they alternate for
# ROUNDS rounds with the best result of each side counting, so that other load on the
# machine skews neither side.
#
# Usage: runtime/bench/compare.sh [SECONDS] [ROUNDS]   (defaults 3 and 2; idle machine)
# Targets: sign >= 0.95x openssl, verify >= 0.8x openssl.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-3}
rounds=${2:-2}

max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b) ? a : b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t) ? "meets" : "BELOW" }'; }

echo "== building the bench (release)"
cargo bench -q -p alipayhk-runtime --bench crypto --no-run 2>/dev/null
echo "== load before: $(uptime | sed 's/.*load average/load average/')"

best_os=0 best_ov=0 best_rs=0 best_rv=0
for round in $(seq "$rounds"); do
  echo "-- round $round: openssl $(openssl version | awk '{print $2}'): openssl speed -seconds $secs rsa2048"
  read -r os ov < <(openssl speed -seconds "$secs" rsa2048 2>/dev/null |
    awk '/^rsa 2048 bits/ {print $(NF-1), $NF}')
  echo "openssl sign/s=$os verify/s=$ov"
  echo "-- round $round: runtime (aws-lc-rs): cargo bench -p alipayhk-runtime --bench crypto"
  bench=$(BENCH_SECONDS=$secs cargo bench -q -p alipayhk-runtime --bench crypto 2>/dev/null)
  echo "$bench"
  rs=$(awk '/^sign_rsa2048/ {print $2}' <<<"$bench")
  rv=$(awk '/^verify_rsa2048/ {print $2}' <<<"$bench")
  best_os=$(max "$best_os" "$os"); best_ov=$(max "$best_ov" "$ov")
  best_rs=$(max "$best_rs" "$rs"); best_rv=$(max "$best_rv" "$rv")
done
echo "== load after: $(uptime | sed 's/.*load average/load average/')"

s=$(ratio "$best_rs" "$best_os")
v=$(ratio "$best_rv" "$best_ov")
echo "== best of $rounds: runtime / openssl (the runtime also hashes a 1 KiB body and formats the header)"
echo "sign:   ${s}x  ($best_rs vs $best_os ops/s; target >= 0.95x: $(verdict "$s" 0.95))"
echo "verify: ${v}x  ($best_rv vs $best_ov ops/s; target >= 0.80x: $(verdict "$v" 0.80))"
