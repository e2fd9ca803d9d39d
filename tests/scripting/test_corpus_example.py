"""The corpus's script-step example, run as written but for where its scripts live: its two
tools answer over MCP against local upstreams, with the scripts beside this suite's fixture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from mcp_client import wire, with_client
from upstreams import members_and_readings as upstream

SCRIPTS = ROOT / "examples" / "script-steps" / "scripts"


@pytest.fixture
def example(corpus: Path, tmp_path: Path) -> Path:
    text = (corpus / "naftiko-framework-examples" / "script-step.yml").read_text("utf-8")
    assert text.count("file:///app/capabilities/scripts") == 3
    shutil.copytree(SCRIPTS, tmp_path / "scripts")
    path = tmp_path / "script-step.yml"
    path.write_text(text.replace("file:///app/capabilities/scripts", "file:///./scripts"), "utf-8")
    return path


def test_both_tools_of_the_corpus_example_answer(example, serve, serve_capability) -> None:
    mock = serve(upstream)
    urls = serve_capability(
        example,
        base_uris={"github": mock.url, "sensors": mock.url},
        ports={"reporting": 0},
        control_port=0,
    )

    async def work(client):
        members = await client.call_tool("active-members", {"org": "naftiko"})
        summary = await client.call_tool("readings-summary", {"device-id": "d-1"})
        return wire(members), wire(summary)

    members, summary = with_client(urls["reporting"] + "/mcp", work)
    assert members["structuredContent"] == {
        "active-members": [{"login": "ada", "id": 1}, {"login": "cyd", "id": 3}]
    }
    assert summary["structuredContent"] == {"average": 3.0, "min": 1.5, "max": 5.0, "count": 3}
