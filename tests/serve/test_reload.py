"""Hot reload (SIGHUP, --watch): a valid change serves at once without dropping a request, an
invalid one keeps the old plans and logs why, what needs a restart says so, and MCP clients
hear that their lists changed, on either revision's stream."""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from conftest import FIXTURES
from mcp_client import ACCEPT, INITIALIZE, stateless_request
from upstreams import echo

SOURCE = FIXTURES / "workers.yaml"
ITEM_ROUTE = 'path: "/items/{{id}}"\n          operations:\n            - name: get-item\n'
TOOLS = "      description: The same item for agents.\n      tools:\n"
NEW_TOOL = """        - name: get-other
          description: Another item.
          inputParameters:
            - name: id
              type: string
              description: Item id
          call: echo.get-item
          with:
            id: workers-mcp.id
"""


@pytest.fixture
def served(serve, naftiko_run, tmp_path):
    path = tmp_path / "capability.yaml"
    shutil.copyfile(SOURCE, path)
    upstream = serve(echo)

    def start(*extra: str):
        return naftiko_run(str(path), f"--base-uri=echo={upstream.url}", *extra)

    return path, start


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def wait_for(running, text: str, count: int = 1) -> None:
    deadline = time.monotonic() + 15
    while running.log().count(text) < count:
        assert time.monotonic() < deadline, running.log()[-3000:]
        time.sleep(0.05)


def test_a_valid_change_serves_at_once_and_drops_no_request(served) -> None:
    path, start = served
    running = start()
    rest = running.urls["workers-rest"]
    failures: list[str] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                answer = client.get(f"{rest}/items/1")
                if answer.status_code != 200:
                    failures.append(f"{answer.status_code} {answer.text}")

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)
        edit(path, ITEM_ROUTE, ITEM_ROUTE.replace("/items/", "/things/"))
        assert httpx.get(f"{rest}/things/1").status_code == 404
        running.process.send_signal(signal.SIGHUP)
        wait_for(running, "reloaded (SIGHUP)")
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert httpx.get(f"{rest}/things/1").status_code == 200
    assert httpx.get(f"{rest}/items/1").status_code == 404
    assert failures == [] or all(f.startswith("404") for f in failures)  # the route moved


def test_an_invalid_change_keeps_the_old_plans_and_logs_every_error(served) -> None:
    path, start = served
    running = start()
    rest = running.urls["workers-rest"]
    edit(path, "namespace: workers-rest", "namespace: [workers-rest")
    running.process.send_signal(signal.SIGHUP)
    wait_for(running, "not applied, the previous files keep serving")
    assert "capability.yaml:" in running.log().split("reloaded")[0]  # file:line of the error
    assert httpx.get(f"{rest}/items/1").status_code == 200


def test_a_port_change_needs_a_restart_and_says_so(served) -> None:
    path, start = served
    running = start()
    edit(path, "namespace: workers-rest\n      port: 0", "namespace: workers-rest\n      port: 1")
    running.process.send_signal(signal.SIGHUP)
    wait_for(running, "restart to apply it")
    assert "adapter 'workers-rest' changes its type, address or port" in running.log()
    assert httpx.get(f"{running.urls['workers-rest']}/items/1").status_code == 200


def test_watch_reloads_when_the_file_changes(served) -> None:
    path, start = served
    running = start("--watch")
    rest = running.urls["workers-rest"]
    edit(path, 'path: "/slow"', 'path: "/late"')
    wait_for(running, "reloaded (a file changed)")
    assert httpx.get(f"{rest}/late?ms=0").status_code == 200


def test_mcp_clients_hear_the_tool_list_changed_on_both_revisions(served) -> None:
    path, start = served
    running = start()
    mcp = running.urls["workers-mcp"] + "/mcp"
    accept = ACCEPT
    opened = httpx.post(mcp, json=INITIALIZE, headers=accept)
    assert opened.json()["result"]["capabilities"]["tools"] == {"listChanged": True}
    session = {"Mcp-Session-Id": opened.headers["Mcp-Session-Id"], "Accept": "text/event-stream"}
    body, headers = stateless_request(
        "subscriptions/listen", notifications={"toolsListChanged": True, "bogus": True}
    )
    headers["Accept"] = "application/json, text/event-stream"
    frames: dict[str, list[dict]] = {"legacy": [], "listen": []}

    def read(name: str, request: httpx.Request) -> None:
        with (
            httpx.Client(timeout=20) as client,
            client.stream(
                request.method, request.url, headers=request.headers, content=request.content
            ) as answer,
        ):
            assert answer.status_code == 200
            for line in answer.iter_lines():
                if line.startswith("data: "):
                    frames[name].append(json.loads(line[6:]))

    readers = [
        threading.Thread(target=read, args=("legacy", httpx.Request("GET", mcp, headers=session))),
        threading.Thread(
            target=read, args=("listen", httpx.Request("POST", mcp, headers=headers, json=body))
        ),
    ]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 10
    while not frames["listen"] and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # the GET stream is open too
    edit(path, TOOLS, TOOLS + NEW_TOOL)
    running.process.send_signal(signal.SIGHUP)
    wait_for(running, "reloaded (SIGHUP)")
    deadline = time.monotonic() + 10
    while (len(frames["listen"]) < 2 or not frames["legacy"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    ack, changed = frames["listen"][:2]
    assert ack["method"] == "notifications/subscriptions/acknowledged"
    assert ack["params"]["notifications"] == {"toolsListChanged": True}
    subscription = ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"]
    assert subscription == body["id"]
    assert changed["method"] == "notifications/tools/list_changed"
    assert changed["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == subscription
    assert frames["legacy"][0] == {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}
    listed = httpx.post(
        mcp,
        json={"jsonrpc": "2.0", "id": 9, "method": "tools/list"},
        headers={**accept, "Mcp-Session-Id": opened.headers["Mcp-Session-Id"]},
    )
    assert [t["name"] for t in listed.json()["result"]["tools"]] == ["get-other", "get-item"]
    running.stop()  # the streams end with the server
    for reader in readers:
        reader.join(15)
    assert frames["listen"][-1].get("result") == {
        "_meta": {"io.modelcontextprotocol/subscriptionId": subscription},
        "resultType": "complete",
    }
