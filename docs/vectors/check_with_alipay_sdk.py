"""Checks every vector in docs/vectors with Alipay's own Python SDK.

The SDK is `global-alipay-sdk-python` (PyPI; cli/tests/python/requirements.txt pins the
release). Its `signature_tool.gen_sign_content`, `signature_tool.sign`,
`signature_tool.verify` and `webhook_tool.check_signature` (which takes a whole
`Signature` header) do the signing work here. The SDK has no RSA_AES code, so the RSA_AES
cases are decrypted with pyca/cryptography (the library the SDK itself signs with), and
their signatures checked with the SDK.

Where the SDK is knowingly laxer or stricter than the scheme (SDK_DIFFERENCES below), the
checker asserts the SDK's actual behaviour, so the list stays true, and applies the
README's rule itself for that one step.

Usage: python check_with_alipay_sdk.py [DIR]   (DIR defaults to this file's folder)
Prints one line per check and, at the end,
"checked: signatures=N header_forms=N rsa_aes=N must_fail=N" and "P passed, F failed";
exits 1 if anything failed. Run by runtime/tests/it/docs_vectors.rs.
"""

import base64
import hashlib
import json
import os
import sys
from urllib.parse import quote_plus, unquote

from com.alipay.ams.api.tools import signature_tool, webhook_tool
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# Where the SDK differs from the scheme's rules (README.md "Reading a Signature header").
SDK_DIFFERENCES = {
    # header_forms.json: the SDK refuses these good headers.
    "raw_base64": "the SDK URL-decodes with unquote_plus, which turns a raw `+` into a space",
    # (other_order_lower_case_algorithm passes only by luck: the SDK takes everything after
    # `signature=` as the value, and Python's lenient base64 stops at the `==` padding.)
    # must_fail.json: the SDK accepts these bad headers.
    "unknown_algorithm": "the SDK never reads `algorithm`",
    "ecc224_algorithm": "the SDK never reads `algorithm`",
}


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, label, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok    " + label)
        else:
            self.failed += 1
            print("FAIL  " + label + (": " + detail if detail else ""))


def sdk_verifies(call):
    """True when an SDK verification call says yes; False when it says no or raises."""
    try:
        return bool(call())
    except Exception:
        return False


def header_items(header):
    """The README's rule: split on commas, trim, split each item on the first `=`."""
    items = {}
    for raw in header.split(","):
        item = raw.strip()
        if not item:
            continue
        if "=" not in item:
            return None
        key, value = item.split("=", 1)
        items[key.strip().lower()] = value.strip()
    return items


def algorithm_is_rsa256(header):
    items = header_items(header)
    return items is not None and items.get("algorithm", "").upper() == "RSA256"


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))

    def load(name):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            return json.load(f)

    keys = load("keys.json")["keys"]
    signatures = load("signatures.json")
    header_forms = load("header_forms.json")
    rsa_aes = load("rsa_aes.json")
    must_fail = load("must_fail.json")
    c = Checker()

    # --- keys: the SDK takes a PKCS#1 private key and an SPKI public key ---------------------
    for name, key in keys.items():
        pkcs1 = serialization.load_pem_private_key(key["private_pkcs1_pem"].encode(), None)
        pkcs8 = serialization.load_pem_private_key(key["private_pkcs8_pem"].encode(), None)
        spki = serialization.load_pem_public_key(key["public_spki_pem"].encode())
        numbers = spki.public_numbers()
        c.check(
            "keys/%s: PKCS#8, PKCS#1 and SPKI are one key" % name,
            pkcs1.private_numbers() == pkcs8.private_numbers()
            and pkcs1.public_key().public_numbers() == numbers
            and serialization.load_pem_public_key(key["public_pkcs1_pem"].encode()).public_numbers()
            == numbers,
        )
        c.check(
            "keys/%s: base64 DER forms are the PEM bodies" % name,
            base64.b64decode(key["private_pkcs8_der_base64"])
            == pkcs8.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            and base64.b64decode(key["private_pkcs1_der_base64"])
            == pkcs1.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
            and base64.b64decode(key["public_spki_der_base64"])
            == spki.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )

    def check_signed(prefix, case, body):
        signer = keys[case["signed_by"]]
        content = signature_tool.gen_sign_content(
            case["method"], case["path"], case["client_id"], case["time"], body
        )
        c.check(prefix + ": gen_sign_content is content_to_sign", content == case["content_to_sign"])
        c.check(
            prefix + ": content_to_sign_sha256_hex",
            hashlib.sha256(content.encode("utf-8")).hexdigest() == case["content_to_sign_sha256_hex"],
        )
        args = (case["method"], case["path"], case["client_id"], case["time"], body)
        for form in ("private_pkcs1_pem", "private_pkcs1_der_base64"):
            signed = signature_tool.sign(*args, signer[form])
            c.check(
                prefix + ": SDK sign with %s gives signature_urlencoded" % form,
                signed == case["signature_urlencoded"],
                signed[:24] + "...",
            )
        c.check(
            prefix + ": signature_urlencoded is quote_plus(signature_base64)",
            quote_plus(case["signature_base64"]) == case["signature_urlencoded"],
        )
        c.check(
            prefix + ": signature_header is the SDK's header",
            case["signature_header"]
            == "algorithm=RSA256,keyVersion=%d,signature=%s"
            % (case["key_version"], case["signature_urlencoded"]),
        )
        for form in ("public_spki_pem", "public_spki_der_base64"):
            c.check(
                prefix + ": SDK verify with %s" % form,
                sdk_verifies(
                    lambda: signature_tool.verify(*args, case["signature_urlencoded"], signer[form])
                ),
            )
        c.check(
            prefix + ": SDK check_signature of the whole header",
            sdk_verifies(
                lambda: webhook_tool.check_signature(
                    *args, case["signature_header"], signer["public_spki_pem"]
                )
            ),
        )

    # --- signatures.json ---------------------------------------------------------------------
    by_name = {}
    for case in signatures["cases"]:
        by_name[case["name"]] = case
        check_signed("signatures/" + case["name"], case, case["body"])

    # --- header_forms.json ---------------------------------------------------------------------
    base = by_name[header_forms["base_case"]]
    public = keys[header_forms["verify_with"]]["public_spki_pem"]
    args = (base["method"], base["path"], base["client_id"], base["time"], base["body"])
    for case in header_forms["cases"]:
        label = "header_forms/" + case["name"]
        sdk = sdk_verifies(lambda: webhook_tool.check_signature(*args, case["signature_header"], public))
        if case["name"] in SDK_DIFFERENCES:
            c.check(
                label + ": the SDK refuses it (known: %s)" % SDK_DIFFERENCES[case["name"]],
                not sdk,
            )
        else:
            c.check(label + ": SDK check_signature accepts it", sdk)
        # The README's rule, then the SDK's verify on the exact signature bytes.
        items = header_items(case["signature_header"])
        value = unquote(items["signature"])  # percent-decoding only: `+` stays `+`
        c.check(
            label + ": README rule finds signature_base64",
            value == header_forms["signature_base64"] and value == base["signature_base64"],
        )
        c.check(
            label + ": SDK verify of the value the README rule found",
            sdk_verifies(lambda: signature_tool.verify(*args, quote_plus(value), public)),
        )

    # --- rsa_aes.json --------------------------------------------------------------------------
    for case in rsa_aes["cases"]:
        label = "rsa_aes/" + case["name"]
        receiver = serialization.load_pem_private_key(
            keys[case["key_wrapped_for"]]["private_pkcs8_pem"].encode(), None
        )
        aes_key = base64.b64decode(case["aes_key_base64"])
        c.check(label + ": aes_key_hex", aes_key.hex() == case["aes_key_hex"])
        c.check(label + ": aes_key_bits", len(aes_key) * 8 == case["aes_key_bits"])
        try:
            unwrapped = receiver.decrypt(base64.b64decode(case["wrapped_key_base64"]), padding.PKCS1v15())
        except Exception as e:  # noqa: BLE001 - reported as a failure
            unwrapped = repr(e)
        c.check(label + ": wrapped_key unwraps to aes_key (RSA PKCS#1 v1.5)", unwrapped == aes_key)
        c.check(
            label + ": encrypt_header",
            case["encrypt_header"]
            == "algorithm=RSA_AES,keyVersion=1,symmetricKey=" + quote_plus(case["wrapped_key_base64"]),
        )
        decryptor = Cipher(algorithms.AES(aes_key), modes.ECB()).decryptor()
        padded = decryptor.update(base64.b64decode(case["encrypted_body"])) + decryptor.finalize()
        unpadder = sym_padding.PKCS7(128).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        c.check(label + ": encrypted_body decrypts to plaintext", plain == case["plaintext"].encode("utf-8"))
        padder = sym_padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.AES(aes_key), modes.ECB()).encryptor()
        again = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
        c.check(
            label + ": AES-ECB/PKCS#7 of plaintext is encrypted_body",
            base64.b64encode(again).decode() == case["encrypted_body"],
        )
        check_signed(label, case, case["encrypted_body"])

    # --- must_fail.json ------------------------------------------------------------------------
    for case in must_fail["cases"]:
        label = "must_fail/" + case["name"]
        public = keys[case["verify_with"]]["public_spki_pem"]
        args = (case["method"], case["path"], case["client_id"], case["time"], case["body"])
        c.check(
            label + ": content_to_verify is gen_sign_content",
            signature_tool.gen_sign_content(*args) == case["content_to_verify"],
        )
        sdk = sdk_verifies(lambda: webhook_tool.check_signature(*args, case["signature_header"], public))
        if case["name"] in SDK_DIFFERENCES:
            c.check(
                label + ": the SDK accepts it (known: %s)" % SDK_DIFFERENCES[case["name"]],
                sdk,
            )
            c.check(
                label + ": the README's algorithm rule refuses it",
                not algorithm_is_rsa256(case["signature_header"]),
            )
        else:
            c.check(label + ": SDK check_signature refuses it (%s)" % case["why"], not sdk)

    print(
        "checked: signatures=%d header_forms=%d rsa_aes=%d must_fail=%d"
        % (
            len(signatures["cases"]),
            len(header_forms["cases"]),
            len(rsa_aes["cases"]),
            len(must_fail["cases"]),
        )
    )
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
