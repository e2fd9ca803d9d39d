"""The one YAML loader refuses what would exhaust memory or time, and loads the rest."""

from __future__ import annotations

import time

import pytest
import yaml

from naftiko import yamlio

BOMB = "\n".join(
    ["a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)


def test_nested_aliases_that_expand_past_the_budget_are_refused_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(yamlio.YamlLimit, match="aliases expand"):
        yamlio.loads(BOMB)
    assert time.monotonic() - started < 5


def test_a_few_aliases_load_as_shared_values() -> None:
    data = yamlio.loads("base: &b {x: 1}\none: *b\ntwo: *b\n")
    assert data["one"] == data["two"] == {"x": 1}


def test_a_document_over_the_size_limit_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_BYTES", 64)
    with pytest.raises(yaml.YAMLError, match="larger than"):
        yamlio.loads("key: " + "x" * 100)
