"""Every example under examples/ validates cleanly and answers through `naftiko call`."""

from __future__ import annotations

import json
import subprocess

from conftest import ROOT, clean_env, naftiko_command
from upstreams import registry

EXAMPLES = ROOT / "examples"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*naftiko_command(), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )


def test_every_example_validates_without_warnings() -> None:
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert files
    done = run("validate", "--strict", *map(str, files))
    assert done.returncode == 0, done.stderr


def test_quickstart_mock_tool_answers_without_network() -> None:
    done = run(
        "call",
        str(EXAMPLES / "quickstart.yaml"),
        "quickstart.greet",
        "-p",
        "name=Ada",
        "-p",
        "times=2",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"greeting": "Hello, Ada!", "times": 2}


def test_quickstart_upstream_tool_calls_the_given_base_uri(serve) -> None:
    upstream = serve(registry)
    done = run(
        "call",
        str(EXAMPLES / "quickstart.yaml"),
        "quickstart.get-ship",
        "-p",
        "imo=IMO-9321483",
        "--base-uri",
        f"registry={upstream.url}",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"name": "Northern Star", "flag": "NO", "built": 2015}
    assert upstream.last.headers["Authorization"] == "Bearer quickstart-demo-token"


def test_wrong_input_type_is_a_clear_error() -> None:
    done = run(
        "call",
        str(EXAMPLES / "quickstart.yaml"),
        "quickstart.greet",
        "-p",
        "name=Ada",
        "-p",
        "times=often",
    )
    assert done.returncode == 1
    assert "times: must be an integer" in done.stderr
    assert "Traceback" not in done.stderr
