"""`make up`: make the dev number (``SIP_DEV_NUMBER``) ring the default tenant's agent.

Waits (bounded) for the API, then registers the number for calls from loopback; a number
that already exists is left as it is.
"""

from __future__ import annotations

import os
import sys
import time

import httpx

DEFAULT_NUMBER = "+15550100"
WAIT_S = 180.0


def main() -> int:
    api = os.environ.get("PARLEY_API_URL", "http://127.0.0.1:7071")
    key = os.environ.get("PARLEY_API_KEYS", "dev-api-key").split(",")[0].split("=")[-1]
    number = os.environ.get("SIP_DEV_NUMBER", DEFAULT_NUMBER)
    body = {"number": number, "allowedAddresses": ["127.0.0.1/32"]}
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            resp = httpx.post(
                f"{api}/api/numbers", json=body, headers={"x-api-key": key}, timeout=10
            )
        except httpx.HTTPError:
            time.sleep(2)
            continue
        if resp.status_code in (201, 409):
            port = os.environ.get("SIP_PORT", "5060")
            print(f"dev number ready: sip:{number}@127.0.0.1:{port}", flush=True)
            return 0
        if resp.status_code < 500:
            print(f"could not register the dev number: {resp.status_code} {resp.text}", flush=True)
            return 1
        time.sleep(2)
    print("the API did not answer: no dev number", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
