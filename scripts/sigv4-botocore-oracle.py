#!/usr/bin/env python3
"""botocore's S3 SigV4 signer as a test oracle.

Reads a JSON list of cases on stdin, writes a JSON list of results on stdout.
A case: {"mode": "header"|"query", "endpoint": "http://host:port",
"path_style": bool, "bucket", "key" (raw, or null for the bucket),
"query": [[name, value], ...] (decoded), "headers": [[name, value], ...],
"body": str or null, "unsigned": bool, "expires": int, "timestamp":
"20150830T123600Z", "region", "access_key", "secret_key", "token"}.
The URL is built the way botocore's S3 serializer does (the key
percent-encoded once with '/' and '~' kept), then signed by S3SigV4Auth or
S3SigV4QueryAuth with the clock fixed. No network access.
"""
import datetime
import json
import sys
from urllib.parse import urlsplit

import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode, percent_encode_sequence


def sign(case):
    fixed = datetime.datetime.strptime(case["timestamp"], "%Y%m%dT%H%M%SZ")
    auth.get_current_datetime = lambda *a, **k: fixed
    scheme, host = case["endpoint"].split("://", 1)
    key = "" if case.get("key") is None else percent_encode(case["key"], safe="/~")
    if case["path_style"]:
        url = f"{scheme}://{host}/{case['bucket']}" + (f"/{key}" if case.get("key") is not None else "")
    else:
        url = f"{scheme}://{case['bucket']}.{host}/{key}"
    if case.get("query"):
        url += "?" + percent_encode_sequence([(k, v) for k, v in case["query"]])
    body = case.get("body")
    request = AWSRequest(method=case["method"], url=url, data=body.encode() if body is not None else None)
    for name, value in case.get("headers", []):
        request.headers[name] = value
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    if case["mode"] == "query":
        signer = auth.S3SigV4QueryAuth(credentials, "s3", case["region"], expires=case["expires"])
    else:
        signer = auth.S3SigV4Auth(credentials, "s3", case["region"])
        unsigned = case.get("unsigned", False)
        signer._should_sha256_sign_payload = lambda request: not unsigned
    captured = {}
    original_canonical = signer.canonical_request
    original_sts = signer.string_to_sign

    def canonical_request(request):
        captured["canonical_request"] = original_canonical(request)
        return captured["canonical_request"]

    def string_to_sign(request, canonical):
        captured["string_to_sign"] = original_sts(request, canonical)
        return captured["string_to_sign"]

    signer.canonical_request = canonical_request
    signer.string_to_sign = string_to_sign
    signer.add_auth(request)
    prepared = request.prepare()
    result = {
        "path": urlsplit(url).path,
        "canonical_request": captured["canonical_request"],
        "string_to_sign": captured["string_to_sign"],
        "url": prepared.url,
        "authorization": request.headers.get("Authorization"),
    }
    return result


def main():
    cases = json.load(sys.stdin)
    json.dump([sign(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
