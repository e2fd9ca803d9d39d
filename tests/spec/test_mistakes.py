"""A newcomer's mistakes, one edit at a time to the `naftiko init shop` starter: each one
fails `validate` with one diagnostic, on the line of the mistake, and `--lenient` keeps
the reference engine's leniency where it had one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import naftiko_cli
from naftiko import Diagnostic, check
from naftiko.authoring.starter import write_starter


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("starter")
    write_starter("shop", directory)
    return (directory / "shop.yaml").read_text(encoding="utf-8")


# (name, text in the starter, its replacement, text on the line the error must name, code)
MISTAKES = [
    (
        "misspelled REST method",
        "method: GET\n              description: One item",
        "method: GETT\n              description: One item",
        "GETT",
        "unit-invalid",
    ),
    (
        "misspelled consumed method",
        "method: GET\n              inputParameters",
        "method: GOT\n              inputParameters",
        "GOT",
        "unit-invalid",
    ),
    (
        "type int",
        "type: string\n                  description: The item id.",
        "type: int\n                  description: The item id.",
        "type: int",
        "unit-invalid",
    ),
    (
        "in: paht",
        "in: path\n                  type: string",
        "in: paht\n                  type: string",
        "paht",
        "unit-invalid",
    ),
    (
        "type objet",
        "- type: object\n              properties",
        "- type: objet\n              properties",
        "objet",
        "unit-invalid",
    ),
    (
        "call to an unknown namespace",
        "call: shop.get-item\n              with",
        "call: shopp.get-item\n              with",
        "shopp",
        "unknown-call",
    ),
    (
        "call to an unknown operation",
        "call: shop.get-item\n          with",
        "call: shop.get-itme\n          with",
        "get-itme",
        "unknown-call",
    ),
    (
        "baseUri without a scheme",
        '"https://api.example.com/v1"',
        '"api.example.com/v1"',
        "api.example.com",
        "base-uri",
    ),
    (
        "undefined variable in authentication",
        '"{{SHOP_API_KEY}}"',
        '"{{SHOP_APIKEY}}"',
        "SHOP_APIKEY",
        "undefined-variable",
    ),
    (
        "unclosed template in authentication",
        '"{{SHOP_API_KEY}}"',
        '"{{SHOP_API_KEY}"',
        "SHOP_API_KEY}",
        "template",
    ),
    (
        "with names an undeclared input",
        "id: shop-rest.id",
        "id: shop-rest.idd",
        "idd",
        "unknown-input",
    ),
    (
        "with names an undeclared tool input",
        "id: shop-mcp.id",
        "id: shop-mcp.item",
        "shop-mcp.item",
        "unknown-input",
    ),
    (
        "with passes a parameter the operation lacks",
        "id: shop-mcp.id",
        "ident: shop-mcp.id",
        "ident",
        "unknown-with",
    ),
    ("misspelled key readOnyl", "readOnly: true", "readOnyl: true", "readOnyl", "unknown-key"),
    (
        "misspelled key descripton",
        "      description: Tools of Shop.",
        "      descripton: Tools of Shop.",
        "descripton",
        "unknown-key",
    ),
    (
        "mis-indented outputParameters",
        "idempotent: true\n          outputParameters:",
        "idempotent: true\n            outputParameters:",
        "\n            outputParameters",
        "unknown-key",
    ),
    (
        "consumed path placeholder without a parameter",
        'path: "/items/{{id}}"',
        'path: "/items/{{itemId}}"',
        "itemId",
        "path-parameter",
    ),
    (
        "REST path placeholder without an input",
        'path: "/items/{id}"',
        'path: "/items/{key}"',
        "{key}",
        "path-parameter",
    ),
    ("invalid JSONPath", 'mapping: "$.name"', 'mapping: "$.[name"', "$.[name", "jsonpath"),
    ("authentication type outside its enum", "type: bearer", "type: bearr", "bearr", "schema"),
    ("port that is not a number", "port: 9090", "port: nine", "nine", "schema"),
    (
        "undefined variable in a header value",
        "                  in: path\n  exposes:",
        "                  in: path\n"
        "                - name: X-Trace\n"
        "                  in: header\n"
        '                  value: "{{trace}}"\n  exposes:',
        "{{trace}}",
        "undefined-variable",
    ),
    (
        "undefined variable in an output value",
        'mapping: "$.name"\n    # MCP',
        'value: "{{nam}}"\n    # MCP',
        "{{nam}}",
        "undefined-variable",
    ),
    (
        "a tool without call or outputs",
        "          call: shop.get-item\n          with:\n            id: shop-mcp.id\n",
        "",
        "- name: get-item\n          description: One item by",
        "unit-disabled",
    ),
    (
        "REST path input without a placeholder",
        'path: "/items/{id}"',
        'path: "/items"',
        "- name: id\n                  in: path\n                  type",
        "path-parameter",
    ),
    ("misspelled adapter type", "type: mcp", "type: mpc", "mpc", "unsupported-type"),
    (
        "a script step in groovy",
        "          call: shop.get-item\n          with:\n            id: shop-mcp.id\n",
        "          steps:\n            - type: script\n              name: compute\n"
        "              language: groovy\n              file: compute.groovy\n",
        "language: groovy",
        "script",
    ),
]


MISTAKES += [
    ("misspelled call key", "          call: shop.get-item", "          cal: shop.get-item",
     "cal: shop", "unknown-key"),
    ("one port for both adapters", "port: 9090", "port: 8080", "port: 8080\n      descr",
     "port-clash"),
    ("mapping without $", 'mapping: "$.name"', 'mapping: "name"', 'mapping: "name"', "jsonpath"),
    ("bearer without a token", '        token: "{{SHOP_API_KEY}}"\n', "",
     "authentication:", "auth-incomplete"),
    ("bind named in the wrong case", '"{{SHOP_API_KEY}}"', '"{{shop_api_key}}"',
     "shop_api_key", "undefined-variable"),
    ("misspelled input name key", "            - name: id\n              type: string",
     "            - nme: id\n              type: string", "nme: id", "unit-invalid"),
    ("misspelled binds keys", "    keys:\n", "    kyes:\n", "kyes:", "schema"),
    ("address with a port", "      port: 8080\n",
     "      port: 8080\n      address: localhost:8080\n", "address: localhost", "address"),
]  # fmt: skip


MISTAKES += [
    ("misspelled tools", "      tools:\n", "      tool:\n", "tool:", "unknown-key"),
    ("misspelled REST resources", "      port: 8080\n      resources:\n",
     "      port: 8080\n      resource:\n", "resource:", "unknown-key"),
    ("misspelled consumes", "  consumes:\n", "  consume:\n", "consume:", "unknown-key"),
    ("misspelled exposes", "  exposes:\n", "  expose:\n", "expose:", "unknown-key"),
    ("misspelled consumed operations",
     "          operations:\n            - name: get-item\n              method: GET\n",
     "          operation:\n            - name: get-item\n              method: GET\n",
     "operation:", "schema"),
    ("misspelled namespace key", "    - namespace: shop\n", "    - namspace: shop\n",
     "namspace:", "schema"),
    ("baseUri in the wrong case", "      baseUri:", "      baseURI:", "baseURI", "schema"),
]  # fmt: skip


def mistaken(starter: str, old: str, new: str) -> str:
    assert old in starter, old
    return starter.replace(old, new, 1)


def checked(tmp_path: Path, text: str) -> list[Diagnostic]:
    """The findings of ``text`` written as shop.yaml."""
    path = tmp_path / "shop.yaml"
    path.write_text(text, encoding="utf-8")
    return check(str(path))


def line_of(text: str, needle: str) -> int:
    """The line where ``needle`` starts (after its leading line breaks)."""
    start = text.index(needle) + len(needle) - len(needle.lstrip("\n"))
    return text.count("\n", 0, start) + 1


@pytest.mark.parametrize(("name", "old", "new", "where", "code"), MISTAKES)
def test_each_mistake_fails_validate_once_on_its_line(
    starter: str, tmp_path: Path, name: str, old: str, new: str, where: str, code: str
) -> None:
    text = mistaken(starter, old, new)
    found = checked(tmp_path, text)
    assert [(d.severity, d.code) for d in found] == [("error", code)], found
    needle = where if where in text else where.replace("\n", "")
    assert found[0].line == line_of(text, needle), (name, str(found[0]))
    assert found[0].col >= 1


def test_the_starter_itself_is_valid(starter: str, tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(starter, encoding="utf-8")
    assert check(str(path)) == []


def test_the_cli_exits_1_with_the_same_finding_as_check(starter: str, tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(mistaken(starter, "readOnly: true", "readOnyl: true"), encoding="utf-8")
    done = naftiko_cli("validate", "--format", "json", str(path))
    assert done.returncode == 1
    [entry] = json.loads(done.stdout)["files"]
    assert entry["diagnostics"] == [d.as_dict() for d in check(str(path))]


def test_lenient_keeps_disabled_units_and_unknown_keys_as_warnings(
    starter: str, tmp_path: Path
) -> None:
    text = mistaken(starter, "readOnly: true", "readOnyl: true")
    text = mistaken(
        text, "method: GET\n              description", "method: GETT\n              description"
    )
    path = tmp_path / "shop.yaml"
    path.write_text(text, encoding="utf-8")
    done = naftiko_cli("validate", "--lenient", str(path))
    assert done.returncode == 0, done.stderr
    assert "valid (0 error(s), 2 warning(s))" in done.stdout
    assert {d.severity for d in check(str(path), lenient=True)} == {"warning"}


def test_lenient_and_strict_together_are_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("naftiko: 1\n", encoding="utf-8")
    done = naftiko_cli("validate", "--lenient", "--strict", str(path))
    assert done.returncode == 2
    assert "--lenient and --strict" in done.stderr


def test_a_key_right_at_another_level_is_named_there_not_misspelled(
    starter: str, tmp_path: Path
) -> None:
    text = mistaken(
        starter,
        "idempotent: true\n          outputParameters:",
        "idempotent: true\n            outputParameters:",
    )
    [found] = checked(tmp_path, text)
    assert "belongs to capability.exposes[1].tools[0]" in found.hint
    assert "did you mean" not in found.hint


def test_a_key_one_level_too_high_is_pointed_down(starter: str, tmp_path: Path) -> None:
    text = mistaken(
        starter,
        '          path: "/items/{id}"\n',
        '          path: "/items/{id}"\n          outputParameters: []\n',
    )
    [found] = checked(tmp_path, text)
    assert found.code == "unknown-key"
    assert "indent it under 'operations'" in found.hint
    assert "inputParameters" not in found.hint


def test_a_key_with_no_near_spelling_gets_no_guess(starter: str, tmp_path: Path) -> None:
    text = mistaken(starter, "readOnly: true", "cacheable: true")
    [found] = checked(tmp_path, text)
    assert found.hint == "check its spelling or remove it"


def test_the_same_port_in_two_files_is_found_by_validate_as_by_run(
    starter: str, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(starter, encoding="utf-8")
    renamed = starter.replace("namespace: shop-rest", "namespace: other-rest").replace(
        "namespace: shop-mcp", "namespace: other-mcp"
    )
    second.write_text(renamed.replace("port: 8080", "port: 8081"), encoding="utf-8")
    done = naftiko_cli("validate", str(first), str(second))
    assert done.returncode == 1
    assert "port 9090 is claimed by adapter 'shop-mcp'" in done.stderr
    assert f"{second}: invalid (1 error(s)" in done.stdout
    assert f"{first}: valid" in done.stdout


def test_a_path_parameter_without_placeholder_is_a_warning_naming_the_path(
    starter: str, tmp_path: Path
) -> None:
    text = mistaken(starter, 'path: "/items/{{id}}"', 'path: "/items"')
    [found] = checked(tmp_path, text)
    assert (found.severity, found.code) == ("warning", "path-convention")
    assert "it is the next segment: /items/{id}" in found.message
    assert found.line == line_of(text, "- name: id\n                  in: path\n  exposes")


def test_an_aggregate_ref_that_names_no_function_fails_validate(
    starter: str, tmp_path: Path
) -> None:
    text = mistaken(
        starter,
        "          call: shop.get-item\n          with:\n            id: shop-mcp.id\n",
        "          ref: shop-functions.get-item\n",
    )
    found = checked(tmp_path, text)
    assert [(d.severity, d.code) for d in found] == [("error", "unknown-ref")]
    assert found[0].line == line_of(text, "ref: shop-functions")
