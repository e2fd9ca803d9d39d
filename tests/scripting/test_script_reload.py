"""A change to a script file reloads a watching server, as a change to the capability does."""

from __future__ import annotations

import shutil
import time

import httpx

from conftest import ROOT, clean_env
from upstreams import members_and_readings

EXAMPLE = ROOT / "examples" / "script-steps" / "script-steps.yaml"
FREE = ("--port=reports=0", "--port=reporting=0", "--control-port=0")


def test_watch_reloads_when_a_script_changes(serve, naftiko_run, tmp_path) -> None:
    shutil.copytree(EXAMPLE.parent, tmp_path / "scripting")
    upstream = serve(members_and_readings)
    running = naftiko_run(
        str(tmp_path / "scripting" / EXAMPLE.name),
        *FREE,
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


def test_scripting_speaks_for_every_worker(serve, naftiko_run) -> None:
    upstream = serve(members_and_readings)
    running = naftiko_run(
        str(EXAMPLE),
        *FREE,
        f"--base-uri=github={upstream.url}",
        f"--base-uri=sensors={upstream.url}",
        "--workers=2",
        "--mcp-stateless",
        env=clean_env(),
    )
    members = running.urls["reports"] + "/orgs/naftiko/active-members"
    for _ in range(6):  # spread over both workers by the kernel
        assert httpx.get(members).status_code == 200
    control = running.urls["control"] + "/scripting"
    assert httpx.get(control).json()["stats"]["totalExecutions"] == 6
    changed = httpx.put(control, json={"allowedLanguages": ["python"]})
    assert changed.status_code == 200, changed.text
    with httpx.Client() as client:  # new connections: whichever worker takes them refuses
        refused = [
            client.get(members, headers={"Connection": "close"}).status_code for _ in range(6)
        ]
    assert refused == [500] * 6
    assert httpx.put(control, json={"timeout": -1}).status_code == 400
