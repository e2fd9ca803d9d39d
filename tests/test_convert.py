"""The one conversion ladder inputs and outputs share: lossless conversions only."""

from __future__ import annotations

import pytest

from naftiko.convert import UNCONVERTED, convert


@pytest.mark.parametrize(
    ("value", "declared", "expected"),
    [
        (2, "string", "2"),
        (2.5, "string", "2.5"),
        (True, "string", "true"),
        ("2", "integer", 2),
        (2.0, "integer", 2),
        ("2.5", "number", 2.5),
        ("true", "boolean", True),
        ("False", "boolean", False),
        ("x", "string", "x"),
    ],
)
def test_lossless_values_convert(value, declared, expected) -> None:
    assert convert(value, declared) == expected


@pytest.mark.parametrize(
    ("value", "declared"),
    [
        ({"n": 2}, "string"),
        ("2.5", "integer"),
        (2.5, "integer"),
        (True, "integer"),
        ("nan", "number"),
        ("yes", "boolean"),
        (1, "boolean"),
        ("[1]", "array"),
    ],
)
def test_what_would_lose_something_is_not_converted(value, declared) -> None:
    assert convert(value, declared) is UNCONVERTED


def test_text_inputs_may_spell_arrays_and_objects() -> None:
    assert convert("[1, 2]", "array", text=True) == [1, 2]
    assert convert("a,b", "array", text=True) == ["a", "b"]
    assert convert('{"a": 1}', "object", text=True) == {"a": 1}
    assert convert("a", "object", text=True) is UNCONVERTED
