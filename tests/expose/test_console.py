"""The console at `/` on the control port: one page and one script over the JSON routes."""

from __future__ import annotations

import httpx
import pytest

from conftest import FIXTURES, clean_env
from upstreams import echo

SECRET = "shop-upstream-secret-8e21"


@pytest.fixture
def control(serve, naftiko_run):
    upstream = serve(echo)
    running = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        str(FIXTURES / "catalog.yaml"),
        f"--base-uri=echo={upstream.url}",
        "--control-port=0",
        env=clean_env(SHOP_UPSTREAM_TOKEN=SECRET),
    )
    return running


def test_the_console_is_a_page_with_one_script(control) -> None:
    page = httpx.get(control.urls["control"] + "/")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.text.count("<script") == 1 and 'src="console.js"' in page.text
    script = httpx.get(control.urls["control"] + "/console.js")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    for route in ('"status"', '"metrics"', '"traces"'):
        assert route in script.text  # it reads the routes that already exist


def test_the_console_never_writes_what_it_reads_as_html(control) -> None:
    script = httpx.get(control.urls["control"] + "/console.js").text
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "textContent" in script


def test_status_names_each_adapters_routes_and_tools(control) -> None:
    status = httpx.get(control.urls["control"] + "/status").json()
    adapters = {a["namespace"]: a for a in status["adapters"]}
    assert "GET /items/{id}" in adapters["shop"]["routes"]  # as OpenAPI writes a path
    assert "hello" in adapters["catalog"]["tools"]
    assert "routes" not in adapters["control"] and "tools" not in adapters["control"]


def test_the_console_shows_nothing_status_hides(control) -> None:
    for path in ("/", "/console.js", "/status"):
        assert SECRET not in httpx.get(control.urls["control"] + path).text


def test_the_guard_still_refuses_a_foreign_host(control) -> None:
    answer = httpx.get(control.urls["control"] + "/", headers={"Host": "evil.example"})
    assert answer.status_code == 403


def test_the_console_is_listed_among_the_control_routes(control) -> None:
    answer = httpx.get(control.urls["control"] + "/nowhere")
    assert answer.status_code == 404
    assert "/ (console)" in answer.json()["hint"]


def test_writes_to_the_console_are_refused(control) -> None:
    assert httpx.post(control.urls["control"] + "/").status_code == 405


GUARDED_CONTROL = """\
naftiko: "1.0.0-alpha2"
binds:
  - namespace: env
    keys:
      OPS_TOKEN: OPS_TOKEN
capability:
  exposes:
    - type: rest
      namespace: hello
      resources:
        - name: hi
          path: /hi
          operations:
            - name: hi
              method: GET
              outputParameters:
                - name: ok
                  type: boolean
                  value: true
    - type: control
      namespace: ops
      authentication:
        type: bearer
        token: "{{OPS_TOKEN}}"
"""


def test_the_page_needs_no_credentials_while_what_it_reads_does(tmp_path, naftiko_run) -> None:
    path = tmp_path / "guarded-control.yaml"
    path.write_text(GUARDED_CONTROL, encoding="utf-8")
    running = naftiko_run(str(path), env=clean_env(OPS_TOKEN="ops-token-2468"))
    ops = running.urls["ops"]
    assert httpx.get(ops + "/").status_code == 200
    assert httpx.get(ops + "/console.js").status_code == 200
    assert httpx.get(ops + "/status").status_code == 401
    token = {"Authorization": "Bearer ops-token-2468"}
    assert httpx.get(ops + "/status", headers=token).status_code == 200
