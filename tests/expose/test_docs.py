"""`/docs` on a REST adapter: Swagger UI for its own OpenAPI document, from packaged files."""

from __future__ import annotations

import gzip

import httpx

from conftest import FIXTURES, clean_env
from upstreams import echo

SHOP = FIXTURES / "shop.yaml"
TOKEN = "shop-upstream-secret-5b7d"


def test_the_page_is_html_that_runs_only_scripts_of_its_own_origin(shop) -> None:
    url, _ = shop
    page = httpx.get(f"{url}/docs")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert 'src="docs/swagger-ui-bundle.js"' in page.text
    assert "http" not in page.text.split("<body>", 1)[1]  # nothing from another host


def test_swagger_ui_comes_from_the_installed_package(shop) -> None:
    url, _ = shop
    bundle = httpx.get(f"{url}/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert bundle.headers["Content-Type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text
    assert "max-age" in bundle.headers["Cache-Control"]
    assert httpx.get(f"{url}/docs/swagger-ui.css").status_code == 200
    assert httpx.get(f"{url}/docs/docs.js").status_code == 200


def test_a_browser_that_takes_gzip_gets_it(shop) -> None:
    url, _ = shop
    with httpx.Client() as client:
        raw = client.get(f"{url}/docs/swagger-ui.css", headers={"Accept-Encoding": "gzip"})
        plain = client.get(f"{url}/docs/swagger-ui.css", headers={"Accept-Encoding": "identity"})
    assert raw.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert raw.content == plain.content  # httpx undoes the gzip
    assert int(raw.headers["Content-Length"]) < len(gzip.compress(plain.content, 1))


def test_head_of_the_page_sends_no_body(shop) -> None:
    url, _ = shop
    head = httpx.head(f"{url}/docs")
    assert head.status_code == 200 and head.content == b""


def test_a_trailing_slash_leads_to_the_page(shop) -> None:
    url, _ = shop
    answer = httpx.get(f"{url}/docs/", follow_redirects=True)
    assert answer.status_code == 200
    assert str(answer.url) == f"{url}/docs"


def test_a_file_the_page_does_not_load_is_not_served(shop) -> None:
    url, _ = shop
    for path in ("/docs/index.html", "/docs/../pyproject.toml", "/docs/swagger-editor.js"):
        answer = httpx.get(f"{url}{path}")
        assert answer.status_code == 404, path
        assert answer.headers["Content-Type"] == "application/problem+json"


def test_only_get_and_head_reach_the_page(shop) -> None:
    url, _ = shop
    assert httpx.post(f"{url}/docs").status_code == 404


def test_a_request_for_an_unknown_path_is_pointed_at_the_page(shop) -> None:
    url, _ = shop
    assert "/docs" in httpx.get(f"{url}/nowhere").json()["hint"]


def test_the_page_is_counted_and_logged_as_docs(shop) -> None:
    from naftiko.observe.metrics import METRICS

    url, _ = shop
    httpx.get(f"{url}/docs")
    assert METRICS.requests[("shop", "(docs)", "200")] >= 1


def test_docs_off_serve_no_page(serve, serve_capability, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", TOKEN)
    upstream = serve(echo)
    url = serve_capability(SHOP, base_uris={"echo": upstream.url}, docs=False)["shop"]
    assert httpx.get(f"{url}/docs").status_code == 404
    assert httpx.get(f"{url}/docs/swagger-ui-bundle.js").status_code == 404
    assert "/docs" not in httpx.get(f"{url}/nowhere").json()["hint"]


def test_a_resource_of_the_capability_at_docs_is_served_as_written(serve, serve_capability):
    upstream = serve(echo)
    url = serve_capability(FIXTURES / "own-docs.yaml", base_uris={"echo": upstream.url})
    answer = httpx.get(f"{url['library']}/docs")
    assert answer.status_code == 200
    assert answer.json()["path"] == "/documents"
    assert httpx.get(f"{url['library']}/docs/swagger-ui-bundle.js").status_code == 404


def test_the_page_needs_no_credentials_while_the_document_does(serve, naftiko_run) -> None:
    upstream = serve(echo)
    running = naftiko_run(
        str(FIXTURES / "guarded.yaml"),
        f"--base-uri=echo={upstream.url}",
        env=clean_env(GUARD_TOKEN="guard-token-5678"),
    )
    url = running.urls["guarded"]
    assert httpx.get(f"{url}/docs").status_code == 200
    assert httpx.get(f"{url}/docs/swagger-ui-bundle.js").status_code == 200
    assert httpx.get(f"{url}/openapi.json").status_code == 401
    assert httpx.get(f"{url}/items/1").status_code == 401
    token = {"Authorization": "Bearer guard-token-5678"}
    assert httpx.get(f"{url}/openapi.json", headers=token).status_code == 200


def test_the_guard_still_refuses_a_foreign_host(shop) -> None:
    url, _ = shop
    assert httpx.get(f"{url}/docs", headers={"Host": "evil.example"}).status_code == 403


def test_no_docs_on_the_command_line_turns_the_page_off(serve, naftiko_run) -> None:
    upstream = serve(echo)
    running = naftiko_run(
        str(SHOP),
        f"--base-uri=echo={upstream.url}",
        "--no-docs",
        env=clean_env(SHOP_UPSTREAM_TOKEN=TOKEN),
    )
    assert httpx.get(f"{running.urls['shop']}/docs").status_code == 404
    assert "docs at" not in running.log()
