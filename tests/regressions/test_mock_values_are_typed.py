"""Reference bug (REFERENCE.md 5.4, 5.9, 6.2): mock `value`s are always strings, whatever the
declared type. Here (SEMANTICS.md, Outputs) they are typed: `type: integer, value: "3"` is 3."""

from __future__ import annotations

import asyncio

from conftest import FIXTURES
from naftiko.engine import Engine
from naftiko.spec import load


def test_mock_integer_is_a_number() -> None:
    engine = Engine(load(FIXTURES / "shop.yaml"), environ={"SHOP_UPSTREAM_TOKEN": "t"})
    result = asyncio.run(engine.invoke("shop.get-status", {"who": "ops"}))
    assert result.data["replicas"] == 3
    assert result.data["state"] == "ready"
