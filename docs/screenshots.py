"""Make README's screenshots of /docs and the console: the quickstart, a few calls, Chromium.

    python docs/screenshots.py      (needs Chromium and the test extra's Playwright)

It serves examples/quickstart.yaml on free ports, with its registry mocked and tracing on
(the spans stay in the control port's ring; no collector needs to listen).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"


def serve() -> tuple[subprocess.Popen[str], dict[str, str]]:
    examples = ROOT / "examples"
    command = [
        sys.executable, "-m", "naftiko", "run", str(examples / "quickstart.yaml"),
        "--mock", f"registry={examples / 'registry.openapi.yaml'}",
        "--port", "quickstart-rest=0", "--port", "quickstart=0", "--control-port", "0",
    ]  # fmt: skip
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if found := re.search(r"adapter '([^']+)' listening on (http://[\d.:]+)", line):
            urls[found[1]] = found[2]
        if "ready:" in line:
            return process, urls
    process.kill()
    raise SystemExit("naftiko did not start")


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no Chromium: apt-get install chromium")
    process, urls = serve()
    try:
        rest = urls["quickstart-rest"]
        for name in ("Ada", "Grace", "Alan"):
            httpx.get(f"{rest}/hello/{name}", params={"times": 2})
        for imo in ("IMO-9321483", "IMO-9321483", "IMO-0000000"):
            httpx.get(f"{rest}/ships/{imo}")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1200, "height": 760})
            page.goto(f"{rest}/docs")
            operation = page.locator(".opblock", has_text="/ships/")
            operation.locator(".opblock-summary").click()
            operation.get_by_role("button", name="Try it out").click()
            operation.locator("input[placeholder='imo']").fill("IMO-9321483")
            operation.get_by_role("button", name="Execute").click()
            operation.locator(".live-responses-table tbody .response-col_status").wait_for()
            page.set_viewport_size({"width": 1200, "height": 1400})
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(IMAGES / "docs.png"))
            page.goto(urls["control"] + "/")
            page.locator("#traces tbody tr td a").first.wait_for()
            page.screenshot(path=str(IMAGES / "console.png"), full_page=True)
            browser.close()
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
