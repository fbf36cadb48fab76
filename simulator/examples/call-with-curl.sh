#!/usr/bin/env bash
# Inquire A. Point against the simulator with nothing but openssl and curl.
set -euo pipefail
dir=alipayhk-simulator
path=/api/open/v1/alipayhk/promotion/benefit/userPromoBenefitQuery
client_id=DEMO0000PARTNER0001
time=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
body='{"accessToken":"281001133486932346851012000aKLpNuDBB"}'
# Content to sign: "POST <path>\n<Client-Id>.<Request-Time>.<body>", SHA256withRSA, base64, URL-encoded.
sig=$(printf 'POST %s\n%s.%s.%s' "$path" "$client_id" "$time" "$body" \
  | openssl dgst -sha256 -sign "$dir/keys/demo-partner-private.pem" | openssl base64 -A \
  | sed -e 's/+/%2B/g' -e 's#/#%2F#g' -e 's/=/%3D/g')
curl -sS -D headers.txt "http://127.0.0.1:8480$path" \
  -H 'Content-Type: application/json; charset=UTF-8' -H "Client-Id: $client_id" \
  -H "Request-Time: $time" -H "Signature: algorithm=RSA256,keyVersion=1,signature=$sig" \
  --data-binary "$body" -o body.json
cat body.json; echo
# Verify the answer: same method and path, the response's Client-Id and Response-Time, the raw body.
rtime=$(grep -i '^response-time:' headers.txt | cut -d' ' -f2 | tr -d '\r')
rsig=$(grep -i '^signature:' headers.txt | sed -e 's/.*signature=//' | tr -d '\r' \
  | sed -e 's/%2B/+/g' -e 's#%2F#/#g' -e 's/%3D/=/g')
printf 'POST %s\n%s.%s.%s' "$path" "$client_id" "$rtime" "$(cat body.json)" > content.txt
echo "$rsig" | openssl base64 -d -A > sig.bin
openssl dgst -sha256 -verify "$dir/keys/simulator-public.pem" -signature sig.bin content.txt
