"""Upstream formats turned into JSON-like data (REFERENCE.md section 3.7)."""

from __future__ import annotations

import pytest

from naftiko.formats import FormatError, convert


def test_xml_drops_the_root_and_repeats_become_arrays() -> None:
    text = "<root><user><id>1</id><name>Alice</name></user><user><id>2</id></user></root>"
    assert convert("xml", text) == {"user": [{"id": "1", "name": "Alice"}, {"id": "2"}]}


def test_xml_single_element_stays_an_object() -> None:
    assert convert("xml", "<vessels><vessel><code>A</code></vessel></vessels>") == {
        "vessel": {"code": "A"}
    }


def test_xml_attributes_become_fields_and_text_goes_under_empty_key() -> None:
    found = convert("xml", '<r><price currency="EUR">12.5</price></r>')
    assert found == {"price": {"currency": "EUR", "": "12.5"}}


def test_xml_entity_expansion_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        "<l><v>&b;</v></l>"
    )
    with pytest.raises(FormatError):
        convert("xml", bomb)


def test_invalid_xml_is_a_format_error() -> None:
    with pytest.raises(FormatError):
        convert("xml", "<open>")


@pytest.mark.parametrize(("fmt", "sep"), [("csv", ","), ("tsv", "\t"), ("psv", "|")])
def test_delimited_rows_become_objects_of_strings(fmt: str, sep: str) -> None:
    text = f"id{sep}name\n1{sep}Ada\n2{sep}Grace\n"
    assert convert(fmt, text) == [{"id": "1", "name": "Ada"}, {"id": "2", "name": "Grace"}]


def test_yaml_keeps_scalar_types() -> None:
    assert convert("yaml", "a: 1\nb: [true, x]\n") == {"a": 1, "b": [True, "x"]}


def test_html_tables_by_header() -> None:
    text = (
        "<html><body><table><thead><tr><th>Ship</th><th>Flag</th></tr></thead>"
        "<tbody><tr><td>Northern  Star</td><td>NO</td></tr><tr><td>Dawn</td></tr></tbody>"
        "</table><table><tr><td>no header</td></tr></table></body></html>"
    )
    found = convert("html", text)
    assert found["tables"][0] == [
        {"Ship": "Northern Star", "Flag": "NO"},
        {"Ship": "Dawn", "Flag": ""},
    ]


def test_markdown_front_matter_tables_and_sections() -> None:
    text = (
        "---\ntitle: Report\n---\n# API Reference\nIntro text.\n\n"
        "| id | name |\n|----|------|\n| 1 | Ada |\n\n## Notes\nLast words.\n"
    )
    found = convert("markdown", text)
    assert found["frontMatter"] == {"title": "Report"}
    assert found["tables"] == [[{"id": "1", "name": "Ada"}]]
    assert found["sections"] == [
        {"heading": "API Reference", "level": 1, "content": "Intro text."},
        {"heading": "Notes", "level": 2, "content": "Last words."},
    ]
