"""A script step is a span of its own, below the request's, with its language and file."""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES, clean_env
from upstreams import members_and_readings

pytest.importorskip("opentelemetry.sdk.trace", reason="tracing needs the otel extra")


def receiver(request: web.Request) -> web.Response:
    return web.Response(body=b"", content_type="application/x-protobuf")


def test_each_script_step_is_a_span_below_the_request(serve, naftiko_run) -> None:
    otlp, upstream = serve(receiver), serve(members_and_readings)
    running = naftiko_run(
        str(FIXTURES / "scripting" / "scripting.yaml"),
        f"--base-uri=github={upstream.url}",
        f"--base-uri=sensors={upstream.url}",
        env=clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url),
    )
    answer = httpx.get(running.urls["reports"] + "/devices/d-1/summary")
    assert answer.status_code == 200, answer.text
    spans = httpx.get(running.urls["control"] + "/traces").json()["spans"]
    by_name = {s["name"]: s for s in spans}
    request = by_name["GET /devices/{device-id}/summary"]
    script = by_name["step analyze"]
    assert script["parent"] == request["span"] and script["kind"] == "internal"
    assert script["attributes"]["naftiko.step.type"] == "script"
    assert script["attributes"]["naftiko.script.language"] == "python"
    assert script["attributes"]["naftiko.script.file"] == "analyze-readings.py"
    assert by_name["step fetch-readings"]["parent"] == request["span"]
