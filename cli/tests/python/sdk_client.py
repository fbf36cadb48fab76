"""Alipay's own Python SDK as the reference client of `alipayhk serve --tls`.

Drives every operation of the plan (written by cli/tests/it/python_sdk.rs from the spec)
through the SDK's own `DefaultAlipayClient.execute`: its signing, its headers and its
response verification, unchanged. Each operation's success, then each of its documented
non-S codes (scripted through the simulator's admin API), must come back verified by the
SDK's own code. Last, a negative control: with the wrong AlipayHK public key the SDK
must refuse every answer, so the verification above is known to be live.

ONE REPLACEMENT, and only one: the SDK's connection factory
`com.alipay.ams.api.net.default_http_rpc.__get_http_connection` always opens HTTPS to the
URL's host on port 443 and skips certificate checks. It is replaced by one that opens the
URL's own port and verifies the simulator's certificate with its local CA. Signing,
header handling, request formatting and verification are the SDK's.

Usage: python sdk_client.py PLAN.json; prints one line per call and
"N passed, N failed"; exits 1 if any call failed.
"""

import http.client
import json
import ssl
import sys
import urllib.parse
import urllib.request

import com.alipay.ams.api.net.default_http_rpc as default_http_rpc
from com.alipay.ams.api.default_alipay_client import DefaultAlipayClient
from com.alipay.ams.api.exception.exception import AlipayApiException
from com.alipay.ams.api.request.alipay_request import AlipayRequest
from cryptography.hazmat.primitives import serialization


def connection_factory(ca_file):
    context = ssl.create_default_context(cafile=ca_file)

    def connect(url, timeout=default_http_rpc.DEFAULT_TIMEOUT):
        parsed = urllib.parse.urlparse(url)
        return http.client.HTTPSConnection(
            host=parsed.hostname, port=parsed.port or 443, timeout=timeout, context=context
        )

    return connect


class PlanRequest(AlipayRequest):
    """An AlipayHK operation as an SDK request: a path and a JSON body, like the SDK's own
    request classes (which cover Antom's APIs, not AlipayHK's A. Point ones)."""

    def __init__(self, path, body):
        super(PlanRequest, self).__init__()
        self.path = path
        self.__body = body

    def to_ams_json(self):
        return json.dumps(self.__body)


def pkcs1_pem(pkcs8_pem_path):
    """The private key as AlipayHK's console hands it out (PKCS#1), which the SDK expects."""
    with open(pkcs8_pem_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def admin_rule(plan, rule):
    request = urllib.request.Request(
        plan["admin_url"] + "/admin/rules",
        data=json.dumps(rule).encode(),
        headers={
            "Authorization": "Bearer " + plan["admin_token"],
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        if answer.status != 201:
            raise RuntimeError("admin API refused %r: %s" % (rule, answer.status))


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    setattr(default_http_rpc, "__get_http_connection", connection_factory(plan["ca_file"]))
    with open(plan["alipay_public_key"]) as f:
        alipay_public_key = f.read()
    with open(plan["wrong_public_key"]) as f:
        wrong_public_key = f.read()
    private_key = pkcs1_pem(plan["private_key"])
    client = DefaultAlipayClient(plan["base_url"], plan["client_id"], private_key, alipay_public_key)
    passed, failed = 0, 0
    serial = 0

    def body_for(operation):
        nonlocal serial
        serial += 1
        body = dict(operation["body"])
        if operation["idempotency_key"]:
            body[operation["idempotency_key"]] = "SDK-%d-%s" % (serial, plan["run"])
        return body

    for operation in plan["operations"]:
        expected = [(operation["success_code"], None)] + [(code, code) for code in operation["codes"]]
        for code, scripted in expected:
            if scripted:
                admin_rule(plan, {"operation": operation["id"], "code": scripted, "times": 1})
            try:
                answer = client.execute(PlanRequest(operation["path"], body_for(operation)))
                got = json.loads(answer)[operation["result_field"]]["resultCode"]
                ok = got == code
                detail = "verified by the SDK, resultCode %s" % got
            except AlipayApiException as e:
                ok, detail = False, "SDK error: %s" % e
            print("%s %s/%s: %s" % ("pass" if ok else "FAIL", operation["id"], code, detail))
            passed, failed = passed + ok, failed + (not ok)

    # Negative control: the SDK's verification refuses answers under another key.
    wrong = DefaultAlipayClient(plan["base_url"], plan["client_id"], private_key, wrong_public_key)
    for operation in plan["operations"]:
        try:
            wrong.execute(PlanRequest(operation["path"], body_for(operation)))
            ok, detail = False, "the SDK accepted an answer under the wrong key"
        except AlipayApiException as e:
            ok, detail = "verify" in str(e), "refused: %s" % e
        except Exception as e:  # rsa.VerificationError surfaces wrapped or raw by version
            ok, detail = "Verification" in type(e).__name__, "refused: %r" % e
        print("%s %s/wrong_key: %s" % ("pass" if ok else "FAIL", operation["id"], detail))
        passed, failed = passed + ok, failed + (not ok)

    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
