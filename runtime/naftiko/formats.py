"""Upstream answers in other formats, turned into JSON-like data before any mapping.

- xml: the root element is dropped; child elements become fields, repeated siblings an array,
  attributes fields; leaf values are strings (text beside children or attributes goes under
  ""). Parsed with defusedxml, so entity expansion attacks are refused.
- csv, tsv, psv: the first row names the columns; an array of objects of strings.
- yaml: the document, scalar types kept.
- html: `{"tables": [[{header: cell, ...}, ...], ...]}` from every table with headers.
- markdown: `{"frontMatter": {...}, "tables": [...], "sections": [{heading, level, content}]}`.
- text: the body as a string.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

import yaml
from defusedxml import ElementTree

from naftiko import yamlio
from naftiko.jsontypes import JSON

FORMATS = frozenset({"json", "xml", "csv", "tsv", "psv", "yaml", "html", "markdown", "text"})
_DELIMITERS = {"csv": ",", "tsv": "\t", "psv": "|"}


class FormatError(ValueError):
    """The body is not valid in the declared format."""


def convert(fmt: str, text: str) -> JSON:
    kind = fmt.lower()
    try:
        if kind == "xml":
            return _xml(text)
        if kind in _DELIMITERS:
            return _delimited(text, _DELIMITERS[kind])
        if kind == "yaml":
            return yamlio.loads(text)
        if kind == "html":
            return {"tables": _html_tables(text)}
        if kind == "markdown":
            return _markdown(text)
    except (yaml.YAMLError, csv.Error) as exc:
        raise FormatError(f"not valid {kind}: {str(exc).splitlines()[0]}") from None
    except Exception as exc:  # defusedxml raises ParseError and its own security errors
        raise FormatError(f"not valid {kind}: {exc}") from None
    return text


# --- xml -----------------------------------------------------------------------------------


def _xml(text: str) -> JSON:
    root = ElementTree.fromstring(text)
    value = _element(root)
    return value if isinstance(value, dict) else {"": value} if value else {}


def _element(node: Element) -> JSON:
    children = list(node)
    text = (node.text or "").strip()
    if not children and not node.attrib:
        return text
    found: dict[str, JSON] = {_local(k): v for k, v in node.attrib.items()}
    groups: dict[str, list[JSON]] = {}
    for child in children:
        groups.setdefault(_local(child.tag), []).append(_element(child))
    for key, values in groups.items():
        found[key] = values if len(values) > 1 else values[0]
    if text:
        found[""] = text
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- delimited -----------------------------------------------------------------------------


def _delimited(text: str, delimiter: str) -> list[JSON]:
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    return [
        {name: (row[i] if i < len(row) else "") for i, name in enumerate(header)}
        for row in rows[1:]
        if any(cell.strip() for cell in row)
    ]


# --- html ----------------------------------------------------------------------------------


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, str]]]] = []
        self._depth = 0
        self._row: list[tuple[str, str]] | None = None
        self._cell: list[str] | None = None
        self._kind = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
        elif self._depth == 1 and tag == "tr":
            self._row = []
        elif self._depth == 1 and tag in ("td", "th") and self._row is not None:
            self._cell, self._kind = [], tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._depth -= 1
        elif self._depth == 1 and tag in ("td", "th") and self._cell is not None:
            assert self._row is not None
            self._row.append((self._kind, " ".join("".join(self._cell).split())))
            self._cell = None
        elif self._depth == 1 and tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _html_tables(text: str) -> list[JSON]:
    parser = _Tables()
    parser.feed(text)
    parser.close()
    tables: list[JSON] = []
    for rows in parser.tables:
        header_row = next((r for r in rows if any(kind == "th" for kind, _ in r)), None)
        if header_row is None and rows:
            header_row, rows = rows[0], rows[1:]
        if header_row is None:
            continue
        headers = [cell for _, cell in header_row]
        if not any(headers):
            continue
        body = [r for r in rows if r is not header_row and not any(k == "th" for k, _ in r)]
        tables.append(
            [
                {h: (row[i][1] if i < len(row) else "") for i, h in enumerate(headers)}
                for row in body
            ]
        )
    return tables


# --- markdown ------------------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _markdown(text: str) -> dict[str, JSON]:
    lines = text.splitlines()
    front: JSON = {}
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            front = yamlio.loads("\n".join(lines[1:end])) or {}
            lines = lines[end + 1 :]
    sections: list[JSON] = []
    tables: list[JSON] = []
    current: dict[str, JSON] | None = None
    body: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        heading = _HEADING.match(line)
        if heading:
            if current is not None:
                current["content"] = "\n".join(body).strip()
                sections.append(current)
            current = {"heading": heading.group(2), "level": len(heading.group(1))}
            body = []
            index += 1
            continue
        if "|" in line and index + 1 < len(lines) and _TABLE_RULE.match(lines[index + 1]):
            headers = _cells(line)
            index += 2
            rows: list[JSON] = []
            while index < len(lines) and "|" in lines[index] and lines[index].strip():
                cells = _cells(lines[index])
                rows.append(
                    {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers)}
                )
                index += 1
            tables.append(rows)
            continue
        body.append(line)
        index += 1
    if current is not None:
        current["content"] = "\n".join(body).strip()
        sections.append(current)
    return {
        "frontMatter": front if isinstance(front, dict) else {},
        "tables": tables,
        "sections": sections,
    }


def _cells(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [cell.strip() for cell in text.split("|")]
