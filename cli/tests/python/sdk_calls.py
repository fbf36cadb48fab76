"""Alipay's own Python SDK sends a list of requests to `alipayhk serve --tls` and prints the
answers it verified, for tests that compare them with another client's.

Every call goes through the SDK's `DefaultAlipayClient.execute` (its signing, headers and
response verification, unchanged); the one replacement is sdk_client.py's connection
factory (the URL's own port, the simulator's local CA). An answer the SDK does not verify
is an exception, and the script fails.

Usage: python sdk_calls.py PLAN.json, where PLAN holds base_url, ca_file, client_id,
private_key, alipay_public_key and calls: [{path, body}]. Prints one JSON line: the list of
answers, each the JSON body the SDK returned.
"""

import json
import sys

import com.alipay.ams.api.net.default_http_rpc as default_http_rpc
from com.alipay.ams.api.default_alipay_client import DefaultAlipayClient

from sdk_client import PlanRequest, connection_factory, pkcs1_pem


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    setattr(default_http_rpc, "__get_http_connection", connection_factory(plan["ca_file"]))
    with open(plan["alipay_public_key"]) as f:
        alipay_public_key = f.read()
    private_key = pkcs1_pem(plan["private_key"])
    client = DefaultAlipayClient(plan["base_url"], plan["client_id"], private_key, alipay_public_key)
    answers = [json.loads(client.execute(PlanRequest(c["path"], c["body"]))) for c in plan["calls"]]
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
