"""One path from a file to plans: validate compiles without secrets, run with them."""

from __future__ import annotations

from conftest import FIXTURES
from naftiko import check
from naftiko.pipeline import compile_plans, load

SHOP = FIXTURES / "shop.yaml"  # binds SHOP_UPSTREAM_TOKEN


def test_plans_compile_without_secrets_for_validate() -> None:
    compiled = load(SHOP)
    engine = compile_plans(compiled, secrets=False, environ={})
    assert engine is not None
    assert compiled.errors == []
    assert "shop.get-item" in engine.plans


def test_plans_for_run_need_every_bound_value() -> None:
    compiled = load(SHOP)
    assert compile_plans(compiled, environ={}) is None
    assert [d.code for d in compiled.errors] == ["bind"]
    assert "SHOP_UPSTREAM_TOKEN" in compiled.errors[0].message


def test_findings_keep_their_severity_until_validate_judges_them(tmp_path) -> None:
    text = SHOP.read_text(encoding="utf-8").replace(
        "capability:\n", "capabilty_note: x\ncapability:\n"
    )
    path = tmp_path / "shop.yaml"
    path.write_text(text, encoding="utf-8")
    compiled = load(path)
    assert compiled.errors == []  # run starts on it, as before
    assert [d.code for d in compiled.warnings] == ["unknown-key"]
    assert [(d.severity, d.code) for d in check(str(path))] == [("error", "unknown-key")]
    assert [(d.severity, d.code) for d in check(str(path), lenient=True)] == [
        ("warning", "unknown-key")
    ]
