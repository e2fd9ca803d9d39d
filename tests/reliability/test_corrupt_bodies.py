"""A request body whose Content-Encoding does not decode is the client's fault: 400 (415 for
an encoding the server cannot decode at all), the connection closed, and no traceback."""

from __future__ import annotations

import gzip
import json
import time

import httpx
import pytest

from conftest import FIXTURES, clean_env
from upstreams import echo

CORRUPT = b"\x1f\x8b\x08\x04garbage, not a gzip stream"


@pytest.fixture
def servers(serve, naftiko_run):
    upstream = serve(echo)
    shop = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        f"--base-uri=echo={upstream.url}",
        env=clean_env(SHOP_UPSTREAM_TOKEN="shop-token-1234"),
    )
    workers = naftiko_run(
        str(FIXTURES / "workers.yaml"), "--mcp-stateless", f"--base-uri=echo={upstream.url}"
    )
    return shop, workers, upstream


def post(url: str, encoding: str) -> httpx.Response:
    headers = {
        "Content-Encoding": encoding,
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
    }
    return httpx.post(url, content=CORRUPT, headers=headers)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_corrupt_body_is_a_400_on_every_face(servers, encoding: str) -> None:
    shop, workers, upstream = servers
    for url in (
        shop.urls["shop"] + "/items",  # an operation that reads the body
        shop.urls["shop"] + "/proxy/anything",  # a forward
        workers.urls["workers-mcp"] + "/mcp",
    ):
        answer = post(url, encoding)
        assert answer.status_code == 400, (url, answer.text)
        assert "Content-Encoding cannot be decoded" in answer.text
        assert answer.headers.get("Connection") == "close"
    assert not upstream.requests
    time.sleep(0.2)
    for running in (shop, workers):
        assert "Traceback" not in running.log()
        assert "Unhandled exception" not in running.log()


def test_an_encoding_the_server_cannot_decode_is_415(servers) -> None:
    shop, _, _ = servers
    answer = post(shop.urls["shop"] + "/items", "br")
    assert answer.status_code == 415
    assert "gzip or deflate" in answer.json()["hint"]


def test_a_truncated_gzip_body_is_refused_not_passed_on_cut_short(servers) -> None:
    shop, _, upstream = servers
    whole = gzip.compress(json.dumps({"name": "pen", "count": 2}).encode())
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    cut = httpx.post(shop.urls["shop"] + "/items", content=whole[:-8], headers=headers)
    assert cut.status_code == 400
    assert "cut short" in cut.json()["detail"]
    assert not upstream.requests
    sound = httpx.post(shop.urls["shop"] + "/items", content=whole, headers=headers)
    assert sound.status_code == 200, sound.text


def test_a_gzip_body_past_the_limit_once_decoded_is_413(serve, naftiko_run) -> None:
    upstream = serve(echo)
    shop = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        f"--base-uri=echo={upstream.url}",
        "--max-body-size=100000",
        env=clean_env(SHOP_UPSTREAM_TOKEN="shop-token-1234"),
    )
    bomb = gzip.compress(b'{"name": "' + b"a" * 10_000_000 + b'"}')  # 10 MB in about 10 kB
    answer = httpx.post(
        shop.urls["shop"] + "/items",
        content=bomb,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert not upstream.requests
