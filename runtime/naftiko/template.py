"""Mustache variables (`{{x}}`, `{{a.b}}`), compiled once, rendered per call.

Rendering never HTML-escapes. Three renderings exist because where a value lands decides
what is safe: plain text, a URL path segment (percent-encoded, '/' included, so an input
cannot change the path) and JSON (a value where it stands as a value, escaped inside a string).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, TypeAlias, cast

from naftiko.jsontypes import JSON

_TOKEN = re.compile(r"\{\{\{\s*([^{}]*?)\s*\}\}\}|\{\{\s*([^{}]*?)\s*\}\}")


class TemplateSyntaxError(ValueError):
    """A template that cannot be compiled (an unclosed or empty ``{{``)."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = cast("JSON", _Missing())  # a JSON value to the types: returned in place of one


class Scope(Protocol):
    def lookup(self, name: str) -> JSON:
        """The value of a variable, or MISSING."""


class Params(Scope, Protocol):
    """A scope that also answers one call parameter by name (binds not consulted)."""

    def get(self, name: str) -> JSON:
        """The parameter, or MISSING."""


@dataclass(frozen=True)
class Var:
    name: str


def text_of(value: object) -> str:
    """How a value reads inside text: JSON for lists/maps/booleans/null, str otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Template:
    """A compiled template: literal text and variables."""

    __slots__ = ("is_static", "parts", "single", "source", "variables")

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: tuple[str | Var, ...] = _split(source)
        self.variables: tuple[str, ...] = tuple(p.name for p in self.parts if isinstance(p, Var))
        self.is_static: bool = not self.variables
        # The variable name when the whole template is one ``{{x}}`` token.
        self.single: str | None = (
            self.parts[0].name if len(self.parts) == 1 and isinstance(self.parts[0], Var) else None
        )

    def __repr__(self) -> str:
        return f"Template({self.source!r})"

    def value(self, scope: Scope) -> JSON:
        """A whole-value token keeps its type (lists stay lists); anything else is text."""
        single = self.single
        if single is not None:
            return scope.lookup(single)
        return self.render(scope)

    def render(self, scope: Scope) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                value = scope.lookup(part.name)
                if value is not MISSING:
                    out.append(text_of(value))
        return "".join(out)


def _split(source: str) -> tuple[str | Var, ...]:
    parts: list[str | Var] = []
    position = 0
    for match in _TOKEN.finditer(source):
        name = match.group(1) if match.group(1) is not None else match.group(2)
        if not name:
            raise TemplateSyntaxError(f"empty variable '{{{{}}}}' at offset {match.start()}")
        if name[0] in "#^/!>&=":
            raise TemplateSyntaxError(
                f"Mustache sections and partials are not supported: '{match.group(0)}'"
            )
        if match.start() > position:
            parts.append(source[position : match.start()])
        parts.append(Var(name))
        position = match.end()
    rest = source[position:]
    if "{{" in rest:
        raise TemplateSyntaxError(f"unclosed '{{{{' in {source!r}")
    if rest:
        parts.append(rest)
    return tuple(parts)


def fill_known(source: str, values: Mapping[str, str]) -> str:
    """`{{x}}` replaced where ``values`` has x; any other token is left as written (prompts
    show the author's text rather than a blank)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) if match.group(1) is not None else match.group(2)
        return values.get(name, match.group(0))

    return _TOKEN.sub(one, source)


def variables_of(source: str) -> tuple[str, ...]:
    """The variable names of a template, in order; TemplateSyntaxError if it cannot compile."""
    return tuple(p.name for p in _split(source) if isinstance(p, Var))


class JsonTemplate:
    """Raw JSON body text with variables: values in value position render as JSON."""

    __slots__ = ("in_string", "template")

    def __init__(self, source: str) -> None:
        self.template = Template(source)
        self.in_string = _string_positions(self.template.parts)

    def render(self, scope: Scope) -> str:
        out: list[str] = []
        var_index = 0
        for part in self.template.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = scope.lookup(part.name)
            if self.in_string[var_index]:
                if value is not MISSING and value is not None:
                    out.append(json.dumps(text_of(value), ensure_ascii=False)[1:-1])
            else:
                out.append("null" if value is MISSING else json.dumps(value, ensure_ascii=False))
            var_index += 1
        return "".join(out)


def _string_positions(parts: tuple[str | Var, ...]) -> tuple[bool, ...]:
    """For each variable: does it stand inside a JSON string literal?"""
    inside = False
    escaped = False
    found: list[bool] = []
    for part in parts:
        if isinstance(part, Var):
            found.append(inside)
            continue
        for char in part:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = inside
            elif char == '"':
                inside = not inside
    return tuple(found)


class DataTemplate:
    """A JSON-like tree (a structured body's ``data``) whose strings may hold templates."""

    __slots__ = ("tree",)

    def __init__(self, data: JSON) -> None:
        self.tree: Tree = _compile_tree(data)

    def render(self, scope: Scope) -> JSON:
        return _render_tree(self.tree, scope)


# a data template compiled: its strings that hold placeholders are Templates
Tree: TypeAlias = "Template | dict[str, Tree] | list[Tree] | JSON"


def _compile_tree(data: JSON) -> Tree:
    if isinstance(data, str):
        template = Template(data)
        return data if template.is_static else template
    if isinstance(data, Mapping):
        return {str(k): _compile_tree(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_compile_tree(v) for v in data]
    return data


def _render_tree(node: Tree, scope: Scope) -> JSON:
    if isinstance(node, Template):
        value = node.value(scope)
        return None if value is MISSING else value
    if isinstance(node, dict):
        return {k: _render_tree(v, scope) for k, v in node.items()}
    if isinstance(node, list):
        return [_render_tree(v, scope) for v in node]
    return node
