"""A small AlipayHK stand-in that signs with Alipay's own SDK (`signature_tool`), for the
generated Rust client to call (cli/tests/it/python_sdk.rs).

Every request's signature is checked with the SDK's `verify` (the partner's public key);
a request that does not verify gets HTTP 401. The answer is the plan's body for the path,
signed with the SDK's `sign` over `POST <path>\\n<Client-Id>.<Response-Time>.<body>` with
the server's private key, with `Response-Time` from the SDK's `date_tools`.

Usage: python sdk_server.py PLAN.json; prints "listening on PORT" once ready.
"""

import json
import sys
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

from com.alipay.ams.api.tools import signature_tool
from com.alipay.ams.api.tools.date_tools import get_cur_iso8601_time
from cryptography.hazmat.primitives import serialization


def pkcs1_pem(pkcs8_pem_path):
    with open(pkcs8_pem_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    answers = plan["answers"]
    with open(plan["partner_public_key"]) as f:
        partner_public_key = f.read()
    server_key = pkcs1_pem(plan["server_private_key"])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
            client_id = self.headers.get("Client-Id", "")
            signature = self.headers.get("Signature", "").split("signature=")[-1]
            try:
                verified = signature_tool.verify(
                    "POST", self.path, client_id, self.headers.get("Request-Time", ""),
                    body, signature, partner_public_key,
                )
            except Exception:
                verified = False
            if not verified or self.path not in answers:
                self.send_response(401 if not verified else 404)
                self.end_headers()
                return
            answer = answers[self.path]
            response_time = get_cur_iso8601_time()
            signed = signature_tool.sign("POST", self.path, client_id, response_time, answer, server_key)
            payload = answer.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Client-Id", client_id)
            self.send_header("Response-Time", response_time)
            self.send_header("Signature", "algorithm=RSA256,keyVersion=1,signature=" + signed)
            self.send_header("Tracer-Id", uuid.uuid4().hex)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
