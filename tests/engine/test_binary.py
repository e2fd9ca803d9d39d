"""Binary answers (`outputRawFormat: binary`, Ikanos's binary content): bytes pass through
REST unchanged with their media type, reach MCP as an image or a blob, and are bounded."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from conftest import CORPUS
from mcp_client import stateless_request

PHOTO = bytes(range(256)) * 64  # 16 KiB that are not text
EXAMPLE = CORPUS / "ikanos-beta5" / "examples" / "capability-binary-content.yml"


def photos(request: web.Request) -> web.Response:
    if "/huge/" in request.path:
        return web.Response(body=b"x" * (6 * 1024 * 1024))
    return web.Response(body=PHOTO, content_type="application/octet-stream")


@pytest.fixture
def library(serve, serve_capability, tmp_path: Path):
    if not EXAMPLE.is_file():
        pytest.skip(f"the Ikanos examples are not installed at {EXAMPLE.parent}")
    text = EXAMPLE.read_text(encoding="utf-8").replace('address: "0.0.0.0"', 'address: "127.0.0.1"')
    path = tmp_path / "photos.yml"
    path.write_text(text, encoding="utf-8")
    upstream = serve(photos)
    urls = serve_capability(
        path, base_uris={"photo-library": upstream.url}, ports={"photos-api": 0, "photos-mcp": 0}
    )
    return urls


def test_rest_passes_the_bytes_on_with_the_declared_media_type(library) -> None:
    answer = httpx.get(f"{library['photos-api']}/photos/7/image")
    assert answer.status_code == 200
    assert answer.content == PHOTO
    assert answer.headers["Content-Type"] == "image/jpeg"


def test_an_mcp_tool_answers_an_image(library) -> None:
    body, headers = stateless_request("tools/call", name="get-photo", arguments={"id": "7"})
    result = httpx.post(f"{library['photos-mcp']}/mcp", json=body, headers=headers).json()
    [content] = result["result"]["content"]
    assert content["type"] == "image" and content["mimeType"] == "image/jpeg"
    assert base64.b64decode(content["data"]) == PHOTO


def test_an_mcp_resource_reads_as_a_blob(library) -> None:
    body, headers = stateless_request("resources/read", uri="photos://library/7/bytes")
    result = httpx.post(f"{library['photos-mcp']}/mcp", json=body, headers=headers).json()
    [content] = result["result"]["contents"]
    assert content["mimeType"] == "image/jpeg" and "text" not in content
    assert base64.b64decode(content["blob"]) == PHOTO


def test_an_answer_past_the_operations_size_bound_is_refused(library) -> None:
    answer = httpx.get(f"{library['photos-api']}/photos/huge/image")
    assert answer.status_code == 502
    assert "more than 5,242,880 bytes" in json.dumps(answer.json())
