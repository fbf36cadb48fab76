#!/bin/sh
# Where the server's instructions go, counted by valgrind's callgrind: the load bench runs
# once with the simulator under callgrind (SIMULATOR_WRAPPER), then this prints the share of
# the serving instructions spent in RSA sign, RSA verify and everything else (HTTP, JSON,
# SQLite, the journal, tokio, allocation). Instruction counts do not depend on what else
# the machine runs, unlike CPU seconds; the timings the bench prints under valgrind are
# meaningless. Start-up work (key generation for a fresh data directory, seeding the
# entropy pool) is left out. Usage: simulator/benches/instructions.sh [OUT_DIR]
set -eu
cd "$(dirname "$0")/../.."
out=${1:-target/callgrind}
mkdir -p "$out"
rm -f "$out"/callgrind.out.*
SIMULATOR_WRAPPER="valgrind --tool=callgrind --callgrind-out-file=$PWD/$out/callgrind.out.%p" \
  LOAD_SECONDS=${LOAD_SECONDS:-4} CLIENT_CALLS=${CLIENT_CALLS:-50} \
  cargo bench -p alipayhk-simulator --bench load >"$out/bench.log" 2>&1
profile=$(ls "$out"/callgrind.out.* | head -1)
callgrind_annotate --inclusive=yes "$profile" 2>/dev/null | awk '
  function count(s) { gsub(",", "", s); return s + 0 }
  /PROGRAM TOTALS/ { total = count($1) }
  /RSA_generate_key_ex_maybe_fips/ && !keygen { keygen = count($1) }
  /jent_entropy_init_ex/ && !seed { seed = count($1) }
  /alipayhk_runtime::keys::PrivateKey::sign_rsa_sha256/ && !sign { sign = count($1) }
  /EVP_DigestVerify / && !verify { verify = count($1) }
  END {
    serving = total - keygen - seed
    if (serving <= 0 || sign == 0) { print "no request path in the profile"; exit 1 }
    rest = serving - sign - verify
    printf "serving instructions: %.0fM (start-up left out: %.0fM)\n", serving / 1e6, (keygen + seed) / 1e6
    printf "  RSA sign   %5.1f%%\n  RSA verify %5.1f%%\n  the rest   %5.1f%%\n", 100 * sign / serving, 100 * verify / serving, 100 * rest / serving
    printf "instructions per request / one sign = %.2f (target <= 1.25)\n", serving / sign
  }'
