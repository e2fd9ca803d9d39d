"""Reaching into a parsed document without trusting its shape."""

from __future__ import annotations

from naftiko.jsontypes import dig

DOCUMENT = {"capability": {"consumes": [{"namespace": "crm"}, {"namespace": "erp"}]}}


def test_dig_follows_keys_and_indexes() -> None:
    assert dig(DOCUMENT, "capability", "consumes", 1, "namespace") == "erp"


def test_dig_counts_a_negative_index_from_the_end() -> None:
    assert dig(DOCUMENT, "capability", "consumes", -2, "namespace") == "crm"


def test_dig_gives_none_for_a_missing_key_or_index() -> None:
    assert dig(DOCUMENT, "capability", "exposes") is None
    assert dig(DOCUMENT, "capability", "consumes", 2) is None


def test_dig_gives_none_where_the_path_steps_into_the_wrong_kind() -> None:
    assert dig(DOCUMENT, "capability", 0) is None  # an index into an object
    assert dig(DOCUMENT, "capability", "consumes", "namespace") is None  # a key into an array
    assert dig("text", 0) is None  # into a scalar


def test_dig_without_a_path_is_the_value() -> None:
    assert dig(DOCUMENT) is DOCUMENT


def test_a_json_number_is_an_int_or_a_float_never_a_boolean() -> None:
    from naftiko.jsontypes import is_number

    assert is_number(3) and is_number(2.5)
    assert not is_number(True) and not is_number("3") and not is_number(None)
