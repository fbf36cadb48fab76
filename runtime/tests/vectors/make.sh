#!/usr/bin/env bash
# Regenerates the signing and RSA_AES test vectors with the openssl command line, so the
# runtime is checked against an independent implementation (protocol.md §A8).
#
# Every key written here is a THROWAWAY TEST KEY, generated on the spot and committed
# on purpose. It protects nothing; never use it for anything but these tests.
#
# Usage: runtime/tests/vectors/make.sh   (rewrites the files beside this script)
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C

urlenc() { sed -e 's/+/%2B/g' -e 's#/#%2F#g' -e 's/=/%3D/g'; }

# --- keys -----------------------------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out test_key_pkcs8.pem 2>/dev/null
openssl pkey -in test_key_pkcs8.pem -pubout -out test_pub_spki.pem
openssl rsa -in test_key_pkcs8.pem -traditional -out test_key_pkcs1.pem 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in test_key_pkcs8.pem -outform DER -out test_key_pkcs8.der
openssl pkcs8 -topk8 -nocrypt -in test_key_pkcs8.pem -outform DER | base64 -w0 > test_key_pkcs8.b64
openssl rsa -in test_key_pkcs8.pem -traditional -outform DER -out test_key_pkcs1.der 2>/dev/null
openssl rsa -pubin -in test_pub_spki.pem -RSAPublicKey_out -out test_pub_pkcs1.pem 2>/dev/null
openssl pkey -pubin -in test_pub_spki.pem -outform DER -out test_pub_spki.der
openssl pkey -pubin -in test_pub_spki.pem -outform DER | base64 -w0 > test_pub_spki.b64
# A second, unrelated key (the "wrong key") and a too-small key.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other_test_key_pkcs8.pem 2>/dev/null
openssl pkey -in other_test_key_pkcs8.pem -pubout -out other_test_pub_spki.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out weak_1024_test_key.pem 2>/dev/null
openssl pkey -in weak_1024_test_key.pem -pubout -out weak_1024_test_pub.pem

# --- signatures ----------------------------------------------------------------------
# vectors.tsv: name, method, path, client id, time, body file, signature file (base64)
printf 'name\tmethod\tpath\tclient_id\ttime\tbody\tsignature\n' > vectors.tsv
vector() { # name method path client_id time body
  local name=$1 method=$2 path=$3 cid=$4 t=$5 body=$6
  printf '%s' "$body" > "$name.body"
  printf '%s %s\n%s.%s.' "$method" "$path" "$cid" "$t" > "$name.content"
  cat "$name.body" >> "$name.content"
  openssl dgst -sha256 -sign test_key_pkcs8.pem "$name.content" | base64 -w0 > "$name.sig.b64"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$method" "$path" "$cid" "$t" "$name.body" "$name.sig.b64" >> vectors.tsv
}
vector inquire POST /api/open/alipay/v1/promotion/benefit/inquire 2022xxxxxxxx4510 \
  2024-05-22T06:42:21+05:30 '{"userId":"2088xxxxxxxx1234","benefitCode":"A_POINT"}'
vector issue POST /api/open/alipay/v1/promotion/benefit/issue TEST_CLIENT_01 \
  2026-11-21T23:14:04+00:00 '{"bizNo":"20261121-0001","amount":{"value":"100","currency":"HKD"},"memo":"naïve 港 ✓"}'
vector update_pass POST /api/open/alipay/v1/ipass/pass/manage/updatePass TEST_CLIENT_01 \
  2024-12-11T10:33:41.123+08:00 '{"passId":"P1","status":"CLOSED"}'
vector empty_body POST /api/open/alipay/v1/ipass/template/manage/detail TEST_CLIENT_01 \
  2023-12-18T02:33:31Z ''

# --- RSA_AES (ASSUMPTION, protocol.md §B4) -------------------------------------------
# AES-256-ECB/PKCS#7 body, key wrapped with RSA PKCS#1 v1.5 under test_pub_spki.pem.
rsa_aes() { # name keybytes plaintext
  local name=$1 bytes=$2 plain=$3
  printf '%s' "$plain" > "$name.plain"
  openssl rand "$bytes" > "$name.aeskey.bin"
  local hex; hex=$(od -An -tx1 -v "$name.aeskey.bin" | tr -d ' \n')
  openssl enc -aes-$((bytes * 8))-ecb -K "$hex" -in "$name.plain" | base64 -w0 > "$name.body"
  openssl pkeyutl -encrypt -pubin -inkey test_pub_spki.pem -pkeyopt rsa_padding_mode:pkcs1 \
    -in "$name.aeskey.bin" | base64 -w0 | urlenc > "$name.wrapped.urlb64"
  printf 'algorithm=RSA_AES,keyVersion=1,symmetricKey=%s' "$(cat "$name.wrapped.urlb64")" > "$name.encrypt_header"
  rm -f "$name.aeskey.bin" "$name.wrapped.urlb64"
}
rsa_aes rsa_aes_256 32 '{"bizNo":"20261121-0002","userId":"2088xxxxxxxx1234","amount":{"value":"5","currency":"HKD"}}'
rsa_aes rsa_aes_128 16 '{"passId":"P1"}'
echo "vectors written to $(pwd)"
