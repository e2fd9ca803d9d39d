"""A change to a script file reloads a watching server, as a change to the capability does."""

from __future__ import annotations

import shutil
import time

import httpx

from conftest import FIXTURES, clean_env
from upstreams import members_and_readings


def test_watch_reloads_when_a_script_changes(serve, naftiko_run, tmp_path) -> None:
    shutil.copytree(FIXTURES / "scripting", tmp_path / "scripting")
    upstream = serve(members_and_readings)
    running = naftiko_run(
        str(tmp_path / "scripting" / "scripting.yaml"),
        f"--base-uri=github={upstream.url}",
        f"--base-uri=sensors={upstream.url}",
        "--watch",
        env=clean_env(),
    )
    url = running.urls["reports"] + "/devices/d-1/summary"
    assert httpx.get(url).json()["count"] == 3
    script = tmp_path / "scripting" / "scripts" / "analyze-readings.py"
    script.write_text(script.read_text("utf-8").replace('"count": len(values)', '"count": 42'))
    deadline = time.monotonic() + 15
    while "reloaded (a file changed)" not in running.log():
        assert time.monotonic() < deadline, running.log()[-2000:]
        time.sleep(0.05)
    assert httpx.get(url).json()["count"] == 42
