"""Ikanos 1.0.0-beta5 files, read into the one model: every tutorial step loads, serves the
same tools, routes and answers as its alpha2 counterpart against the same upstream, and
errors still name the line of the beta file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from mcp_client import stateless_request
from naftiko.engine import Engine
from naftiko.spec import check, load
from tutorial_pairs import STEPS, answers, pair, surface
from upstreams import registry


@pytest.mark.parametrize("number", STEPS)
def test_every_beta_step_loads_without_a_finding(corpus: Path, number: int) -> None:
    _, beta = pair(corpus, number)
    doc = check(beta)
    assert doc.diagnostics == []
    assert doc.dialect == "1.0.0-beta5"


@pytest.mark.parametrize("number", STEPS)
def test_each_beta_step_serves_the_same_tools_and_routes(corpus: Path, number: int) -> None:
    alpha, beta = pair(corpus, number)
    assert surface(beta) == surface(alpha)


@pytest.mark.parametrize("number", STEPS)
def test_each_beta_step_answers_as_its_alpha2_step(corpus: Path, number: int, serve) -> None:
    upstream = serve(registry)
    alpha, beta = pair(corpus, number)
    expected = answers(alpha, upstream.url)
    assert expected  # the step exposes something to compare
    assert answers(beta, upstream.url) == expected


def test_an_error_names_the_line_in_the_beta_file(tmp_path: Path, corpus: Path) -> None:
    _, beta = pair(corpus, 2)
    text = beta.read_text(encoding="utf-8").replace("method: GET", "method: FETCH", 1)
    path = tmp_path / "step-2.yml"
    path.write_text(text, encoding="utf-8")
    [problem] = check(path).diagnostics
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "FETCH" in t)
    assert (problem.file, problem.line) == (str(path), line)
    assert "method" in problem.field


def test_a_ziti_tunnel_is_refused_at_load(corpus: Path) -> None:
    doc = check(corpus / "ikanos-beta5" / "examples" / "reverse-tunnel-ziti.yml")
    [problem] = doc.errors
    assert "ziti tunnel is not supported" in problem.message
    assert problem.line > 0


def test_fields_alpha2_cannot_say_are_warnings(corpus: Path) -> None:
    doc = check(corpus / "ikanos-beta5" / "examples" / "capability-binary-content.yml")
    assert doc.errors == []
    assert {d.code for d in doc.diagnostics} == {"beta-dropped"}
    assert all(d.line > 0 for d in doc.diagnostics)


def test_a_beta_file_of_our_own(tmp_path: Path) -> None:
    path = tmp_path / "mini.yml"
    path.write_text(
        'ikanos: "1.0.0-beta3"\n'
        "info:\n  display: Mini\n  description: One tool.\n"
        "capability:\n  exposes:\n  - type: mcp\n    namespace: mini\n    port: 0\n"
        "    tools:\n      hello:\n        description: Says hello.\n"
        "        inputParameters:\n          who:\n            type: string\n"
        "            description: Whom\n"
        "        outputParameters:\n          greeting:\n            type: string\n"
        '            value: "Hello, {{who}}"\n',
        encoding="utf-8",
    )
    capability = load(path)
    assert capability.label == "Mini"
    engine = Engine(capability)
    result = asyncio.run(engine.invoke("mini.hello", {"who": "Ada"}))
    assert result.data == {"greeting": "Hello, Ada"}


def test_an_ikanos_version_we_do_not_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.yml"
    path.write_text('ikanos: "2.0.0"\ninfo:\n  display: X\n  description: Y\n', "utf-8")
    problem = check(path).errors[0]
    assert problem.message == "unsupported ikanos version '2.0.0'"
    assert (problem.line, problem.col) == (1, 1)


def test_the_adapters_caching_hints_reach_2026_clients(tmp_path: Path, serve_capability) -> None:
    path = tmp_path / "hints.yml"
    path.write_text(
        'ikanos: "1.0.0-beta5"\n'
        "info:\n  display: Hints\n  description: Lists kept a minute.\n"
        "capability:\n  exposes:\n  - type: mcp\n    namespace: hints\n    port: 0\n"
        "    ttlMs: 60000\n    cacheScope: private\n"
        "    tools:\n      hello:\n        description: Says hello.\n"
        "        outputParameters:\n          greeting:\n            type: string\n"
        '            value: "Hello"\n',
        encoding="utf-8",
    )
    assert check(path).diagnostics == []
    url = serve_capability(path)["hints"] + "/mcp"
    body, headers = stateless_request("tools/list")
    result = httpx.post(url, json=body, headers=headers).json()["result"]
    assert (result["ttlMs"], result["cacheScope"]) == (60000, "private")


def test_split_files_bring_their_adapters_aggregates_and_binds(tmp_path: Path) -> None:
    (tmp_path / "exposes.yml").write_text(
        'ikanos: "1.0.0-beta5"\n'
        "exposes:\n  - type: mcp\n    namespace: tools\n    port: 0\n"
        "    tools:\n      hello:\n        description: Says hello.\n        ref: words.hello\n",
        encoding="utf-8",
    )
    (tmp_path / "aggregates.yml").write_text(
        'ikanos: "1.0.0-beta5"\n'
        "aggregates:\n  - display: Words\n    namespace: words\n    flows:\n"
        "      hello:\n        description: A greeting.\n        outputParameters:\n"
        "          greeting:\n            type: string\n"
        '            value: "Hello, {{NAME}}"\n',
        encoding="utf-8",
    )
    (tmp_path / "binds.yml").write_text(
        'ikanos: "1.0.0-beta5"\n'
        "binds:\n  - namespace: names\n    keys:\n      NAME: GREETED_NAME\n",
        encoding="utf-8",
    )
    main = tmp_path / "main.yml"
    main.write_text(
        'ikanos: "1.0.0-beta5"\n'
        "info:\n  display: Split\n  description: One capability in four files.\n"
        "capability:\n"
        "  binds:\n    - from: ./binds.yml\n      import: names\n"
        "  aggregates:\n    - from: ./aggregates.yml\n      import: words\n"
        "  exposes:\n    - from: ./exposes.yml\n      import: tools\n",
        encoding="utf-8",
    )
    assert check(main).diagnostics == []
    engine = Engine(load(main), environ={"GREETED_NAME": "Ada"})
    assert asyncio.run(engine.invoke("tools.hello", {})).data == {"greeting": "Hello, Ada"}


def test_an_import_of_an_unknown_adapter_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "exposes.yml").write_text(
        'ikanos: "1.0.0-beta5"\nexposes:\n  - type: mcp\n    namespace: tools\n', "utf-8"
    )
    main = tmp_path / "main.yml"
    main.write_text(
        'ikanos: "1.0.0-beta5"\ninfo:\n  display: X\n  description: Y\n'
        "capability:\n  exposes:\n    - from: ./exposes.yml\n      import: nope\n",
        encoding="utf-8",
    )
    problem = check(main).errors[0]
    assert "namespace 'nope' not found" in problem.message
    assert (problem.file, problem.line) == (str(main), 8)
