"""CORS on REST adapters: off by default; listed origins get CORS headers and preflights
(before authentication), others get none and, on a loopback address, a 403."""

from __future__ import annotations

import httpx
import pytest

from conftest import FIXTURES, clean_env
from upstreams import echo

APP = "https://app.example"


@pytest.fixture
def shop(serve, naftiko_run):
    def start(*flags: str) -> str:
        upstream = serve(echo)
        running = naftiko_run(
            str(FIXTURES / "shop.yaml"),
            f"--base-uri=echo={upstream.url}",
            *flags,
            env=clean_env(SHOP_UPSTREAM_TOKEN="shop-token-1234"),
        )
        return running.urls["shop"]

    return start


def test_off_by_default(shop) -> None:
    url = shop()
    answer = httpx.get(f"{url}/status", headers={"Origin": APP})
    assert answer.status_code == 403
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_a_listed_origin_gets_cors_headers(shop) -> None:
    url = shop("--cors-origin", APP)
    answer = httpx.get(f"{url}/status", headers={"Origin": APP})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == APP
    assert "Origin" in answer.headers["Vary"]


def test_a_preflight_names_the_paths_methods_and_asked_headers(shop) -> None:
    url = shop("--cors-origin", APP)
    answer = httpx.options(
        f"{url}/items",
        headers={
            "Origin": APP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-trace",
        },
    )
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == APP
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert answer.headers["Access-Control-Allow-Headers"] == "content-type, x-trace"
    assert answer.headers["Access-Control-Max-Age"] == "600"


def test_an_origin_not_listed_gets_no_cors_headers(shop) -> None:
    url = shop("--cors-origin", APP)
    answer = httpx.get(f"{url}/status", headers={"Origin": "https://other.example"})
    assert answer.status_code == 403
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_any_origin_with_a_star(shop) -> None:
    url = shop("--cors-origin", "*")
    answer = httpx.get(f"{url}/status", headers={"Origin": "https://any.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
