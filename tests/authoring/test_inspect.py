"""`naftiko inspect FILE`: what a capability offers, as text and as JSON, without secrets."""

from __future__ import annotations

import json

from conftest import FIXTURES, KOMBO, ROOT, clean_env, naftiko_cli

QUICKSTART = ROOT / "examples" / "quickstart.yaml"


def inspected(path, **env: str) -> dict:
    done = naftiko_cli("inspect", str(path), "--format", "json", env=clean_env(**env))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_adapters_have_their_urls_and_routes() -> None:
    found = inspected(QUICKSTART)
    adapters = {a["namespace"]: a for a in found["adapters"]}
    assert adapters["quickstart-rest"]["url"] == "http://127.0.0.1:8080"
    assert adapters["quickstart"]["url"] == "http://127.0.0.1:3001/mcp"
    routes = {(r["method"], r["path"]): r["target"] for r in adapters["quickstart-rest"]["routes"]}
    assert routes[("GET", "/hello/{name}")] == "quickstart-rest.hello"


def test_tools_list_their_inputs_with_types_and_requirement() -> None:
    found = inspected(QUICKSTART)
    mcp = next(a for a in found["adapters"] if a["type"] == "mcp")
    greet = next(t for t in mcp["tools"] if t["name"] == "greet")
    assert [(i["name"], i["type"], i["required"]) for i in greet["inputs"]] == [
        ("name", "string", True),
        ("times", "integer", False),
    ]


def test_generated_tools_show_the_inputs_their_with_feeds() -> None:
    found = inspected(KOMBO / "kombo-general.yaml")
    mcp = next(a for a in found["adapters"] if a["type"] == "mcp")
    tool = next(t for t in mcp["tools"] if t["name"] == "get-integration-details")
    assert tool["inputs"][0]["name"] == "integration_id"
    assert tool["inputs"][0]["required"] is True


def test_call_targets_cover_consumed_and_exposed_units() -> None:
    names = {t["target"]: t["kind"] for t in inspected(QUICKSTART)["targets"]}
    assert names["registry.get-ship"] == "consumed"
    assert names["quickstart.greet"] == "tool"
    assert names["quickstart-rest.hello"] == "operation"


def test_binds_say_which_variables_are_missing_never_their_values() -> None:
    found = inspected(KOMBO / "kombo-general.yaml", KOMBO_API_KEY="s3cret-value")
    assert found["binds"][0]["variables"] == ["KOMBO_API_KEY"]
    assert found["binds"][0]["missing"] == []
    assert "s3cret-value" not in json.dumps(found)
    missing = inspected(KOMBO / "kombo-general.yaml")
    assert missing["binds"][0]["missing"] == ["KOMBO_API_KEY"]


def test_file_binds_say_whether_the_file_is_there() -> None:
    found = inspected(QUICKSTART)
    assert found["binds"] == [
        {
            "namespace": "settings",
            "source": "file:///./quickstart.env",
            "keys": ["REGISTRY_TOKEN"],
            "present": True,
        }
    ]


def test_disabled_units_are_listed_with_their_reason() -> None:
    found = inspected(FIXTURES / "lint-violations.yaml")
    assert [d["target"] for d in found["disabled"]] == ["shop-rest.list-things"]
    assert "does not match" in found["disabled"][0]["reason"]


def test_stdio_adapters_say_how_to_run_them() -> None:
    found = inspected(FIXTURES / "lint-violations.yaml")
    stdio = next(a for a in found["adapters"] if a["namespace"] == "shop-mcp")
    assert stdio["run"] == "naftiko run FILE --mcp-stdio shop-mcp"


def test_text_output_has_one_section_per_part() -> None:
    done = naftiko_cli("inspect", str(QUICKSTART))
    assert done.returncode == 0, done.stderr
    for heading in ("adapters:", "call targets", "binds:"):
        assert heading in done.stdout
    assert "tool greet(name*: string, times: integer)" in done.stdout
    assert "GET     /hello/{name}  -> quickstart-rest.hello" in done.stdout


def test_an_invalid_file_gives_its_errors_not_a_description(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('naftiko: "1.0.0-alpha2"\ncapability: {}\n', encoding="utf-8")
    done = naftiko_cli("inspect", str(bad))
    assert done.returncode == 1
    assert "bad.yaml" in done.stderr
    assert done.stdout == ""
