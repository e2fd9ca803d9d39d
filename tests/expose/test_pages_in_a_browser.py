"""Both pages in a real browser: headless Chromium (Debian's) driven through Playwright.

`/docs` renders the Kombo general capability's operations and "Try it out" reaches the mock
upstream; the page loads nothing from any other host; the console lists the adapters and
counts a call without being reloaded. Skipped where Chromium or Playwright is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import KOMBO, ROOT
from upstreams import KOMBO_KEY, kombo

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (Debian: apt-get install chromium)"
)
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        # root (as CI runs) cannot use Chromium's sandbox
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.errors = errors
    yield opened
    context.close()


@pytest.fixture
def kombo_general(serve, serve_capability, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("KOMBO_API_KEY", KOMBO_KEY)
    upstream = serve(kombo)
    return serve_capability(
        KOMBO / "kombo-general.yaml",
        base_uris={"kombo-general": f"{upstream.url}/v1"},
        ports={"kombo-general-rest": 0, "kombo-general-mcp": 0},
        control_port=0,
    )


@pytest.fixture
def quickstart(serve_capability) -> dict[str, str]:
    examples = ROOT / "examples"
    return serve_capability(
        examples / "quickstart.yaml",
        ports={"quickstart-rest": 0, "quickstart": 0},
        mocks={"registry": str(examples / "registry.openapi.yaml")},
        control_port=0,
    )


def test_the_quickstart_can_be_tried_from_its_docs(quickstart, page) -> None:
    page.goto(quickstart["quickstart-rest"] + "/docs")
    operation = page.locator(".opblock", has_text="/ships/")
    operation.locator(".opblock-summary").click(timeout=WAIT_MS)
    operation.get_by_role("button", name="Try it out").click(timeout=WAIT_MS)
    operation.locator("input[placeholder='imo']").fill("IMO-9321483")
    operation.get_by_role("button", name="Execute").click(timeout=WAIT_MS)
    status = operation.locator(".live-responses-table tbody .response-col_status")
    status.wait_for(timeout=WAIT_MS)
    assert status.inner_text().strip() == "200"
    assert (
        "Northern Star" in operation.locator(".live-responses-table .microlight").first.inner_text()
    )


def test_the_quickstart_console_names_its_routes_and_tools(quickstart, page) -> None:
    page.goto(quickstart["control"] + "/")
    row = page.locator("#adapters tbody tr", has_text="quickstart-rest")
    row.wait_for(timeout=WAIT_MS)
    row.locator("summary").click()
    assert "GET /ships/{imo}" in row.inner_text()
    assert page.errors == []


def test_docs_render_every_operation_of_kombo_general(kombo_general, page) -> None:
    page.goto(kombo_general["kombo-general-rest"] + "/docs")
    page.wait_for_selector(".opblock", timeout=WAIT_MS)
    paths = page.locator(".opblock .opblock-summary-path").all_inner_texts()
    assert len(paths) == 13
    assert "/v1/check-api-key" in [p.replace("\u200b", "") for p in paths]
    assert page.title() == "Kombo API · API docs"
    assert page.errors == []


def test_try_it_out_calls_the_adapter_and_the_mock_answers_200(kombo_general, page) -> None:
    page.goto(kombo_general["kombo-general-rest"] + "/docs")
    operation = page.locator("#operations-default-getcheckapikey")
    operation.locator(".opblock-summary").click(timeout=WAIT_MS)
    operation.get_by_role("button", name="Try it out").click(timeout=WAIT_MS)
    operation.get_by_role("button", name="Execute").click(timeout=WAIT_MS)
    status = operation.locator(".live-responses-table tbody .response-col_status")
    status.wait_for(timeout=WAIT_MS)
    assert status.inner_text().strip() == "200"
    assert "env-1" in operation.locator(".live-responses-table .microlight").first.inner_text()


def test_the_guard_admits_a_post_tried_from_the_page(kombo_general, page) -> None:
    """A POST from the page carries an Origin header: the page's own, which the guard admits."""
    page.goto(kombo_general["kombo-general-rest"] + "/docs")
    operation = page.locator("#operations-default-postforcesync")
    operation.locator(".opblock-summary").click(timeout=WAIT_MS)
    operation.get_by_role("button", name="Try it out").click(timeout=WAIT_MS)
    operation.locator("input[placeholder='X-Integration-Id']").fill("i-7")
    operation.locator("textarea.body-param__text").fill('{"full": true}')
    with page.expect_request(lambda request: request.method == "POST") as sent:
        operation.get_by_role("button", name="Execute").click(timeout=WAIT_MS)
    status = operation.locator(".live-responses-table tbody .response-col_status")
    status.wait_for(timeout=WAIT_MS)
    assert status.inner_text().strip() == "200"
    assert sent.value.all_headers()["origin"] == kombo_general["kombo-general-rest"]


def test_docs_load_with_the_network_off(kombo_general, page) -> None:
    elsewhere: list[str] = []

    def only_loopback(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort("internetdisconnected")

    page.route("**/*", only_loopback)
    page.goto(kombo_general["kombo-general-rest"] + "/docs")
    page.wait_for_selector(".opblock", timeout=WAIT_MS)
    assert elsewhere == []
    assert page.errors == []


def test_the_console_lists_the_adapters_and_counts_a_call(kombo_general, page) -> None:
    page.goto(kombo_general["control"] + "/")
    adapters = page.locator("#adapters tbody")
    adapters.get_by_text("kombo-general-mcp", exact=True).wait_for(timeout=WAIT_MS)
    listed = adapters.locator("tr td:first-child").all_inner_texts()
    assert {"kombo-general-rest", "kombo-general-mcp"} <= set(listed)
    assert page.locator("#label").inner_text() == "Kombo API"
    page.locator("#updated").get_by_text("updated").wait_for(timeout=WAIT_MS)
    called = page.locator("#operations tbody tr", has_text="getcheckapikey")
    # metrics are the process's: a call an earlier test made may be counted already
    before = int(called.locator("td").nth(2).inner_text()) if called.count() else 0
    answer = httpx.get(kombo_general["kombo-general-rest"] + "/v1/check-api-key")
    assert answer.status_code == 200
    count = called.locator("td").nth(2)
    sync_api.expect(count).to_have_text(str(before + 1), timeout=WAIT_MS)  # no reload
    assert page.errors == []
