"""A control adapter's `observability` block, as the reference reads it: `enabled: false`
turns traces off, `traces.sampling` samples new traces, `traces.local` bounds or turns off
what /traces keeps, and `exporters.otlp.endpoint` names the receiver. The standard OTEL_*
variables come first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES, clean_env
from naftiko.observe import tracing
from naftiko.spec.management import observability

pytest.importorskip("opentelemetry.sdk.trace", reason="tracing needs the otel extra")

CONTROL = """    - type: control
      namespace: ops
      port: 0
      observability:
{block}
"""


def receiver(request: web.Request) -> web.Response:
    return web.Response(body=b"", content_type="application/x-protobuf")


def observed(tmp_path: Path, block: str) -> Path:
    """The shop fixture with a control adapter whose observability is ``block``."""
    text = (FIXTURES / "shop.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n"
    path = tmp_path / "observed.yaml"
    path.write_text(text + CONTROL.format(block=block), encoding="utf-8")
    return path


def run(naftiko_run, path: Path, upstream: Any, **env: str) -> Any:
    return naftiko_run(
        str(path),
        f"--base-uri=echo={upstream.url}",
        env=clean_env(SHOP_UPSTREAM_TOKEN="shop-token-1234", **env),
    )


def echo(request: web.Request) -> web.Response:
    return web.json_response({"id": "1"})


def settings(block: dict[str, Any]) -> tracing.Settings:
    """The trace settings a written ``block`` gives."""
    modelled = observability(block)
    assert modelled is not None
    return tracing.settings(modelled)


def test_a_full_block_is_read() -> None:
    found = settings(
        {
            "enabled": True,
            "traces": {"sampling": 0.25, "propagation": "b3", "local": {"buffer-size": 50}},
            "exporters": {"otlp": {"endpoint": "http://collector:4318"}},
        }
    )
    assert found == tracing.Settings("http://collector:4318", True, 0.25, 50, "b3")


def test_odd_values_keep_their_defaults() -> None:
    found = settings({"traces": {"sampling": 7, "local": {"buffer-size": True}}})
    assert found == tracing.Settings()
    assert settings({"traces": {"local": {"enabled": False}}}).kept == 0
    assert settings({"traces": {"local": {"buffer-size": 10**9}}}).kept == 10_000


def test_the_blocks_endpoint_turns_tracing_on(tmp_path, serve, naftiko_run) -> None:
    otlp, upstream = serve(receiver), serve(echo)
    block = f"        exporters:\n          otlp:\n            endpoint: {otlp.url}"
    running = run(naftiko_run, observed(tmp_path, block), upstream)
    assert httpx.get(running.urls["shop"] + "/whole/1").status_code == 200
    assert upstream.last.headers["traceparent"].endswith("-01")
    running.stop()
    assert otlp.requests, "the spans were sent to the block's endpoint"


def test_enabled_false_turns_tracing_off_and_says_so(tmp_path, serve, naftiko_run) -> None:
    otlp, upstream = serve(receiver), serve(echo)
    running = run(
        naftiko_run,
        observed(tmp_path, "        enabled: false"),
        upstream,
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url,
    )
    assert httpx.get(running.urls["shop"] + "/whole/1").status_code == 200
    assert "traceparent" not in upstream.last.headers
    assert "observability says (enabled: false)" in running.log()
    running.stop()
    assert otlp.requests == []


def test_sampling_zero_records_no_new_trace_but_follows_a_sampled_caller(
    tmp_path, serve, naftiko_run
) -> None:
    otlp, upstream = serve(receiver), serve(echo)
    block = "        traces:\n          sampling: 0.0"
    running = run(
        naftiko_run, observed(tmp_path, block), upstream, OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url
    )
    url = running.urls["shop"] + "/whole/1"
    httpx.get(url)
    assert upstream.last.headers["traceparent"].endswith("-00")  # passed on, not sampled
    caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    httpx.get(url, headers={"traceparent": caller})
    assert upstream.last.headers["traceparent"].endswith("-01")
    spans = httpx.get(running.urls["ops"] + "/traces").json()["spans"]
    assert {s["trace"] for s in spans} == {"4bf92f3577b34da6a3ce929d0e0e4736"}


def test_local_buffer_size_bounds_what_traces_shows(tmp_path, serve, naftiko_run) -> None:
    otlp, upstream = serve(receiver), serve(echo)
    block = "        traces:\n          local:\n            buffer-size: 10"
    running = run(
        naftiko_run, observed(tmp_path, block), upstream, OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url
    )
    for _ in range(8):
        httpx.get(running.urls["shop"] + "/whole/1")
    assert len(httpx.get(running.urls["ops"] + "/traces").json()["spans"]) == 10


def test_local_disabled_keeps_no_span_but_still_exports(tmp_path, serve, naftiko_run) -> None:
    otlp, upstream = serve(receiver), serve(echo)
    block = "        traces:\n          local:\n            enabled: false"
    running = run(
        naftiko_run, observed(tmp_path, block), upstream, OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url
    )
    httpx.get(running.urls["shop"] + "/whole/1")
    answer = httpx.get(running.urls["ops"] + "/traces")
    assert answer.status_code == 404
    assert "observability turns it off" in answer.json()["detail"]
    running.stop()
    assert otlp.requests
