"""Output shaping: JSONPath, nested objects, arrays, pass-through and lossless coercion."""

from __future__ import annotations

import pytest

from naftiko.convert import coerce
from naftiko.jsonpath import JsonPathSyntaxError, compile_path
from naftiko.shaping import Shaper, shape_outputs
from naftiko.spec.model import OutputParam

SHIP = {
    "imo_number": "IMO-1",
    "year_built": "2015",
    "dims": {"length": 229},
    "crew": [{"id": "C1", "role": "captain"}, {"id": "C2", "role": "cook"}],
    "user details": {"email": "a@b"},
}


def out(**kwargs: object) -> OutputParam:
    return OutputParam(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.", SHIP),
        ("$", SHIP),
        ("$.dims.length", 229),
        ("$.crew[1].role", "cook"),
        ("$.crew[*].id", ["C1", "C2"]),
        ("$['user details'].email", "a@b"),
        ("$.nope.deeper", None),
        ("$.crew[9].id", None),
        ("$.crew[?(@.role == 'cook')].id", ["C2"]),
    ],
)
def test_jsonpath_reads_values(path: str, expected: object) -> None:
    assert compile_path(path).find(SHIP) == expected


def test_invalid_jsonpath_is_a_syntax_error() -> None:
    with pytest.raises(JsonPathSyntaxError):
        compile_path("$.a[?(@.x ==")


def test_object_without_properties_passes_its_mapping_through() -> None:
    shaper = Shaper(out(type="object", mapping="$."))
    assert shape_outputs((shaper,), SHIP) is SHIP


def test_nested_object_without_mapping_reads_from_the_parent_root() -> None:
    specs = out(
        type="object",
        properties=(
            ("year", out(type="number", mapping="$.year_built")),
            ("length", out(type="number", mapping="$.dims.length")),
        ),
    )
    ship = out(
        type="object",
        properties=(("imo", out(type="string", mapping="$.imo_number")), ("specs", specs)),
    )
    assert Shaper(ship).shape(SHIP) == {"imo": "IMO-1", "specs": {"year": 2015, "length": 229}}


def test_object_with_mapping_resolves_properties_against_it() -> None:
    dims = out(
        type="object",
        mapping="$.dims",
        properties=(("len", out(type="integer", mapping="$.length")),),
    )
    assert Shaper(dims).shape(SHIP) == {"len": 229}


def test_array_items_are_relative_to_each_element() -> None:
    crew = out(
        type="array",
        mapping="$.crew",
        items=out(type="object", properties=(("who", out(type="string", mapping="$.role")),)),
    )
    assert Shaper(crew).shape(SHIP) == [{"who": "captain"}, {"who": "cook"}]


def test_a_single_element_where_an_array_is_mapped_still_gives_an_array() -> None:
    crew = out(type="array", mapping="$.dims")
    assert Shaper(crew).shape(SHIP) == [{"length": 229}]


def test_named_outputs_build_an_object() -> None:
    shapers = (
        Shaper(out(name="imo", type="string", mapping="$.imo_number")),
        Shaper(out(name="len", type="number", mapping="$.dims.length")),
    )
    assert shape_outputs(shapers, SHIP) == {"imo": "IMO-1", "len": 229}


def test_no_outputs_returns_the_body_unchanged() -> None:
    assert shape_outputs((), SHIP) is SHIP


@pytest.mark.parametrize(
    ("value", "declared", "expected"),
    [
        ("42", "integer", 42),
        ("12.5", "number", 12.5),
        ("true", "boolean", True),
        (42, "string", "42"),
        ("abc", "number", "abc"),
        (1.5, "integer", 1.5),
        ("yes", "boolean", "yes"),
    ],
)
def test_coercion_is_lossless_or_keeps_the_value(
    value: object, declared: str, expected: object
) -> None:
    assert coerce(value, declared) == expected
