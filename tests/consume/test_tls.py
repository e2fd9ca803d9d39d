"""TLS to an upstream with a private CA and mutual TLS (x-naftiko-tls), against an HTTPS
upstream the test starts with certificates made by trustme."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from conftest import _ServerThread
from naftiko.engine import Engine
from naftiko.errors import UpstreamUnavailable
from naftiko.pipeline import compile_plans
from naftiko.pipeline import load as load_file
from naftiko.spec import load

trustme = pytest.importorskip("trustme", reason="the TLS tests make certificates with trustme")

CAPABILITY = """\
naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: secure
      type: http
      baseUri: "{url}"
{tls}
      resources:
        - name: items
          path: /items/{{id}}
          operations:
            - name: get-item
              method: GET
  exposes:
    - type: mcp
      namespace: secure-mcp
      tools:
        - name: get-item
          description: One item.
          call: secure.get-item
"""


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Any]:
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1")
    client = ca.issue_cert("naftiko-client@test")
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    client.private_key_pem.write_to_path(str(tmp_path / "client.key"))
    client.cert_chain_pems[0].write_to_path(str(tmp_path / "client.pem"))
    return {"ca": ca, "server": server, "dir": tmp_path}


def https_upstream(pki: dict[str, Any], require_client: bool) -> tuple[str, _ServerThread, list]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    pki["server"].configure_cert(context)
    if require_client:
        pki["ca"].configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    seen: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peercert") if request.transport else None
        seen.append(str(peer))
        return web.json_response({"id": request.match_info["id"]})

    app = web.Application()
    app.router.add_get("/items/{id}", answer)
    server = _ServerThread()
    return server.start(app, tls=context), server, seen


def call(path: Path) -> Any:
    async def run() -> Any:
        engine = Engine(load(path))
        try:
            return (await engine.invoke("secure-mcp.get-item", {"id": "7"})).data
        finally:
            await engine.close()

    return asyncio.run(run())


def written(pki: dict[str, Any], url: str, tls: str) -> Path:
    path = pki["dir"] / "cap.yaml"
    path.write_text(CAPABILITY.format(url=url, tls=tls), encoding="utf-8")
    return path


TLS_CA = "      x-naftiko-tls:\n        ca: file:///./ca.pem"
TLS_MUTUAL = TLS_CA + "\n        certificate: ./client.pem\n        key: ./client.key"


def test_a_private_ca_is_trusted_for_its_upstream(pki) -> None:
    url, server, _ = https_upstream(pki, require_client=False)
    try:
        assert call(written(pki, url, TLS_CA)) == {"id": "7"}
    finally:
        server.stop()


def test_without_the_ca_the_certificate_is_refused(pki) -> None:
    url, server, _ = https_upstream(pki, require_client=False)
    try:
        with pytest.raises(UpstreamUnavailable):
            call(written(pki, url, ""))
    finally:
        server.stop()


def test_mutual_tls_presents_the_client_certificate(pki) -> None:
    url, server, seen = https_upstream(pki, require_client=True)
    try:
        assert call(written(pki, url, TLS_MUTUAL)) == {"id": "7"}
        assert "naftiko-client@test" in seen[-1]
        with pytest.raises(UpstreamUnavailable):
            call(written(pki, url, TLS_CA))  # no client certificate: the upstream refuses
    finally:
        server.stop()


def test_a_missing_file_is_a_load_error_naming_it(pki) -> None:
    path = written(pki, "https://127.0.0.1:9", TLS_CA.replace("ca.pem", "nope.pem"))
    compiled = load_file(path)
    assert compile_plans(compiled, secrets=False) is None
    (error,) = compiled.errors
    assert "nope.pem" in error.message and "x-naftiko-tls" in error.message
