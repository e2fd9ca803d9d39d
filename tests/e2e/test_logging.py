"""Logs go to stderr, as text or JSON lines; results alone go to stdout."""

from __future__ import annotations

import json
import subprocess

from conftest import ROOT, clean_env, naftiko_command

QUICKSTART = str(ROOT / "examples" / "quickstart.yaml")


def test_json_log_lines_on_stderr_and_result_on_stdout(serve) -> None:
    from upstreams import registry

    upstream = serve(registry)
    done = subprocess.run(
        [
            *naftiko_command(),
            "call",
            QUICKSTART,
            "quickstart.get-ship",
            "-p",
            "imo=IMO-9321483",
            "--base-uri",
            f"registry={upstream.url}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean_env(NAFTIKO_LOG_FORMAT="json", NAFTIKO_LOG_LEVEL="debug"),
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert {line["level"] for line in lines} == {"debug"}
    assert any("registry -> GET" in line["message"] for line in lines)
    assert "quickstart-demo-token" not in done.stderr
    assert json.loads(done.stdout)["name"] == "Northern Star"


def test_module_entry_point_matches_the_command() -> None:
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "naftiko", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("naftiko, version ")
