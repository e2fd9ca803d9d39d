"""Every adapter on a loopback address refuses a foreign Host or Origin (DNS rebinding and
cross-site requests), before any upstream is called with the operator's credentials."""

from __future__ import annotations

import httpx
import pytest

from conftest import FIXTURES, clean_env
from upstreams import echo

SECRET = "shop-upstream-secret-3c1f"


@pytest.fixture
def running(serve, naftiko_run):
    upstream = serve(echo)
    served = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        f"--base-uri=echo={upstream.url}",
        "--control-port=0",
        env=clean_env(SHOP_UPSTREAM_TOKEN=SECRET),
    )
    return served, upstream


@pytest.mark.parametrize(
    "headers",
    [{"Host": "evil.example"}, {"Origin": "http://evil.example"}],
    ids=["host", "origin"],
)
def test_a_foreign_name_gets_403_and_never_reaches_the_upstream(running, headers) -> None:
    served, upstream = running
    for adapter, path in (("shop", "/items/1"), ("control", "/status")):
        answer = httpx.delete(served.urls[adapter] + path, headers=headers)
        assert answer.status_code == 403, adapter
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert upstream.requests == []


def test_the_local_name_is_served(running) -> None:
    served, upstream = running
    assert httpx.get(served.urls["shop"] + "/items/1").status_code == 200
    assert len(upstream.requests) == 1


def test_an_admitted_name_is_served(serve, naftiko_run) -> None:
    upstream = serve(echo)
    served = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        f"--base-uri=echo={upstream.url}",
        "--allowed-host=api.internal",
        env=clean_env(SHOP_UPSTREAM_TOKEN=SECRET),
    )
    answer = httpx.get(served.urls["shop"] + "/items/1", headers={"Host": "api.internal"})
    assert answer.status_code == 200
