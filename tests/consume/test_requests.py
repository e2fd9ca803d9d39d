"""What reaches the upstream: URL joining, parameters by location, body types, auth."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from naftiko.engine import Engine
from naftiko.spec import load

TEMPLATE = """\
naftiko: "1.0.0-alpha2"
binds:
  - namespace: env
    keys:
      USER_NAME: T_USER
      USER_PASS: T_PASS
      API_KEY: T_KEY
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "http://127.0.0.1:9/api/"
{auth}
      inputParameters:
        - name: X-Client
          in: header
          value: "naftiko-{{{{API_KEY}}}}"
      resources:
        - name: items
          path: "items/{{id}}"
          operations:
            - name: op
              method: {method}
              inputParameters:
                - name: id
                  in: path
                - name: tags
                  in: query
                - name: limit
                  in: query
                  value: "10"
                - name: X-Trace
                  in: header
                - name: session
                  in: cookie
{body}
"""
ENV = {"T_USER": "ada", "T_PASS": "pa55word", "T_KEY": "k3y-value"}


def call(
    tmp_path: Path,
    url: str,
    inputs: dict[str, Any],
    *,
    auth: str = "",
    body: str = "",
    method: str = "GET",
) -> Any:
    path = tmp_path / "cap.yaml"
    path.write_text(TEMPLATE.format(auth=auth, body=body, method=method), encoding="utf-8")

    async def run() -> Any:
        engine = Engine(load(path), base_uris={"up": url + "/api/"}, environ=ENV)
        try:
            return (await engine.invoke("up.op", inputs)).data
        finally:
            await engine.close()

    return asyncio.run(run())


def ok(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def test_url_joins_with_one_slash_and_parameters_land_by_location(tmp_path, serve) -> None:
    upstream = serve(ok)
    call(
        tmp_path,
        upstream.url,
        {"id": "a b", "tags": ["x", "y"], "X-Trace": "t-1", "session": "s-1"},
    )
    seen = upstream.last
    assert seen.path == "/api/items/a%20b"
    assert seen.query_string == "tags=x&tags=y&limit=10"
    assert seen.headers["X-Trace"] == "t-1"
    assert seen.headers["X-Client"] == "naftiko-k3y-value"
    assert "session=s-1" in seen.headers["Cookie"]


def test_a_path_value_is_one_percent_encoded_segment(tmp_path, serve) -> None:
    upstream = serve(ok)
    call(tmp_path, upstream.url, {"id": "../a b/c"})
    assert upstream.last.path == "/api/items/..%2Fa%20b%2Fc"


def test_a_plain_path_value_is_sent_as_it_is(tmp_path, serve) -> None:
    upstream = serve(ok)
    call(tmp_path, upstream.url, {"id": "Az09-_.~"})
    assert upstream.last.path == "/api/items/Az09-_.~"


def test_absent_optional_parameters_are_omitted(tmp_path, serve) -> None:
    upstream = serve(ok)
    call(tmp_path, upstream.url, {"id": "1"})
    assert upstream.last.query == {"limit": "10"}
    assert "X-Trace" not in upstream.last.headers


@pytest.mark.parametrize(
    ("auth", "check"),
    [
        (
            '      authentication:\n        type: bearer\n        token: "{{API_KEY}}"',
            lambda s: s.headers["Authorization"] == "Bearer k3y-value",
        ),
        (
            '      authentication:\n        type: basic\n        username: "{{USER_NAME}}"\n'
            '        password: "{{env.USER_PASS}}"',
            lambda s: (
                s.headers["Authorization"] == "Basic " + base64.b64encode(b"ada:pa55word").decode()
            ),
        ),
        (
            "      authentication:\n        type: apikey\n        key: X-Api-Key\n"
            '        value: "{{API_KEY}}"\n        placement: header',
            lambda s: s.headers["X-Api-Key"] == "k3y-value",
        ),
        (
            "      authentication:\n        type: apikey\n        key: api_key\n"
            '        value: "{{API_KEY}}"\n        placement: query',
            lambda s: s.query["api_key"] == "k3y-value",
        ),
        (
            "      authentication:\n        type: apikey\n        key: token\n"
            '        value: "{{API_KEY}}"\n        placement: cookie',
            lambda s: "token=k3y-value" in s.headers["Cookie"],
        ),
    ],
    ids=["bearer", "basic", "apikey-header", "apikey-query", "apikey-cookie"],
)
def test_authentication_kinds(tmp_path, serve, auth, check) -> None:
    upstream = serve(ok)
    call(tmp_path, upstream.url, {"id": "1"}, auth=auth)
    assert check(upstream.last)


def test_digest_authentication_answers_the_challenge(tmp_path, serve) -> None:
    realm, nonce = "naftiko", "abc123"

    def digest(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Digest "):
            return web.Response(
                status=401,
                headers={
                    "WWW-Authenticate": f'Digest realm="{realm}", nonce="{nonce}", qop="auth"'
                },
            )
        fields = dict(part.strip().split("=", 1) for part in header[7:].split(","))
        fields = {k: v.strip('"') for k, v in fields.items()}
        ha1 = hashlib.md5(f"ada:{realm}:pa55word".encode()).hexdigest()
        ha2 = hashlib.md5(f"GET:{fields['uri']}".encode()).hexdigest()
        expected = hashlib.md5(
            f"{ha1}:{nonce}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}".encode()
        ).hexdigest()
        if fields.get("response") != expected:
            return web.Response(status=403)
        return web.json_response({"ok": "digest"})

    upstream = serve(digest)
    auth = (
        '      authentication:\n        type: digest\n        username: "{{USER_NAME}}"\n'
        '        password: "{{USER_PASS}}"'
    )
    assert call(tmp_path, upstream.url, {"id": "1"}, auth=auth) == {"ok": "digest"}


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            "              body:\n                type: json\n                data:\n"
            '                  name: "{{name}}"\n                  count: "{{count}}"',
            "application/json",
            b'{"name": "Ada", "count": 3}',
        ),
        (
            '              body: |\n                {"name": "{{name}}", "count": {{count}}}',
            "application/json",
            b'{"name": "Ada", "count": 3}\n',
        ),
        (
            '              body:\n                type: text\n                data: "hi {{name}}"',
            "text/plain",
            b"hi Ada",
        ),
        (
            "              body:\n                type: xml\n"
            '                data: "<a>{{name}}</a>"',
            "application/xml",
            b"<a>Ada</a>",
        ),
        (
            "              body:\n                type: formUrlEncoded\n                data:\n"
            '                  name: "{{name}}"\n                  n: "{{count}}"',
            "application/x-www-form-urlencoded",
            b"name=Ada&n=3",
        ),
    ],
    ids=["json", "raw-json", "text", "xml", "form"],
)
def test_body_types_are_encoded_with_their_content_type(
    tmp_path, serve, body, content_type, expected
) -> None:
    upstream = serve(ok)
    call(tmp_path, upstream.url, {"id": "1", "name": "Ada", "count": 3}, body=body, method="POST")
    assert upstream.last.headers["Content-Type"].startswith(content_type)
    assert upstream.last.body == expected


def test_multipart_body_sends_each_part(tmp_path, serve) -> None:
    upstream = serve(ok)
    body = (
        "              body:\n                type: multipartForm\n                data:\n"
        '                  - name: title\n                    value: "{{name}}"\n'
        "                  - name: note\n                    value: plain"
    )
    call(tmp_path, upstream.url, {"id": "1", "name": "Ada"}, body=body, method="POST")
    content_type = upstream.last.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=")[1].strip('"').encode()
    parts = [p for p in upstream.last.body.split(b"--" + boundary) if b"name=" in p]
    assert [p.split(b"\r\n\r\n", 1)[1].rstrip(b"\r\n") for p in parts] == [b"Ada", b"plain"]
    assert b'name="title"' in parts[0] and b'name="note"' in parts[1]


def test_in_body_parameters_form_a_json_object(tmp_path, serve) -> None:
    upstream = serve(ok)
    path = tmp_path / "cap.yaml"
    text = TEMPLATE.format(auth="", body="", method="POST").replace(
        "                - name: session\n                  in: cookie\n",
        "                - name: title\n                  in: body\n"
        "                - name: size\n                  in: body\n",
    )
    path.write_text(text, encoding="utf-8")

    async def run() -> None:
        engine = Engine(load(path), base_uris={"up": upstream.url}, environ=ENV)
        try:
            await engine.invoke("up.op", {"id": "1", "title": "T", "size": 2})
        finally:
            await engine.close()

    asyncio.run(run())
    assert json.loads(upstream.last.body) == {"title": "T", "size": 2}


def test_base_uri_may_come_from_a_bind(tmp_path, serve) -> None:
    upstream = serve(ok)
    path = tmp_path / "cap.yaml"
    path.write_text(
        TEMPLATE.format(auth="", body="", method="GET")
        .replace('baseUri: "http://127.0.0.1:9/api/"', 'baseUri: "{{API_BASE}}/api"')
        .replace("      API_KEY: T_KEY\n", "      API_KEY: T_KEY\n      API_BASE: T_BASE\n"),
        encoding="utf-8",
    )

    async def run() -> None:
        engine = Engine(load(path), environ={**ENV, "T_BASE": upstream.url})
        try:
            await engine.invoke("up.op", {"id": "7"})
        finally:
            await engine.close()

    asyncio.run(run())
    assert upstream.last.path == "/api/items/7"


def test_apikey_headers_dialect_sends_every_header(tmp_path, serve) -> None:
    upstream = serve(ok)
    auth = (
        "      authentication:\n        type: apikey\n        headers:\n"
        '          DD-API-KEY: "{{API_KEY}}"\n          DD-APPLICATION-KEY: "{{USER_NAME}}"'
    )
    call(tmp_path, upstream.url, {"id": "1"}, auth=auth)
    assert upstream.last.headers["DD-API-KEY"] == "k3y-value"
    assert upstream.last.headers["DD-APPLICATION-KEY"] == "ada"
