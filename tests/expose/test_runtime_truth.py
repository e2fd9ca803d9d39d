"""What a running capability says that `validate` could not know: a mapping the upstream's
answer has nothing at, and a request to a route whose operation did not load."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES, Upstream
from naftiko.observe.metrics import METRICS

TRUTH = FIXTURES / "truth.yaml"


def line_of(text: str) -> int:
    for number, line in enumerate(TRUTH.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(text)


@pytest.fixture
def truth(serve, serve_capability) -> tuple[str, Upstream]:
    upstream = serve(lambda request: web.json_response({"name": "bolt", "note": None}))
    urls = serve_capability(TRUTH, base_uris={"parts": upstream.url})
    return urls["truth"], upstream


def test_a_mapping_that_matches_nothing_is_logged_once_and_counted_each_time(
    truth, caplog: pytest.LogCaptureFixture
) -> None:
    url, _ = truth
    key = ("truth.get-part.output.colour", "$.colour")
    before = METRICS.mapping_misses[key]
    with caplog.at_level(logging.WARNING, logger="naftiko.shaping"):
        for _ in range(3):
            answer = httpx.get(f"{url}/parts/7")
            assert answer.status_code == 200
            assert answer.json() == {"name": "bolt", "colour": None, "note": None}
    misses = [r.getMessage() for r in caplog.records if "matched nothing" in r.getMessage()]
    assert len(misses) == 1, misses
    line = line_of('mapping: "$.colour"')
    assert f"truth.yaml:{line}:" in misses[0]
    assert "$.colour" in misses[0]
    assert METRICS.mapping_misses[key] - before == 3
    assert b'naftiko_output_mapping_misses_total{mapping="$.colour"' in METRICS.render()


def test_a_field_the_answer_holds_as_null_is_not_a_miss(truth) -> None:
    url, _ = truth
    httpx.get(f"{url}/parts/7")
    assert ("truth.get-part.output.note", "$.note") not in METRICS.mapping_misses


def test_a_route_whose_operation_did_not_load_answers_501_naming_the_diagnostic(
    truth,
) -> None:
    url, upstream = truth
    answer = httpx.get(f"{url}/broken")
    assert answer.status_code == 501
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert "'truth.list-broken' cannot run" in problem["detail"]
    assert f"truth.yaml:{line_of('- name: list-broken')}" in problem["hint"]
    assert upstream.requests == []


def test_an_input_error_names_where_the_input_was_expected(truth) -> None:
    url, _ = truth
    for query, problem in (("", "is required"), ("?n=many", "")):
        answer = httpx.get(f"{url}/count{query}")
        assert answer.status_code == 400
        [error] = answer.json()["errors"]
        assert (error["name"], error["in"]) == ("n", "query")
        assert problem in error["problem"]


def test_a_tool_input_error_names_its_arguments() -> None:
    from naftiko.engine import Engine
    from naftiko.errors import InputError
    from naftiko.spec import load

    engine = Engine(load(TRUTH), binds={})
    with pytest.raises(InputError) as caught:
        asyncio.run(engine.invoke("truth-mcp.count", {"n": "many"}))
    assert [(p.name, p.location) for p in caught.value.problems] == [("n", "arguments")]
