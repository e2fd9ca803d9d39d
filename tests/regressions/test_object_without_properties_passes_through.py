"""Reference bug (REFERENCE.md 5.4): `{type: object, mapping: $.}` without `properties` gives
`{}`, so every generated Kombo tool answered an empty object. Here (SEMANTICS.md, Outputs) it
passes the mapped value through whole."""

from __future__ import annotations

import httpx

from conftest import FIXTURES
from upstreams import echo


def test_pass_through_object_keeps_the_upstream_body(serve, serve_capability, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", "t")
    upstream = serve(echo)
    url = serve_capability(FIXTURES / "shop.yaml", base_uris={"echo": upstream.url})["shop"]
    body = httpx.get(f"{url}/whole/9").json()
    assert body != {}
    assert body["path"] == "/items/9"
