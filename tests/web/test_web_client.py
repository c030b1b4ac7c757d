"""The browser client: strict typecheck, its models in Node, and the built page in Chromium.

The page is served from web/dist by a small local server whose `POST /api/token` always
answers 503, so the test sees what a user sees when the voice service is down. Screenshots go
to a temp dir, or to $PARLEY_WEB_SCREENSHOTS when set (to look at them).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST = WEB / "dist"
NODE_BIN = ROOT / "node_modules" / ".bin"
HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")

TOKEN_ERROR = {
    "error": "livekit_unavailable",
    "message": "The LiveKit server is not reachable.",
}


@dataclass
class TokenRequests:
    bodies: list[Any] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


class _Handler(SimpleHTTPRequestHandler):
    requests_seen: TokenRequests

    def do_POST(self) -> None:
        if self.path != "/api/token":
            self.send_error(404)
            return
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            self.requests_seen.bodies.append(json.loads(raw or b"null"))
        except ValueError:
            self.requests_seen.bodies.append(raw.decode(errors="replace"))
        self.requests_seen.headers.append({k.lower(): v for k, v in self.headers.items()})
        body = json.dumps(TOKEN_ERROR).encode()
        self.send_response(503)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output readable


@dataclass
class Site:
    url: str
    token_requests: TokenRequests


@pytest.fixture
def site() -> Iterator[Site]:
    seen = TokenRequests()
    handler = type("Handler", (_Handler,), {"requests_seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(DIST)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _assert_dist_fresh() -> None:
    app = DIST / "app.js"
    assert app.is_file() and (DIST / "index.html").is_file(), "web/dist is missing: run `make web`"
    # the console (web/console) is its own bundle: test_console_models checks it
    sources = [
        p
        for p in WEB.rglob("*")
        if p.is_file() and DIST not in p.parents and WEB / "console" not in p.parents
    ]
    stale = [str(p.relative_to(ROOT)) for p in sources if p.stat().st_mtime > app.stat().st_mtime]
    assert not stale, f"web/dist is older than {stale}: run `make web`"


def test_typescript_is_strict_and_clean() -> None:
    result = _run([str(NODE_BIN / "tsc"), "--noEmit", "-p", "web"], timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    config = json.loads((WEB / "tsconfig.json").read_text())
    assert config["compilerOptions"]["strict"] is True


def test_transcript_and_upload_models() -> None:
    result = _run(["node", str(HERE / "model_check.mjs")], timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "model checks passed" in result.stdout


def test_page_shows_token_failure_in_plain_words(site: Site, tmp_path: Path) -> None:
    _assert_dist_fresh()
    assert CHROMIUM.exists(), "Debian chromium is missing: run `make system-deps`"
    out_dir = Path(os.environ.get("PARLEY_WEB_SCREENSHOTS") or tmp_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    url = f"{site.url}/?room=web-test-room&name=Web%20Tester"

    result = _run(["node", str(HERE / "browser_check.mjs"), url, str(out_dir)], timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    reports: list[dict[str, Any]] = json.loads(result.stdout)["reports"]
    assert [r["name"] for r in reports] == ["desktop", "phone"]

    for report in reports:
        where = report["name"]
        assert all(n == 1 for n in report["controls"].values()), (where, report["controls"])
        assert report["before"] == {
            "status": "not connected",
            "talk": "Talk",
            "chatDisabled": True,
            "fileDisabled": True,
            "errorVisible": False,
        }, where
        assert report["firstTabStop"] == "talk", where

        after = report["after"]
        assert after["statusState"] == "error", (where, after)
        assert after["status"] == "couldn't connect", (where, after)
        assert after["errorCode"] == "token_unavailable", (where, after)
        # Plain words for the user, with the server's own message as a detail.
        assert "isn't available right now" in after["errorText"], after["errorText"]
        assert "Try again" in after["errorText"], after["errorText"]
        assert TOKEN_ERROR["message"] in after["errorText"], after["errorText"]
        assert "{" not in after["errorText"] and "503" not in after["errorText"]
        assert after["talk"] == "Talk", "after a failure the user can simply try again"
        state = after["state"]
        assert state["connection"] == "error" and state["problem"]["code"] == "token_unavailable"
        assert state["transcript"] == [] and state["files"] == []

        assert not report["overflowX"], f"{where}: the page scrolls sideways"
        assert not report["pageErrors"], report["pageErrors"]
        # The 503 itself is logged by Chromium as a failed resource; nothing else may be.
        unexpected = [e for e in report["consoleErrors"] if "503" not in e]
        assert not unexpected, unexpected
        assert Path(report["screenshot"]).stat().st_size > 10_000

    # One token request per Talk press: JSON, with the session cookie (Easy Auth in Azure) and
    # the page's query parameters passed on.
    assert (
        site.token_requests.bodies
        == [{"roomName": "web-test-room", "participantName": "Web Tester"}] * 2
    )
    assert all(h.get("content-type") == "application/json" for h in site.token_requests.headers)
    assert all(
        "AppServiceAuthSession=test-session" in h.get("cookie", "")
        for h in site.token_requests.headers
    )
