"""Schemathesis against a REST adapter's own exported OpenAPI (a bounded number of examples per
operation, derandomized): whatever a caller sends, the adapter never answers with a 5xx of its
own, and every error of ours is a problem+json."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from conftest import FIXTURES
from naftiko.openapi.exporter import export_openapi
from naftiko.pipeline import compile_plans, load
from upstreams import echo

SHOP = FIXTURES / "shop.yaml"
EXAMPLES = 40


def exported() -> dict:
    compiled = load(SHOP)
    engine = compile_plans(compiled, secrets=False)
    assert engine is not None
    adapter = next(a for a in engine.capability.exposes if a.type == "rest")
    document = export_openapi(engine, adapter, "http://127.0.0.1:1")
    # /slow waits as long as asked (it tests deadlines elsewhere): not a fuzzing target
    document["paths"] = {p: v for p, v in document["paths"].items() if "slow" not in p}
    return document


schema = schemathesis.openapi.from_dict(exported())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_the_adapter_fail(case, serve, serve_capability, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", "shop-token-1234")
    url, upstream = _served(serve, serve_capability)
    before = len(upstream.requests)
    response = case.call(base_url=url, headers={"Host": url.removeprefix("http://")})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    ours = len(upstream.requests) == before  # else an upstream error may pass through as it is
    if ours and 400 <= response.status_code < 500:
        kind = response.headers.get("content-type") or [""]
        kind = kind[0] if isinstance(kind, list) else kind
        assert kind.startswith("application/problem+json"), (
            case.method,
            case.formatted_path,
            response.status_code,
            response.text,
        )


_SERVED: list[tuple[Any, str, Any]] = []


def _served(serve, serve_capability) -> tuple[str, Any]:
    """One server per test: hypothesis calls the body many times with the same fixtures, so
    the server is started at the first call that sees this test's fixture."""
    if not _SERVED or _SERVED[-1][0] is not serve_capability:
        upstream = serve(echo)
        url = serve_capability(SHOP, base_uris={"echo": upstream.url})["shop"]
        _SERVED[:] = [(serve_capability, url, upstream)]
    _, url, upstream = _SERVED[-1]
    return url, upstream
