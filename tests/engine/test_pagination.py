"""Paged upstream lists (x-naftiko-pagination): one page with the way on by default; with
`follow`, every page within the bounds answered as one, progress told per page."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web

from conftest import FIXTURES
from mcp_client import wire, with_client
from naftiko.engine import Engine
from naftiko.errors import SpecError
from naftiko.spec import load

PAGES = FIXTURES / "pages.yaml"
PEOPLE = [{"id": n} for n in range(25)]


class Directory:
    """25 people, paged by cursor, offset, page number and Link header."""

    def __init__(self) -> None:
        self.link_elsewhere = ""

    def __call__(self, request: web.Request) -> web.Response:
        query = request.query
        if request.path == "/cursor":
            start = int(query.get("cursor") or 0)
            size = int(query.get("page_size") or 10)
            end = start + size
            following = str(end) if end < len(PEOPLE) else None
            return web.json_response(
                {"status": "success", "data": {"results": PEOPLE[start:end], "next": following}}
            )
        if request.path == "/offset":
            start, size = int(query.get("offset") or 0), int(query.get("limit") or 10)
            return web.json_response({"items": PEOPLE[start : start + size]})
        if request.path == "/page":
            page = int(query.get("p") or 1)
            return web.json_response({"items": PEOPLE[(page - 1) * 5 : page * 5]})
        page = int(query.get("page") or 1)
        headers = {}
        if page * 10 < len(PEOPLE):
            origin = self.link_elsewhere or ""
            headers["Link"] = f'<{origin}/link?page={page + 1}>; rel="next", </link>; rel="first"'
        return web.json_response(PEOPLE[(page - 1) * 10 : page * 10], headers=headers)


@pytest.fixture
def directory(serve):
    people = Directory()
    upstream = serve(people)
    return people, upstream


def call(upstream, target: str, inputs: dict[str, Any]) -> Any:
    engine = Engine(load(PAGES), base_uris={"people": upstream.url})

    async def run() -> Any:
        try:
            return (await engine.invoke(target, inputs)).data
        finally:
            await engine.close()

    return asyncio.run(run())


def test_by_default_one_page_is_answered_with_its_cursor(directory) -> None:
    _, upstream = directory
    answer = call(upstream, "people.list-one-page", {})
    assert answer["data"]["results"] == PEOPLE[:10]
    assert answer["data"]["next"] == "10"
    assert len(upstream.requests) == 1


def test_followed_cursor_pages_are_answered_as_one(directory) -> None:
    _, upstream = directory
    answer = call(upstream, "people.list-all", {})
    assert answer == {"status": "success", "data": {"results": PEOPLE, "next": None}}
    assert [r.query.get("cursor") for r in upstream.requests] == [None, "10", "20"]


def test_max_pages_leaves_the_cursor_where_the_next_page_starts(directory) -> None:
    _, upstream = directory
    answer = call(upstream, "people.list-all", {"page_size": "5"})
    assert answer["data"]["results"] == PEOPLE[:15]
    assert answer["data"]["next"] == "15"
    assert {r.query.get("page_size") for r in upstream.requests} == {"5"}  # filters kept


def test_offset_pages_grow_by_the_items_received(directory) -> None:
    _, upstream = directory
    answer = call(upstream, "people.list-by-offset", {"limit": "10"})
    assert answer == {"items": PEOPLE}
    assert [r.query.get("offset") for r in upstream.requests] == [None, "10", "20", "25"]


def test_page_numbers_stop_once_max_items_are_in_hand(directory) -> None:
    _, upstream = directory
    answer = call(upstream, "people.list-by-page", {})
    assert answer == {"items": PEOPLE[:15]}  # maxItems 12: pages are kept whole
    assert [r.query.get("p") for r in upstream.requests] == [None, "2", "3"]


def test_link_headers_are_followed_within_the_origin(directory) -> None:
    _, upstream = directory
    assert call(upstream, "people.list-by-link", {}) == PEOPLE
    assert len(upstream.requests) == 3


def test_a_next_link_to_another_origin_is_not_followed(directory) -> None:
    people, upstream = directory
    people.link_elsewhere = "http://127.0.0.2:1"
    assert call(upstream, "people.list-by-link", {}) == PEOPLE[:10]
    assert len(upstream.requests) == 1


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_mcp_hears_of_each_page_and_reads_how_to_page(directory, serve_capability, mode) -> None:
    _, upstream = directory
    url = serve_capability(PAGES, base_uris={"people": upstream.url})["people-mcp"] + "/mcp"
    seen: list[str | None] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        seen.append(message)

    async def work(client):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        result = await client.call_tool("list-all", {"page_size": "10"}, progress_callback=progress)
        return tools, result

    tools, result = with_client(url, work, mode=mode)
    assert "pass the answer's `data.next` as `cursor`" in tools["list-one-page"].description
    assert "Answers up to 3 pages" in tools["list-all"].description
    body = json.loads(wire(result)["content"][0]["text"])
    assert len(body["data"]["results"]) == 25
    assert [m and m.split(":")[0] for m in seen] == ["page 2 of people", "page 3 of people"]


def test_a_paging_parameter_the_operation_lacks_is_refused_at_load(tmp_path) -> None:
    text = PAGES.read_text(encoding="utf-8").replace("                param: p\n", "")
    path = tmp_path / "pages.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        Engine(load(path), base_uris={"people": "http://127.0.0.1:9"})
    [problem] = raised.value.diagnostics
    assert "param 'page' is not an input parameter" in problem.message
    assert problem.line > 0 and problem.file.endswith("pages.yaml")


def test_kombo_employees_answer_one_page_and_say_how_to_get_the_next(serve) -> None:
    from conftest import KOMBO

    def employees(request: web.Request) -> web.Response:
        start = int(request.query.get("cursor") or 0)
        following = str(start + 2) if start + 2 < 5 else None
        page = [{"id": f"emp-{n}"} for n in range(start, min(start + 2, 5))]
        return web.json_response(
            {"status": "success", "data": {"results": page, "next": following}}
        )

    upstream = serve(employees)
    engine = Engine(
        load(KOMBO / "kombo-unified-hris-api.yaml"),
        base_uris={"kombo-unified-hris-api": f"{upstream.url}/v1"},
        environ={"KOMBO_API_KEY": "k"},
    )
    tool = engine.plan("kombo-unified-hris-api-mcp.get-hris-employees")
    assert tool.description.startswith("Get employees. Answers one page")
    assert "pass the answer's `data.next` as `cursor`" in tool.description

    async def run() -> list[Any]:
        try:
            inputs: dict[str, Any] = {"X-Integration-Id": "int-1"}
            first = (await engine.invoke(tool, inputs)).data
            second = (await engine.invoke(tool, {**inputs, "cursor": first["data"]["next"]})).data
            return [first, second]
        finally:
            await engine.close()

    first, second = asyncio.run(run())
    assert [e["id"] for e in first["data"]["results"]] == ["emp-0", "emp-1"]
    assert [e["id"] for e in second["data"]["results"]] == ["emp-2", "emp-3"]
    assert second["data"]["next"] == "4"
