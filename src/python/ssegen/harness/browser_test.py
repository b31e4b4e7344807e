"""CORS in a real browser: headless Chromium runs the generated TS client from a page of another
origin against the generated Go and TS servers (the interop servers, which enable CORS).

The page (served here, on its own loopback port) imports the compiled client modules, makes a
unary call with a declared header (so the browser sends a preflight), reads a response header the
server exposes, and reads a stream to its end event, then posts what it saw back to this test.

Needs what the interop matrix needs, plus Debian's Chromium (/usr/bin/chromium). When it is missing
the test installs it with apt-get as root (as CI runs), about 130 packages and 2-3 minutes cold;
elsewhere it fails saying how to install it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.harness import interop_test
from ssegen.harness.interop_test import built  # noqa: F401 (the fixture: the Go and TS servers, built once)

CHROMIUM = "/usr/bin/chromium"
INSTALL_TIMEOUT_S = 900
REPORT_TIMEOUT_S = 120
# The flags that work on a closed network as root (no sandbox, no background traffic).
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

PAGE = """<!doctype html>
<meta charset="utf-8">
<script type="module">
import { MarketDataServiceClient } from "/build/gen/market/v1/index.js";
const api = new URLSearchParams(location.search).get("api");
const seen = {};
try {
  const client = new MarketDataServiceClient(api, { headers: { "X-API-Key": "mk_interop" } });
  let method = "";
  const instrument = await client.getInstrument(
    { venue: "VENUE_XNAS", symbol: "ECHO" },
    { headers: { "X-Interop-Echo": "from the browser" }, onResponse: (r) => { method = r.headers.get("X-Interop-Method") ?? ""; } },
  );
  seen.unary = instrument.name;
  seen.exposed = method;
  const bids = [];
  for await (const quote of client.streamQuotes({ symbol: "EVENTS" })) bids.push(quote.bid);
  seen.stream = bids;
} catch (error) {
  seen.error = String(error);
}
await fetch("/report", { method: "POST", body: JSON.stringify(seen) });
</script>
"""


def chromium() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.fail("no /usr/bin/chromium: install Debian's chromium package (apt-get install chromium)", pytrace=False)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL, timeout=INSTALL_TIMEOUT_S).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL, timeout=INSTALL_TIMEOUT_S, check=True)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL, timeout=INSTALL_TIMEOUT_S, check=True)
    return CHROMIUM


class PageServer:
    """Serves the page and the compiled TS package from its own origin; keeps the page's report."""

    def __init__(self, package: Path) -> None:
        self.report: Optional[Dict[str, object]] = None
        self.reported = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path.startswith("/page.html"):
                    self._send(200, "text/html", PAGE.encode("utf-8"))
                    return
                file = (package / self.path.lstrip("/").split("?")[0]).resolve()
                if package.resolve() in file.parents and file.is_file() and file.suffix == ".js":
                    self._send(200, "text/javascript", file.read_bytes())
                else:
                    self._send(404, "text/plain", b"not found")

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.report = json.loads(body or b"{}")
                owner.reported.set()
                self._send(204, "text/plain", b"")

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("server", ["go", "ts"])
def test_browser_calls_the_server_across_origins(built: interop_test.Built, server: str) -> None:
    browser = chromium()
    argv, cwd = built.server[server]
    api = interop_test.Server(argv, cwd)
    package = built.server["ts"][1]
    page = PageServer(package)
    profile = tempfile.mkdtemp(prefix="ssegen-chromium-")
    process = subprocess.Popen(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"{page.url}/page.html?api={api.url}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        assert page.reported.wait(REPORT_TIMEOUT_S), "the page never reported (did Chromium start?)"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        page.close()
        api.stop()
        shutil.rmtree(profile, ignore_errors=True)
    # The page's origin (another port) differs from the API's: each result needed CORS.
    assert page.report == {
        "unary": "from the browser",
        "exposed": "market.v1.MarketDataService.GetInstrument",
        "stream": [1, 2, 3, 4],
    }, page.report
