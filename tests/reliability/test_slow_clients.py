"""Slowloris and connection floods: a client that trickles its headers is disconnected after
the header timeout, and an adapter keeps no more connections than its bound; well-behaved
clients are served throughout."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from conftest import FIXTURES
from naftiko.expose.httpserver import Limits
from upstreams import echo

LIMITS = Limits(header_timeout=1.0, keepalive=1.0, max_connections=5)


@pytest.fixture
def shop(serve, serve_capability, monkeypatch) -> str:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", "shop-token-1234")
    upstream = serve(echo)
    urls = serve_capability(FIXTURES / "shop.yaml", base_uris={"echo": upstream.url}, limits=LIMITS)
    return urls["shop"]


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def closed(conn: socket.socket, within: float) -> float | None:
    """Seconds until the server closed ``conn``, or None if it stayed open ``within``."""
    started = time.monotonic()
    conn.settimeout(0.1)
    while time.monotonic() - started < within:
        try:
            if conn.recv(1024) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - started
    return None


def test_headers_trickled_byte_by_byte_are_cut_off(shop) -> None:
    conn = connect(shop)
    request = b"GET /items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    started = time.monotonic()
    try:
        for byte in request:
            conn.sendall(bytes([byte]))
            time.sleep(0.05)
            if time.monotonic() - started > 3:
                break
    except OSError:
        pass  # the server closed it while we were still sending: what we want
    assert closed(conn, 3) is not None
    assert time.monotonic() - started < 5
    conn.close()


def test_a_silent_connection_is_closed_after_the_header_timeout(shop) -> None:
    conn = connect(shop)
    took = closed(conn, 4)
    conn.close()
    assert took is not None and took < 3


def test_a_request_sent_in_time_is_served_and_keeps_its_connection_alive(shop) -> None:
    with httpx.Client() as client:
        first = client.get(f"{shop}/status")
        second = client.get(f"{shop}/status")
    assert first.status_code == second.status_code == 200


def test_connections_beyond_the_bound_are_closed(shop) -> None:
    held = [connect(shop) for _ in range(5)]
    time.sleep(0.2)
    extra = connect(shop)
    assert closed(extra, 0.5) is not None
    for conn in held:
        conn.close()
    time.sleep(0.2)
    assert httpx.get(f"{shop}/status").status_code == 200
    extra.close()
