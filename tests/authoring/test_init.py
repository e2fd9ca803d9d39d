"""`naftiko init` and `naftiko schema`: a newcomer's first capability runs at once."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from conftest import FIXTURES, ROOT, clean_env, naftiko_cli
from mcp_client import wire, with_client
from naftiko.spec import check


def test_starter_is_valid_and_points_editors_at_the_schema(tmp_path: Path) -> None:
    done = naftiko_cli("init", "Shop Items", "-d", str(tmp_path))
    assert done.returncode == 0, done.stderr
    starter = tmp_path / "shop-items.yaml"
    assert starter.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=./capability.schema.json\n"
    )
    assert json.loads((tmp_path / "capability.schema.json").read_text(encoding="utf-8"))
    doc = check(starter, strict=True)
    assert not doc.errors and not doc.warnings
    linted = naftiko_cli("lint", "--format", "json", str(starter))
    codes = {f["code"] for f in json.loads(linted.stdout)}
    assert codes <= {"baseuri-example"}  # the starter's placeholder upstream, by design


def test_starter_runs_offline_over_rest_and_mcp(tmp_path: Path, naftiko_run) -> None:
    assert naftiko_cli("init", "shop", "-d", str(tmp_path)).returncode == 0
    running = naftiko_run(
        str(tmp_path / "shop.yaml"),
        f"--mock=shop={tmp_path / 'shop.openapi.yaml'}",
        "--port=shop-rest=0",
        "--port=shop-mcp=0",
        env=clean_env(SHOP_API_KEY="any"),
    )
    assert httpx.get(running.urls["shop-rest"] + "/items/42").json() == {
        "id": "42",
        "name": "The answer",
    }

    async def work(client):
        return wire(await client.call_tool("get-item", {"id": "42"}))

    result = with_client(running.urls["shop-mcp"] + "/mcp", work)
    assert result["structuredContent"] == {"id": "42", "name": "The answer"}


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    assert naftiko_cli("init", "shop", "-d", str(tmp_path)).returncode == 0
    again = naftiko_cli("init", "shop", "-d", str(tmp_path))
    assert again.returncode == 1
    assert "exists" in again.stderr


def test_init_from_openapi_imports_every_operation(tmp_path: Path) -> None:
    spec = ROOT / "capabilities" / "kombo" / "kombo-openapi.json"
    done = naftiko_cli("init", "kombo", "--from-openapi", str(spec), "-d", str(tmp_path))
    assert done.returncode == 0, done.stderr
    doc = check(tmp_path / "kombo.yaml", strict=True)
    assert not doc.errors


def test_init_from_openapi_puts_the_document_beside_and_says_what_next(
    tmp_path: Path, naftiko_run
) -> None:
    spec = ROOT / "capabilities" / "kombo" / "kombo-openapi.json"
    done = naftiko_cli("init", "kombo", "--from-openapi", str(spec), "-d", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "kombo-openapi.json").read_bytes() == spec.read_bytes()
    steps = done.stderr.split("next:\n", 1)[1].splitlines()
    run = steps[0].split()
    assert run[:3] == ["KOMBO_API_KEY=any", "naftiko", "run"]
    assert f"kombo-api={tmp_path / 'kombo-openapi.json'}" in run  # the title, kebab-cased
    env = clean_env(**dict(v.split("=", 1) for v in run if v.endswith("=any")))
    ports = ("--port=kombo-api-rest=0", "--port=kombo-api-mcp=0")
    running = naftiko_run(*run[3:], *ports, env=env)
    assert "ready:" in running.log()


def test_plain_init_says_what_next_too(tmp_path: Path) -> None:
    done = naftiko_cli("init", "shop", "-d", str(tmp_path))
    assert "next:\n" in done.stderr
    assert f"--mock shop={tmp_path / 'shop.openapi.yaml'}" in done.stderr


def test_schema_command_prints_the_packaged_schema() -> None:
    done = naftiko_cli("schema")
    assert done.returncode == 0
    assert json.loads(done.stdout)["$schema"].endswith("2020-12/schema")


def test_a_beta5_starter_runs_offline_too(tmp_path: Path, naftiko_run) -> None:
    done = naftiko_cli("init", "shop", "-d", str(tmp_path), "--dialect", "beta5")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "shop.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=./capability-beta5.schema.json\n")
    assert 'ikanos: "1.0.0-beta5"' in text
    assert (tmp_path / "capability-beta5.schema.json").is_file()
    running = naftiko_run(
        str(tmp_path / "shop.yaml"),
        f"--mock=shop={tmp_path / 'shop.openapi.yaml'}",
        "--port=shop-rest=0",
        "--port=shop-mcp=0",
        env=clean_env(SHOP_API_KEY="any"),
    )
    assert httpx.get(running.urls["shop-rest"] + "/items/42").json() == {
        "id": "42",
        "name": "The answer",
    }


def test_import_openapi_writes_beta5_on_request(tmp_path: Path) -> None:
    spec = FIXTURES / "petstore" / "petstore-3.0.yaml"
    out = tmp_path / "pets.yaml"
    done = naftiko_cli("import", "openapi", str(spec), "--dialect", "beta5", "-o", str(out))
    assert done.returncode == 0, done.stderr
    doc = check(out, strict=True)
    assert doc.dialect == "1.0.0-beta5" and not doc.errors
    assert (tmp_path / "capability-beta5.schema.json").is_file()
