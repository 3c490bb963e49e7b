"""Independent DSSE v1 check of a supplygate receipt, written from the spec
(secure-systems-lab/dsse protocol.md), not from supplygate's code.

usage: python3 dsse_verify.py ENVELOPE.json PUBLIC.pem
exit 0 and prints the statement's _type when the signature verifies;
exit 1 when it does not; exit 3 when `cryptography` is not installed.
"""
import base64
import json
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
except ImportError:
    print("python package `cryptography` is not installed (pip install cryptography)", file=sys.stderr)
    sys.exit(3)


def b64(text):
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except ValueError:
        return base64.urlsafe_b64decode(padded)


def pae(payload_type, body):
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def main():
    envelope = json.load(open(sys.argv[1], "rb"))
    key = load_pem_public_key(open(sys.argv[2], "rb").read())
    assert isinstance(key, Ed25519PublicKey), "not an Ed25519 key"
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    body = b64(envelope["payload"])
    message = pae(envelope["payloadType"], body)
    for signature in envelope["signatures"]:
        try:
            key.verify(b64(signature["sig"]), message)
        except InvalidSignature:
            continue
        statement = json.loads(body)
        print(statement["_type"], statement["predicateType"], len(statement["subject"]))
        return 0
    print("no signature verifies", file=sys.stderr)
    return 1


sys.exit(main())
