"""`naftiko mock`: OpenAPI documents served as strict local upstreams."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from conftest import KOMBO

KOMBO_SPEC = KOMBO / "kombo-openapi.json"
BEARER = {"Authorization": "Bearer any-key"}


@pytest.fixture
def kombo_mock(naftiko_mock) -> str:
    return naftiko_mock(KOMBO_SPEC)


def test_answers_the_declared_example(kombo_mock: str) -> None:
    answer = httpx.get(f"{kombo_mock}/v1/integrations/abc", headers=BEARER)
    assert answer.status_code == 200
    assert answer.json()["data"]["tool"]["id"] == "factorial"


def test_serves_with_and_without_the_server_base_path(kombo_mock: str) -> None:
    assert httpx.get(f"{kombo_mock}/check-api-key", headers=BEARER).status_code == 200


def test_missing_credentials_are_401(kombo_mock: str) -> None:
    assert httpx.get(f"{kombo_mock}/v1/integrations/abc").status_code == 401


def test_missing_required_header_is_400(kombo_mock: str) -> None:
    answer = httpx.post(f"{kombo_mock}/v1/force-sync", headers=BEARER, json={})
    assert answer.status_code == 400
    assert "X-Integration-Id" in answer.json()["error"]["message"]


def test_unknown_path_and_method(kombo_mock: str) -> None:
    assert httpx.get(f"{kombo_mock}/v1/nowhere", headers=BEARER).status_code == 404
    wrong = httpx.patch(f"{kombo_mock}/v1/force-sync", headers=BEARER)
    assert wrong.status_code == 405
    assert "POST" in wrong.headers["Allow"]


def test_xml_examples_keep_their_media_type(corpus: Path, naftiko_mock) -> None:
    url = naftiko_mock(corpus / "naftiko-tutorial/mocks/naftiko-shipyard-legacy-dockyard-api.yaml")
    answer = httpx.get(f"{url}/vessels", headers={"X-Dock-Key": "k"})
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert "<vesselCode>LEGACY-4012</vesselCode>" in answer.text
