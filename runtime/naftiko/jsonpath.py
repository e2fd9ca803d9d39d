"""JSONPath compiled once, evaluated per call.

``$`` and ``$.`` mean the value being mapped (the response root, or the current element
inside ``items``). Simple dotted paths take a fast path that walks dicts and lists directly;
anything else (wildcards, filters, slices) goes through jsonpath-ng, parsed once at load.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext.parser import parse as _parse

from naftiko.jsontypes import JSON

_SIMPLE_SEGMENT = re.compile(r"\.([^.\[\]*?()@,:]+)|\[(\d+)\]|\[['\"]([^'\"]*)['\"]\]")


class JsonPathSyntaxError(ValueError):
    """A mapping that is not valid JSONPath."""


class CompiledPath:
    """One JSONPath, ready to evaluate. ``many`` paths (wildcards, filters) yield lists."""

    __slots__ = ("_find", "_present", "expression", "many")

    def __init__(
        self,
        expression: str,
        find: Callable[[object], JSON],
        many: bool,
        present: Callable[[object], bool] | None = None,
    ) -> None:
        self.expression = expression
        self._find = find
        self.many = many
        self._present = present or (lambda root: find(root) is not None)

    def find(self, root: object) -> JSON:
        """The value at this path, or None when it does not exist."""
        try:
            return self._find(root)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            return None

    def matches(self, root: object) -> bool:
        """Whether anything is at this path, a null included. Asked only after `find` gave
        None, to tell a field the answer lacks from one it holds as null."""
        try:
            return self._present(root)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            return False

    def __repr__(self) -> str:
        return f"CompiledPath({self.expression!r})"


def _walker(keys: tuple[str | int, ...], absent: Any = None) -> Callable[[Any], Any]:
    def walk(root: Any) -> Any:
        node = root
        for key in keys:
            if isinstance(key, int):
                if not isinstance(node, list) or key >= len(node):
                    return absent
                node = node[key]
            elif isinstance(node, dict):
                if key not in node:
                    return absent
                node = node[key]
            else:
                return absent
        return node

    return walk


_ABSENT = object()


def _simple(expression: str) -> tuple[str | int, ...] | None:
    body = expression[1:]
    keys: list[str | int] = []
    position = 0
    while position < len(body):
        match = _SIMPLE_SEGMENT.match(body, position)
        if match is None:
            return None
        name, index, quoted = match.groups()
        if name is not None:
            keys.append(name.strip())
        elif index is not None:
            keys.append(int(index))
        else:
            keys.append(quoted)
        position = match.end()
    return tuple(keys)


def simple_keys(expression: str) -> tuple[str | int, ...] | None:
    """The keys of a plain dotted path (`$.data.results`), or None for anything richer."""
    text = expression.strip()
    if not text.startswith("$") or text in ("$", "$."):
        return None
    return _simple(text)


def compile_path(expression: str) -> CompiledPath:
    """Compile once; raise JsonPathSyntaxError with the parser's reason."""
    text = expression.strip()
    if not text.startswith("$"):
        raise JsonPathSyntaxError("a JSONPath starts with '$'")
    if text in ("$", "$."):
        return CompiledPath(expression, lambda root: cast("JSON", root), False)  # the root itself
    keys = _simple(text)
    if keys is not None and len(keys) == 1 and isinstance(keys[0], str):
        key = keys[0]
        return CompiledPath(
            expression,
            lambda root: root.get(key) if type(root) is dict else None,
            False,
            lambda root: type(root) is dict and key in root,
        )
    if keys is not None:
        there = _walker(keys, _ABSENT)
        return CompiledPath(
            expression, _walker(keys), False, lambda root: there(root) is not _ABSENT
        )
    try:
        parsed = _parse(text)
    except (JsonPathLexerError, JsonPathParserError, Exception) as exc:
        raise JsonPathSyntaxError(
            str(exc).splitlines()[0] if str(exc) else "syntax error"
        ) from None
    many = any(token in text for token in ("*", "..", "?", ":", ","))

    def find(root: Any) -> Any:
        values = [m.value for m in parsed.find(root)]
        if many:
            return values
        return values[0] if values else None

    return CompiledPath(expression, find, many, lambda root: bool(parsed.find(root)))
