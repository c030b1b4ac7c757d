"""AWS Signature Version 4 checked as an AWS service checks it, with botocore's own signer:
the credential scope (key, date, region, service) and the signature over the request."""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime

from aiohttp import web
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[^,]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)
MAX_SKEW_S = 300
"""AWS refuses a request signed more than five minutes away from its clock."""


class SignatureRefused(Exception):
    """Why AWS would refuse the request: its error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def verify(
    request: web.Request, body: bytes, *, service: str, region: str, keys: dict[str, str]
) -> str:
    """The access key id that signed ``request``; raises ``SignatureRefused`` otherwise.
    ``keys`` maps the access key ids this service knows to their secrets."""
    match = _AUTHORIZATION.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        code = "MissingAuthenticationTokenException"
        raise SignatureRefused(code, "Missing Authentication Token")
    key_id = match["key"]
    if key_id not in keys:
        raise SignatureRefused(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    if (match["service"], match["region"]) != (service, region):
        raise SignatureRefused(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service/region: '{service}' in '{region}'.",
        )
    amz_date = request.headers.get("X-Amz-Date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SignatureRefused("IncompleteSignatureException", "X-Amz-Date is missing") from None
    if not amz_date.startswith(match["date"]):
        raise SignatureRefused("InvalidSignatureException", "Date in Credential scope mismatch.")
    if abs((datetime.now(UTC) - signed_at).total_seconds()) > MAX_SKEW_S:
        raise SignatureRefused("InvalidSignatureException", "Signature expired.")
    names = match["signed"].split(";")
    missing = [n for n in names if n not in request.headers]
    if missing:
        raise SignatureRefused("IncompleteSignatureException", f"Signed headers missing: {missing}")
    signed = AWSRequest(
        method=request.method,
        url=f"{request.scheme}://{request.host}{request.raw_path}",
        data=body,
        headers={name: request.headers[name] for name in names},
    )
    signed.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(key_id, keys[key_id]), service, region)
    expected = signer.signature(
        signer.string_to_sign(signed, signer.canonical_request(signed)), signed
    )
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureRefused(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        )
    return key_id
