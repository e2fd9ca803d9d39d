"""JSON on the request path: fast where exact, the standard library where not."""

from __future__ import annotations

import pytest

from naftiko import jsonio


def test_round_trip_keeps_unicode_and_types() -> None:
    value = {"name": "Lindström", "n": 3, "x": 2.5, "ok": True, "none": None, "list": [1, "a"]}
    assert jsonio.loads(jsonio.dumps(value)) == value
    assert "Lindström".encode() in jsonio.dumps(value)


def test_sixty_four_bit_integers_stay_exact() -> None:
    assert jsonio.loads(b"[9223372036854775807, 18446744073709551615]") == [
        2**63 - 1,
        2**64 - 1,
    ]


def test_values_orjson_cannot_write_fall_back() -> None:
    assert jsonio.loads(jsonio.dumps({1: 2**70})) == {"1": 2**70}


def test_documents_orjson_refuses_fall_back() -> None:
    assert jsonio.loads(b"[1e400]") == [float("inf")]


def test_invalid_json_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        jsonio.loads(b"{nope")


@pytest.mark.parametrize(
    "document",
    [
        b'{"a": [1, 2.5, "x", null, true]}',
        b"[]",
        b'"text"',
        b"1e400",
        b'{"n": 18446744073709551615}',
    ],
)
def test_what_loads_reads_is_json(document: bytes) -> None:
    assert jsonio.is_json(document)


@pytest.mark.parametrize(
    "document",
    [
        b"{garbage}",
        b'{"a": 1',
        b'{"a": 1} trailing',
        b'{"a": "\xff"}',
        b"",
        b"[" * 2000,
        b'{"a": NaN}',
        b"[Infinity, -Infinity]",
    ],
)
def test_what_loads_refuses_is_not_json(document: bytes) -> None:
    assert not jsonio.is_json(document)


@pytest.mark.parametrize("document", [b'{"a": NaN}', b"[Infinity, -Infinity]"])
def test_loads_refuses_what_json_has_no_number_for(document: bytes) -> None:
    with pytest.raises(ValueError, match="is not JSON"):
        jsonio.loads(document)


def test_a_large_document_is_checked_whole() -> None:
    document = b"[" + b",".join([b'{"k": "v"}'] * 20_000) + b"]"
    assert len(document) > 100_000
    assert jsonio.is_json(document)
    assert not jsonio.is_json(document[:-1])
