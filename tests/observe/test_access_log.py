"""The access log: one line per request with the route template (never the values in the
path or query), status, duration, bytes and upstream time; JSON fields with --log-format json;
the trace id when tracing is on; silent with --no-access-log."""

from __future__ import annotations

import json

import httpx
import pytest

from conftest import ROOT, clean_env

QUICKSTART = ROOT / "examples" / "quickstart.yaml"
PORTS = ("--port=quickstart-rest=0", "--port=quickstart=0")


def access_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "naftiko.access" in line]


def test_one_text_line_per_request_with_the_route_not_the_values(naftiko_run) -> None:
    running = naftiko_run(str(QUICKSTART), *PORTS)
    httpx.get(running.urls["quickstart-rest"] + "/hello/Ada-Secretname?times=2")
    running.stop()
    (line,) = access_lines(running.log())
    assert "quickstart-rest GET /hello/{name} 200 " in line
    assert "Ada-Secretname" not in line and "times=2" not in line
    assert "upstream=" in line and "B " in line


def test_json_lines_carry_the_fields(naftiko_run) -> None:
    running = naftiko_run(str(QUICKSTART), *PORTS, "--log-format", "json")
    httpx.get(running.urls["quickstart-rest"] + "/hello/Ada")
    running.stop()
    entries = [json.loads(line) for line in running.log().splitlines() if line.startswith("{")]
    (entry,) = [e for e in entries if e["logger"] == "naftiko.access"]
    assert entry["route"] == "/hello/{name}" and entry["status"] == 200
    assert {"duration_ms", "bytes", "upstream_ms", "method", "adapter"} <= set(entry)


def test_mcp_requests_are_logged_by_method_and_tool(naftiko_run) -> None:
    running = naftiko_run(str(QUICKSTART), *PORTS)
    url = running.urls["quickstart"] + "/mcp"
    headers = {"Accept": "application/json, text/event-stream"}
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    httpx.post(url, json=init, headers=headers)
    running.stop()
    assert any("quickstart MCP initialize 200" in line for line in access_lines(running.log()))


def test_no_access_log_silences_it(naftiko_run) -> None:
    running = naftiko_run(str(QUICKSTART), *PORTS, "--no-access-log")
    httpx.get(running.urls["quickstart-rest"] + "/hello/Ada")
    running.stop()
    assert access_lines(running.log()) == []


def test_the_trace_id_is_in_the_line_when_tracing_is_on(serve, naftiko_run) -> None:
    from aiohttp import web

    def receiver(request: web.Request) -> web.Response:
        return web.Response(body=b"", content_type="application/x-protobuf")

    otlp = serve(receiver)
    env = clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url)
    running = naftiko_run(str(QUICKSTART), *PORTS, env=env)
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    httpx.get(
        running.urls["quickstart-rest"] + "/hello/Ada",
        headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"},
    )
    running.stop()
    (line,) = access_lines(running.log())
    assert line.endswith(f"trace={trace}")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_direct_line_is_the_line_the_logging_handler_writes(fmt, monkeypatch) -> None:
    import io
    import re
    import sys
    import time

    from naftiko.observe import access
    from naftiko.observe import logging as naftiko_logging

    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(access, "enabled", True)
    naftiko_logging.configure("info", fmt)
    direct = access.writer
    assert direct is not None
    for writer in (direct, None):
        monkeypatch.setattr(access, "writer", writer)
        token = access.begin()
        access.line(token, "shop", "GET", "/items/{id}", 200, time.perf_counter(), 12)
    naftiko_logging.configure("warning", "text")  # as the other tests expect
    fast, slow = stream.getvalue().splitlines()
    timing = r"\d\d:\d\d:\d\d[,.]\d{3}|[\d.]+ms|\"(duration|upstream)_ms\": [\d.e-]+"
    assert re.sub(timing, "T", fast) == re.sub(timing, "T", slow)


def test_a_tool_name_with_control_characters_is_escaped(naftiko_run) -> None:
    running = naftiko_run(str(QUICKSTART), *PORTS, "--mcp-stateless")
    url = running.urls["quickstart"] + "/mcp"
    headers = {
        "Accept": "application/json, text/event-stream",
        "Mcp-Protocol-Version": "2025-06-18",
    }
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    call["params"] = {"name": "evil\nINFO forged line\x1b[2J", "arguments": {}}
    httpx.post(url, json=call, headers=headers)
    running.stop()
    (line,) = [line for line in access_lines(running.log()) if "tools/call" in line]
    assert "evil\\nINFO forged line\\x1b[2J" in line


class _Writes:
    """A log stream that keeps each write apart."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def _burst(stream: _Writes, count: int) -> list[str]:
    """``count`` access lines written at once in a running event loop; returns the writes
    made before the batch's delay ran out (the stream keeps them all)."""
    import asyncio
    import logging

    from naftiko.observe import access

    writer = access.Writer(logging.StreamHandler(stream), None, "")  # type: ignore[arg-type]
    early: list[str] = []

    async def serve() -> None:
        for n in range(count):
            writer.write("shop", "GET", f"/items/{n}", 200, 1.0, 12, 0.5, "")
        early.extend(stream.writes)
        await asyncio.sleep(access.Writer.DELAY * 2)

    asyncio.run(serve())
    return early


def test_the_lines_of_a_moment_go_out_in_one_write() -> None:
    stream = _Writes()
    assert _burst(stream, 20) == []  # none is written alone, at once
    (batch,) = stream.writes
    assert batch.count("\n") == 20
    assert batch.index("/items/0 ") < batch.index("/items/19 ")


def test_no_write_is_longer_than_a_pipe_takes_at_once() -> None:
    import re

    stream = _Writes()
    _burst(stream, 200)
    assert len(stream.writes) > 1
    assert all(len(text.encode()) <= 4096 and text.endswith("\n") for text in stream.writes)
    routes = re.findall(r"/items/(\d+) ", "".join(stream.writes))
    assert routes == [str(n) for n in range(200)]


def test_a_logged_record_comes_after_the_access_lines_before_it(monkeypatch) -> None:
    import asyncio
    import io
    import logging
    import sys
    import time

    from naftiko.observe import access
    from naftiko.observe import logging as naftiko_logging

    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(access, "enabled", True)
    naftiko_logging.configure("info", "text")

    async def serve() -> None:
        token = access.begin()
        access.line(token, "shop", "GET", "/items/{id}", 200, time.perf_counter(), 12)
        logging.getLogger("naftiko.cli").warning("after the request")

    asyncio.run(serve())
    naftiko_logging.configure("warning", "text")  # as the other tests expect
    first, second = stream.getvalue().splitlines()
    assert "naftiko.access" in first and "after the request" in second


def test_a_batch_reaches_a_file_stream_encoded_as_the_stream_would(tmp_path) -> None:
    import logging

    from naftiko.observe import access

    path = tmp_path / "access.log"
    with open(path, "w", encoding="ascii", errors="backslashreplace") as stream:
        writer = access.Writer(logging.StreamHandler(stream), None, "")
        writer.write("shop", "GET", "/caf\u00e9s/{id}", 200, 1.0, 12, 0.5, "")
        writer.write("shop", "GET", "/items/{id}", 404, 1.0, 12, 0.5, "")
        writer.flush()
        first, second = path.read_text(encoding="ascii").splitlines()
    assert "shop GET /caf\\xe9s/{id} 200 " in first
    assert "shop GET /items/{id} 404 " in second
