"""One test per rule the loader enforces; each breaks a copy of a small valid file."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from naftiko.errors import Diagnostic, SpecError
from naftiko.spec import check, load

BASE = (FIXTURES / "ships.yaml").read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str, name: str = "cap.yaml") -> Path:
    assert old in BASE, old
    path = tmp_path / name
    path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(text)


def only(diagnostics: list[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, diagnostics
    return found[0]


def test_the_base_fixture_is_valid_and_clean() -> None:
    doc = check(FIXTURES / "ships.yaml")
    assert doc.diagnostics == []


def test_bad_indentation_is_a_yaml_error_at_its_line(tmp_path: Path) -> None:
    path = broken(tmp_path, "      port: 3001\n", "      port: 3001\n     oops: [\n")
    with pytest.raises(SpecError) as caught:
        check(path)
    found = caught.value.diagnostics[0]
    assert found.code == "yaml-syntax"
    assert found.file == str(path)
    assert found.line >= line_of(path, "oops")


def test_alpha1_is_refused_naming_the_version(tmp_path: Path) -> None:
    path = broken(tmp_path, '"1.0.0-alpha2"', '"1.0.0-alpha1"')
    found = only(check(path).errors, "version")
    assert "1.0.0-alpha1" in found.message
    assert (found.line, found.field) == (1, "naftiko")


def test_other_versions_are_refused(tmp_path: Path) -> None:
    found = only(check(broken(tmp_path, '"1.0.0-alpha2"', '"0.5"')).errors, "version")
    assert "'0.5'" in found.message


def test_unknown_call_namespace_disables_only_that_tool(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        "call: registry.get-ship\n          with",
        "call: regsitry.get-ship\n          with",
    )
    doc = check(path)
    assert not doc.errors
    found = only(doc.warnings, "unknown-call")
    assert found.line == line_of(path, "regsitry.get-ship")
    assert found.field == "capability.exposes[0].tools[0].call"
    assert "did you mean registry" in found.hint
    capability = load(path)
    assert capability.exposes[0].units[0].disabled
    assert not capability.exposes[1].units[0].disabled


def test_unknown_call_is_an_error_under_strict(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        "call: registry.get-ship\n          with",
        "call: registry.get-shp\n          with",
    )
    assert only(check(path, strict=True).errors, "unknown-call").severity == "error"


def test_unknown_operation_suggests_the_close_name(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        "call: registry.get-ship\n          with",
        "call: registry.get-shp\n          with",
    )
    found = only(check(path).warnings, "unknown-call")
    assert "did you mean get-ship" in found.hint


def test_two_different_declarations_of_one_namespace_are_an_error(tmp_path: Path) -> None:
    block = BASE.split("  consumes:\n")[1].split("  exposes:\n")[0]
    twin = block.replace("http://127.0.0.1:9", "http://127.0.0.1:10")
    path = broken(tmp_path, "  exposes:\n", twin + "  exposes:\n")
    found = only(check(path).errors, "duplicate-namespace")
    assert "'registry'" in found.message
    assert found.line == line_of(path, "http://127.0.0.1:10") - 2


def test_identical_repeated_namespace_is_a_warning_and_kept_once(tmp_path: Path) -> None:
    block = BASE.split("  consumes:\n")[1].split("  exposes:\n")[0]
    path = broken(tmp_path, "  exposes:\n", block + "  exposes:\n")
    doc = check(path)
    assert not doc.errors
    only(doc.warnings, "duplicate-same")
    assert len(load(path).consumes) == 1


def test_clashing_ports_warn_naming_both_adapters_and_the_fix(tmp_path: Path) -> None:
    path = broken(tmp_path, "port: 3002", "port: 3001")
    found = only(check(path).warnings, "port-clash")
    assert found.field == "capability.exposes[1].port"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [i + 1 for i, text in enumerate(lines) if "port: 3001" in text][1] == found.line
    assert "exposes[0]" in found.message
    assert "--port" in found.hint


def test_bad_jsonpath_is_an_error_at_the_mapping(tmp_path: Path) -> None:
    path = broken(tmp_path, '"$.vessel_name"', '"$.vessel[?(@.x =="')
    found = only(check(path).errors, "jsonpath")
    assert found.line == line_of(path, "$.vessel[?(")
    assert found.field.endswith("properties.name.mapping")


def test_bad_template_is_an_error_before_anything_runs(tmp_path: Path) -> None:
    path = broken(tmp_path, 'token: "{{REGISTRY_TOKEN}}"', 'token: "{{REGISTRY_TOKEN"')
    from naftiko.engine import Engine

    with pytest.raises(SpecError) as caught:
        Engine(load(path), environ={"SHIPS_REGISTRY_TOKEN": "t"})
    assert "unclosed" in str(caught.value)


def test_unknown_key_is_a_warning_and_an_error_under_strict(tmp_path: Path) -> None:
    path = broken(tmp_path, "      port: 3001\n", "      port: 3001\n      colour: blue\n")
    warning = only(check(path).warnings, "unknown-key")
    assert warning.line == line_of(path, "colour")
    assert only(check(path, strict=True).errors, "unknown-key")


def test_with_key_that_names_no_parameter_is_a_warning(tmp_path: Path) -> None:
    path = broken(tmp_path, "imo_number: ships-mcp.imo", "imo_numbr: ships-mcp.imo")
    found = only(check(path).warnings, "unknown-with")
    assert found.line == line_of(path, "imo_numbr")


def test_unsupported_adapter_type_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = broken(tmp_path, "    - type: rest\n", "    - type: agent-skill\n")
    doc = check(path)
    assert not doc.errors
    only(doc.warnings, "unsupported-type")
    assert [a.type for a in load(path).exposes] == ["mcp"]


def test_a_schema_violation_inside_a_tool_disables_that_tool(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        "            - name: imo\n              type: string",
        "            - name: imo\n              type: strnig",
    )
    doc = check(path)
    assert not doc.errors
    assert only(doc.warnings, "unit-invalid").field.endswith("inputParameters[0].type")


def test_a_file_with_both_capability_and_root_consumes_is_refused(tmp_path: Path) -> None:
    path = broken(tmp_path, "capability:\n", "consumes: []\ncapability:\n")
    assert only(check(path).errors, "document-kind")


def test_unsupported_bind_scheme_is_an_error(tmp_path: Path) -> None:
    path = broken(tmp_path, "    keys:\n", '    location: "vault://secret/ships"\n    keys:\n')
    assert "vault://" in only(check(path).errors, "bind-scheme").message


def test_import_resolves_relative_to_the_importing_file(tmp_path: Path) -> None:
    block = BASE.split("  consumes:\n")[1].split("  exposes:\n")[0]
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "registry.yaml").write_text(
        'naftiko: "1.0.0-alpha2"\nconsumes:\n' + block, encoding="utf-8"
    )
    path = broken(
        tmp_path, block, "    - import: registry\n      location: ./shared/registry.yaml\n"
    )
    doc = check(path)
    assert not doc.errors, doc.errors
    capability = load(path)
    assert capability.consumes[0].operations[0].name == "get-ship"


def test_import_errors_point_into_the_imported_file(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "registry.yaml").write_text(
        'naftiko: "1.0.0-alpha2"\nconsumes:\n  - namespace: registry\n    type: http\n'
        '    baseUri: "http://x"\n    resources:\n      - name: a\n        path: /a\n'
        "        operations:\n          - name: op\n            method: FETCH\n",
        encoding="utf-8",
    )
    block = BASE.split("  consumes:\n")[1].split("  exposes:\n")[0]
    path = broken(
        tmp_path, block, "    - import: registry\n      location: ./shared/registry.yaml\n"
    )
    found = [d for d in check(path).diagnostics if "FETCH" in d.message]
    assert found and found[0].file.endswith("registry.yaml") and found[0].line == 11


def test_import_cycle_is_reported_with_its_chain(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        'naftiko: "1.0.0-alpha2"\nconsumes:\n  - import: registry\n    location: ./b.yaml\n',
        encoding="utf-8",
    )
    (tmp_path / "b.yaml").write_text(
        'naftiko: "1.0.0-alpha2"\nconsumes:\n  - import: registry\n    location: ./a.yaml\n',
        encoding="utf-8",
    )
    block = BASE.split("  consumes:\n")[1].split("  exposes:\n")[0]
    path = broken(tmp_path, block, "    - import: registry\n      location: ./a.yaml\n")
    found = only(check(path).errors, "import-cycle")
    assert "a.yaml -> " in found.message and "b.yaml" in found.message


def test_import_of_a_missing_namespace_lists_what_the_file_has(tmp_path: Path) -> None:
    block = BASE.split("  consumes:\n")[1].split("  exposes:\n")[0]
    (tmp_path / "shared.yaml").write_text(
        'naftiko: "1.0.0-alpha2"\nconsumes:\n' + block, encoding="utf-8"
    )
    path = broken(tmp_path, block, "    - import: registr\n      location: ./shared.yaml\n")
    found = only(check(path).errors, "import-namespace")
    assert "registry" in found.hint


def test_forward_to_unknown_namespace_warns_and_is_dropped(tmp_path: Path) -> None:
    text = (FIXTURES / "shop.yaml").read_text(encoding="utf-8")
    path = tmp_path / "shop.yaml"
    path.write_text(text.replace("targetNamespace: echo", "targetNamespace: ecko"), "utf-8")
    found = only(check(path).warnings, "unknown-forward")
    assert found.field.endswith("forward.targetNamespace")
    assert "echo" in found.hint
    proxy = next(r for r in load(path).exposes[0].resources if r.name == "proxy")
    assert proxy.forward is None


def test_an_alias_bomb_is_an_error_naming_the_file(tmp_path) -> None:
    from naftiko.pipeline import load as load_file
    from test_yamlio import BOMB

    path = tmp_path / "bomb.yaml"
    path.write_text('naftiko: "1.0.0-alpha2"\n' + BOMB + "\n", encoding="utf-8")
    found = load_file(path)
    assert [d.code for d in found.errors] == ["yaml-limit"]
    assert "aliases expand" in found.errors[0].message
