"""`make api` / `make up`: run the local stack under one process manager (honcho).

Ctrl-C stops every process. Settings come from `dev.env`, overridden by `.env`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BANNER = """
  Parley is starting ({mode}).
    API          http://127.0.0.1:7071/api/health   (docs: /api/docs)
    integrator   x-api-key: {key}{web}
  Ctrl-C stops everything.
"""


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "up"
    if mode not in ("api", "up"):
        print("usage: python -m scripts.devstack [api|up]", file=sys.stderr)
        return 2
    (ROOT / ".run" / "azurite").mkdir(parents=True, exist_ok=True)
    env_files = ["dev.env"] + ([".env"] if (ROOT / ".env").exists() else [])
    key = os.environ.get("PARLEY_API_KEYS", "dev-api-key").split(",")[0]
    web = "\n    web client   http://127.0.0.1:7071/" if mode == "up" else ""
    if mode == "up":
        number = os.environ.get("SIP_DEV_NUMBER", "+15550100")
        web += f"\n    phone        sip:{number}@127.0.0.1:{os.environ.get('SIP_PORT', '5060')}"
    print(BANNER.format(mode=mode, key=key, web=web), flush=True)
    honcho = str(ROOT / ".venv" / "bin" / "honcho")
    args = [honcho, "-d", str(ROOT), "-f", f"scripts/Procfile.{mode}", "-e", ",".join(env_files)]
    os.chdir(ROOT)
    os.execv(honcho, [*args, "start"])
    return 0  # unreachable: execv replaces this process


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
