"""Every example under examples/ validates cleanly and answers through `naftiko call`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, clean_env, naftiko_cli
from mcp_client import stateless_request
from upstreams import registry

EXAMPLES = ROOT / "examples"
# the capabilities; `*.openapi.yaml` documents describe the upstreams they mock
CAPABILITIES = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".openapi.yaml"))


def test_every_example_validates_without_warnings() -> None:
    assert CAPABILITIES
    done = naftiko_cli("validate", "--strict", *map(str, CAPABILITIES))
    assert done.returncode == 0, done.stderr


def test_quickstart_mock_tool_answers_without_network() -> None:
    done = naftiko_cli(
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
    done = naftiko_cli(
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
    done = naftiko_cli(
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


def free_ports(example: Path) -> list[str]:
    from naftiko.spec import load

    return [f"--port={a.namespace}=0" for a in load(example).exposes if a.transport != "stdio"]


def placeholder_secrets(example: Path) -> dict[str, str]:
    """A stand-in value for every environment variable the example binds."""
    from naftiko.spec import load

    binds = load(example).binds
    return {v: "placeholder" for b in binds if b.location is None for v in b.keys.values()}


@pytest.mark.parametrize("example", CAPABILITIES, ids=lambda p: p.name)
def test_every_example_starts_and_serves_its_openapi(example: Path, naftiko_run) -> None:
    env = clean_env(**placeholder_secrets(example))
    running = naftiko_run(str(example), *free_ports(example), env=env)
    assert running.urls
    from naftiko.spec import load

    for adapter in load(example).exposes:
        url = running.urls[adapter.namespace]
        if adapter.type == "rest":
            assert httpx.get(f"{url}/openapi.json").status_code == 200
        else:
            discover, headers = stateless_request("server/discover")
            assert httpx.post(f"{url}/mcp", json=discover, headers=headers).status_code == 200


def test_quickstart_serves_its_rest_mock_at_once(naftiko_run) -> None:
    example = EXAMPLES / "quickstart.yaml"
    running = naftiko_run(str(example), *free_ports(example))
    answer = httpx.get(f"{running.urls['quickstart-rest']}/hello/Ada", params={"times": 2})
    assert answer.status_code == 200
    assert answer.json() == {"greeting": "Hello, Ada!", "times": 2}


def test_quickstart_rest_calls_the_given_base_uri(serve, naftiko_run) -> None:
    upstream = serve(registry)
    example = EXAMPLES / "quickstart.yaml"
    running = naftiko_run(
        str(example), *free_ports(example), "--base-uri", f"registry={upstream.url}"
    )
    answer = httpx.get(f"{running.urls['quickstart-rest']}/ships/IMO-9321483")
    assert answer.json() == {"name": "Northern Star", "flag": "NO", "built": 2015}
    assert upstream.last.headers["Authorization"] == "Bearer quickstart-demo-token"
