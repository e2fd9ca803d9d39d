"""The REST adapter over real sockets: inputs, outputs, errors, limits and forward."""

from __future__ import annotations

import json

import httpx
import pytest

from conftest import FIXTURES, SHOP_TOKEN, raw_request
from naftiko.expose.httpserver import Limits
from upstreams import echo

SHOP = FIXTURES / "shop.yaml"
TOKEN = SHOP_TOKEN  # what the shared `shop` fixture binds


def test_declared_inputs_are_typed_and_routed_where_with_says(shop) -> None:
    url, upstream = shop
    answer = httpx.get(f"{url}/items/a%20b?limit=5&verbose=true", headers={"X-Trace": "t-1"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "path": "/items/a%20b",
        "query": {"limit": "5", "verbose": "true"},
        "trace": "t-1",
    }
    assert upstream.last.headers["Authorization"] == f"Bearer {TOKEN}"


def test_every_bad_input_is_listed_in_one_400(shop) -> None:
    url, upstream = shop
    answer = httpx.get(f"{url}/items/x?limit=many&verbose=perhaps")
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert {e["name"] for e in problem["errors"]} == {"limit", "verbose"}
    assert all(e["in"] == "query" for e in problem["errors"])
    assert upstream.requests == []


def test_body_inputs_are_read_from_the_json_body(shop) -> None:
    url, upstream = shop
    answer = httpx.post(f"{url}/items", json={"name": "bolt", "count": "7", "tags": ["a", "b"]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"name": "bolt", "count": 7, "tags": ["a", "b"]}
    assert json.loads(upstream.last.body) == {"name": "bolt", "count": 7, "tags": ["a", "b"]}


def test_missing_required_body_fields_are_all_named(shop) -> None:
    url, _ = shop
    answer = httpx.post(f"{url}/items", json={"tags": []})
    assert answer.status_code == 400
    assert {e["name"] for e in answer.json()["errors"]} == {"name", "count"}


def test_invalid_json_body_is_a_400_problem(shop) -> None:
    url, _ = shop
    answer = httpx.post(
        f"{url}/items", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert "not valid JSON" in answer.json()["detail"]


def test_non_json_body_is_415(shop) -> None:
    url, upstream = shop
    plain = {"Content-Type": "text/plain"}
    answer = httpx.post(f"{url}/items", content=b"name=bolt", headers=plain)
    assert answer.status_code == 415
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert upstream.requests == []


def test_mock_operation_answers_typed_values_over_inputs(shop) -> None:
    url, upstream = shop
    answer = httpx.get(f"{url}/status?who=ops")
    assert answer.status_code == 200
    assert answer.json() == {"state": "ready", "asked-by": "ops", "replicas": 3}
    assert upstream.requests == []


def test_operation_without_outputs_passes_the_upstream_body_and_type(shop) -> None:
    url, _ = shop
    answer = httpx.get(f"{url}/text")
    assert answer.status_code == 200
    assert answer.text == "plain words"
    assert answer.headers["Content-Type"].startswith("text/plain")


def test_unknown_path_is_404_problem(shop) -> None:
    url, _ = shop
    answer = httpx.get(f"{url}/nowhere")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["title"] == "Not Found"


def test_wrong_method_is_405_with_allow(shop) -> None:
    url, _ = shop
    answer = httpx.delete(f"{url}/status")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert answer.json()["status"] == 405


def test_options_lists_allowed_methods(shop) -> None:
    url, _ = shop
    answer = httpx.options(f"{url}/items")
    assert answer.status_code == 204
    assert answer.headers["Allow"] == "POST, OPTIONS"


def test_head_answers_like_get_without_body(shop) -> None:
    url, _ = shop
    answer = httpx.head(f"{url}/status")
    assert answer.status_code == 200
    assert answer.content == b""


def test_trailing_slash_matches_the_same_route(shop) -> None:
    url, _ = shop
    assert httpx.get(f"{url}/status/").status_code == 200


def test_body_over_the_limit_is_413(serve, serve_capability, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", TOKEN)
    upstream = serve(echo)
    urls = serve_capability(SHOP, base_uris={"echo": upstream.url}, limits=Limits(max_body=64))
    answer = httpx.post(f"{urls['shop']}/items", json={"name": "x" * 200, "count": 1})
    assert answer.status_code == 413
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert upstream.requests == []


def test_request_deadline_gives_504_problem(serve, serve_capability, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", TOKEN)
    upstream = serve(echo)
    urls = serve_capability(SHOP, base_uris={"echo": upstream.url}, limits=Limits(deadline=0.2))
    answer = httpx.get(f"{urls['shop']}/slow?ms=2000", timeout=10)
    assert answer.status_code == 504
    assert "0.2s" in answer.json()["detail"]


def test_upstream_error_status_and_body_pass_through(shop) -> None:
    url, _ = shop
    answer = httpx.get(f"{url}/items/missing")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["path"] == "/items/missing"


def test_openapi_document_is_served(shop) -> None:
    url, _ = shop
    document = httpx.get(f"{url}/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": url}]
    assert set(document["paths"]) >= {"/items/{id}", "/items", "/status", "/proxy/{path}"}


# --- forward -------------------------------------------------------------------------------


def test_forward_keeps_path_and_query_and_adds_namespace_credentials(shop) -> None:
    url, upstream = shop
    answer = httpx.get(f"{url}/proxy/a/b%20c?x=1&x=2&y=%2F")
    assert answer.status_code == 200
    assert upstream.last.path == "/a/b%20c"
    assert upstream.last.query_string == "x=1&x=2&y=/"
    assert upstream.last.headers["Authorization"] == f"Bearer {TOKEN}"


def test_forward_passes_only_trusted_headers(shop) -> None:
    url, upstream = shop
    httpx.post(
        f"{url}/proxy/things",
        headers={
            "X-Trace": "abc-123",
            "X-Other": "no",
            "Authorization": "Bearer caller-credential",
            "Cookie": "session=caller",
            "Connection": "keep-alive",
        },
        json={"k": "v"},
    )
    seen = {k.lower(): v for k, v in upstream.last.headers.items()}
    assert seen["x-trace"] == "abc-123"
    assert "x-other" not in seen
    assert seen["authorization"] == f"Bearer {TOKEN}"
    assert "cookie" not in seen
    assert json.loads(upstream.last.body) == {"k": "v"}
    assert upstream.last.method == "POST"


def test_forward_passes_upstream_errors_through(shop) -> None:
    url, _ = shop
    answer = httpx.get(f"{url}/proxy/x/missing")
    assert answer.status_code == 404
    assert answer.json()["path"] == "/x/missing"


# --- requests that try to reshape the upstream call -----------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/items/..%2Fadmin", "/items/%2e%2e", "/items/a%2Fb", "/items/%0d%0aX-Evil:%201"],
)
def test_path_values_never_change_the_upstream_path(shop, path: str) -> None:
    url, upstream = shop
    answer = httpx.get(url + path)
    for seen in upstream.requests:
        assert seen.path.startswith("/items/")
        assert seen.path.count("/") == 2
        assert "x-evil" not in {k.lower() for k in seen.headers}
    assert answer.status_code in (200, 400, 404)


def test_dot_dot_segment_is_refused_before_any_upstream_call(shop) -> None:
    url, upstream = shop
    answer = httpx.get(f"{url}/items/%2e%2e")
    assert answer.status_code == 400
    assert upstream.requests == []


def test_forward_refuses_dot_dot_segments(shop) -> None:
    url, upstream = shop
    reply = raw_request(url, "GET /proxy/a/%2e%2e/%2e%2e/etc HTTP/1.1")
    assert reply.startswith(b"HTTP/1.1 400")
    assert upstream.requests == []


def test_crlf_in_a_query_value_never_becomes_an_upstream_header(shop) -> None:
    url, upstream = shop
    answer = httpx.get(f"{url}/items/x", params={"limit": "1\r\nX-Evil: 1"})
    assert answer.status_code == 400
    assert upstream.requests == []


def test_crlf_fed_into_an_upstream_header_is_refused(shop) -> None:
    url, upstream = shop
    reply = raw_request(url, "GET /items/x HTTP/1.1", "X-Trace: a\rX-Evil: 1\r\n")
    assert reply.split(b" ")[1] in (b"400",)
    assert upstream.requests == []


def test_pass_through_output_sends_the_upstream_bytes_unchanged(
    serve, serve_capability, monkeypatch
) -> None:
    from aiohttp import web

    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", TOKEN)
    exact = b'{"b": 1,   "a": [1, 2], "big": 123456789012345678901234567890}'
    upstream = serve(lambda request: web.Response(body=exact, content_type="application/json"))
    urls = serve_capability(SHOP, base_uris={"echo": upstream.url})
    answer = httpx.get(f"{urls['shop']}/whole/7")
    assert answer.status_code == 200
    assert answer.content == exact
    assert upstream.last.path == "/items/7"


def test_oversized_header_is_refused_before_any_upstream_call(
    serve, serve_capability, monkeypatch
) -> None:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", TOKEN)
    upstream = serve(echo)
    urls = serve_capability(SHOP, base_uris={"echo": upstream.url}, limits=Limits(max_header=1024))
    reply = raw_request(urls["shop"], "GET /items/x HTTP/1.1", f"X-Trace: {'a' * 2000}\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"431"
    assert b"application/problem+json" in head
    assert "--max-header-size" in json.loads(body)["hint"]
    assert upstream.requests == []


def test_too_many_headers_are_431(serve, serve_capability, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", TOKEN)
    upstream = serve(echo)
    urls = serve_capability(SHOP, base_uris={"echo": upstream.url})
    many = "".join(f"X-N{i}: v\r\n" for i in range(200))
    reply = raw_request(urls["shop"], "GET /items/x HTTP/1.1", many)
    assert reply.split(b" ")[1] == b"431"
    assert upstream.requests == []


def test_oversized_url_is_414_naming_the_flag(serve, serve_capability, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", TOKEN)
    upstream = serve(echo)
    urls = serve_capability(SHOP, base_uris={"echo": upstream.url}, limits=Limits(max_header=1024))
    reply = raw_request(urls["shop"], f"GET /items/{'x' * 2000} HTTP/1.1")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"414"
    problem = json.loads(body)
    assert problem["status"] == 414
    assert "--max-header-size" in problem["hint"]
    assert "xxxx" not in body.decode()
    assert upstream.requests == []


def test_apikey_adapter_refuses_requests_without_the_key(
    serve, serve_capability, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", TOKEN)
    monkeypatch.setenv("SHOP_CALLER_KEY", "caller-key-123")
    auth = (
        "      authentication:\n        type: apikey\n        key: X-Shop-Key\n"
        "        value: '{{SHOP_CALLER_KEY}}'\n"
    )
    text = SHOP.read_text(encoding="utf-8").replace("      port: 0\n", "      port: 0\n" + auth)
    text = text.replace(
        "      SHOP_TOKEN: SHOP_UPSTREAM_TOKEN\n",
        "      SHOP_TOKEN: SHOP_UPSTREAM_TOKEN\n      SHOP_CALLER_KEY: SHOP_CALLER_KEY\n",
    )
    path = tmp_path / "shop.yaml"
    path.write_text(text, encoding="utf-8")
    upstream = serve(echo)
    url = serve_capability(path, base_uris={"echo": upstream.url})["shop"]
    refused = httpx.get(f"{url}/items/1")
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "X-Shop-Key" in refused.headers["WWW-Authenticate"]
    assert httpx.get(f"{url}/items/1", headers={"X-Shop-Key": "wrong"}).status_code == 401
    assert upstream.requests == []
    answer = httpx.get(f"{url}/items/1", headers={"X-Shop-Key": "caller-key-123"})
    assert answer.status_code == 200
    assert "x-shop-key" not in {k.lower() for k in upstream.last.headers}


@pytest.fixture
def routing(serve_capability) -> str:
    return serve_capability(FIXTURES / "routing.yaml")["routing"]


def test_a_literal_path_beats_a_variable_declared_before_it(routing) -> None:
    assert httpx.post(f"{routing}/contacts/delete").json() == {"route": "delete"}
    assert httpx.get(f"{routing}/contacts/delete").json() == {"route": "deletion status"}
    assert httpx.get(f"{routing}/contacts/c-1").json() == {"route": "contact c-1"}


def test_methods_of_resources_sharing_a_path_merge(routing) -> None:
    assert httpx.patch(f"{routing}/contacts/c-1").json() == {"route": "patched c-1"}


def test_405_only_when_no_fitting_resource_has_the_method(routing) -> None:
    answer = httpx.delete(f"{routing}/contacts/c-1")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, HEAD, PATCH, OPTIONS"
    options = httpx.options(f"{routing}/contacts/c-1")
    assert options.status_code == 204
    assert options.headers["Allow"] == "GET, HEAD, PATCH, OPTIONS"


FORWARD_ONLY = """\
naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: notion
      type: http
      baseUri: "http://127.0.0.1:9"
  exposes:
    - type: rest
      namespace: proxy
      resources:
        - name: all
          path: "/notion/{{path}}"
          forward:
            targetNamespace: notion
"""


def test_forward_reaches_a_consumes_namespace_without_resources(
    tmp_path, serve, serve_capability
) -> None:
    path = tmp_path / "forward-only.yaml"
    path.write_text(FORWARD_ONLY, encoding="utf-8")
    upstream = serve(echo)
    url = serve_capability(path, base_uris={"notion": upstream.url})["proxy"]
    answer = httpx.get(f"{url}/notion/v1/pages/p1?x=1")
    assert answer.status_code == 200, answer.text
    assert upstream.last.path == "/v1/pages/p1"
    assert upstream.last.query == {"x": "1"}
