"""JSONPath compiled once, and output shaping from declared output parameters.

``$`` and ``$.`` mean the value being mapped (the response root, or the current element
inside ``items``). Simple dotted paths take a fast path that walks dicts and lists directly;
anything else (wildcards, filters, slices) goes through jsonpath-ng, parsed once at load.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext.parser import parse as _parse

from naftiko.spec.model import OutputParam
from naftiko.template import MISSING, Scope, Template

log = logging.getLogger("naftiko.mapping")

_SIMPLE_SEGMENT = re.compile(r"\.([^.\[\]*?()@,:]+)|\[(\d+)\]|\[['\"]([^'\"]*)['\"]\]")


class JsonPathSyntaxError(ValueError):
    """A mapping that is not valid JSONPath."""


class CompiledPath:
    """One JSONPath, ready to evaluate. ``many`` paths (wildcards, filters) yield lists."""

    __slots__ = ("_find", "expression", "many")

    def __init__(self, expression: str, find: Callable[[Any], Any], many: bool) -> None:
        self.expression = expression
        self._find = find
        self.many = many

    def find(self, root: Any) -> Any:
        """The value at this path, or None when it does not exist."""
        try:
            return self._find(root)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            return None

    def __repr__(self) -> str:
        return f"CompiledPath({self.expression!r})"


def _walker(keys: tuple[str | int, ...]) -> Callable[[Any], Any]:
    def walk(root: Any) -> Any:
        node = root
        for key in keys:
            if isinstance(key, int):
                if not isinstance(node, list) or key >= len(node):
                    return None
                node = node[key]
            elif isinstance(node, dict):
                if key not in node:
                    return None
                node = node[key]
            else:
                return None
        return node

    return walk


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


def compile_path(expression: str) -> CompiledPath:
    """Compile once; raise JsonPathSyntaxError with the parser's reason."""
    text = expression.strip()
    if not text.startswith("$"):
        raise JsonPathSyntaxError("a JSONPath starts with '$'")
    if text in ("$", "$."):
        return CompiledPath(expression, lambda root: root, False)
    keys = _simple(text)
    if keys is not None and len(keys) == 1 and isinstance(keys[0], str):
        key = keys[0]
        return CompiledPath(
            expression, lambda root: root.get(key) if type(root) is dict else None, False
        )
    if keys is not None:
        return CompiledPath(expression, _walker(keys), False)
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

    return CompiledPath(expression, find, many)


# --- coercion ------------------------------------------------------------------------------

_warned: set[str] = set()


_EXACT: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def coerce(value: Any, declared: str | None, where: str = "") -> Any:
    """Convert to the declared scalar type when nothing is lost; otherwise keep the value."""
    if value is None or declared is None or type(value) in _EXACT.get(declared, ()):
        return value
    converted = _convert(value, declared)
    if converted is _UNCHANGED:
        if where and where not in _warned:
            _warned.add(where)
            log.warning(
                "output %s: %r is not a lossless %s; kept as is",
                where,
                type(value).__name__,
                declared,
            )
        return value
    return converted


_UNCHANGED: Any = object()


def _convert(value: Any, declared: str) -> Any:
    if declared == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return _UNCHANGED
    if declared in ("number", "integer"):
        if isinstance(value, bool):
            return _UNCHANGED
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if declared == "integer":
                return int(value) if value.is_integer() else _UNCHANGED
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
            if declared == "number":
                try:
                    number = float(value)
                except ValueError:
                    return _UNCHANGED
                return number if number == number and abs(number) != float("inf") else _UNCHANGED
        return _UNCHANGED
    if declared == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return _UNCHANGED
    if declared == "array":
        return value if isinstance(value, list) else _UNCHANGED
    if declared == "object":
        return value if isinstance(value, dict) else _UNCHANGED
    return value


# --- shaping -------------------------------------------------------------------------------


class Shaper:
    """A compiled output parameter: turns the decoded upstream body into the declared shape."""

    __slots__ = (
        "_exact",
        "_literal",
        "_mode",
        "_plain_items",
        "identity",
        "items",
        "mock",
        "name",
        "path",
        "properties",
        "type",
        "value",
        "where",
    )

    def __init__(self, param: OutputParam, where: str = "") -> None:
        self.name = param.name
        self.type = param.type
        self.where = where or param.name or "output"
        self.path = compile_path(param.mapping) if param.mapping else None
        self.value = Template(param.value) if isinstance(param.value, str) else None
        self._literal = param.value if not isinstance(param.value, str) else None
        self.properties = tuple(
            (key, Shaper(child, f"{self.where}.{key}")) for key, child in param.properties
        )
        self.items = Shaper(param.items, f"{self.where}[]") if param.items else None
        children = [c for _, c in self.properties] + ([self.items] if self.items else [])
        # `{type: object, mapping: $.}` (the generated-file dialect) returns the root unchanged.
        self.identity: bool = (
            self.type == "object"
            and param.mapping in ("$", "$.")
            and not self.properties
            and self.value is None
            and self._literal is None
        )
        # A mock output answers from `value` templates alone, at any depth.
        self.mock: bool = (
            self.value is not None or self._literal is not None or any(c.mock for c in children)
        )
        self._mode = self._mode_of()
        self._exact: tuple[type, ...] = _EXACT.get(self.type or "", ())
        # `items: {type: string, mapping: $.}`: each element is only coerced.
        item = self.items
        self._plain_items: str | None = (
            item.type
            if item is not None
            and item.path is not None
            and item.path.expression in ("$", "$.")
            and item.value is None
            and item._literal is None
            and item.type not in ("object", "array", None)
            else None
        )

    def _mode_of(self) -> int:
        if self.value is not None:
            return _VALUE
        if self._literal is not None:
            return _LITERAL
        if self.type == "object" or (self.type is None and self.properties):
            return _OBJECT if self.properties else _PASS
        if self.type == "array":
            return _ARRAY
        return _SCALAR if self.path is not None else _NOTHING

    def shape(self, root: Any, scope: Scope | None = None) -> Any:
        mode = self._mode
        if mode == _SCALAR:
            assert self.path is not None
            found = self.path.find(root)
            if found is None or type(found) in self._exact:
                return found
            return coerce(found, self.type, self.where)
        if mode == _VALUE:
            assert self.value is not None
            rendered = self.value.value(scope) if scope is not None else self.value.source
            return coerce(None if rendered is MISSING else rendered, self.type, self.where)
        if mode == _LITERAL:
            return coerce(self._literal, self.type, self.where)
        base = self.path.find(root) if self.path is not None else root
        if mode == _PASS:
            return base
        if mode == _OBJECT:
            if base is None and not self.mock:
                return None
            return {key: child.shape(base, scope) for key, child in self.properties}
        if mode == _ARRAY:
            if base is None and self.mock and self.items is not None:
                return [self.items.shape(None, scope)]  # a mock array: one templated item
            if base is None:
                return None
            if not isinstance(base, list):
                base = [base]
            if self.items is None:
                return base
            plain = self._plain_items
            if plain is not None:
                exact = _EXACT.get(plain, ())
                where = self.items.where
                return [
                    element
                    if element is None or type(element) in exact
                    else coerce(element, plain, where)
                    for element in base
                ]
            return [self.items.shape(element, scope) for element in base]
        return None


_VALUE, _LITERAL, _OBJECT, _PASS, _ARRAY, _SCALAR, _NOTHING = range(7)


def shape_outputs(shapers: tuple[Shaper, ...], root: Any, scope: Scope | None = None) -> Any:
    """Named outputs build an object; unnamed ones give the first non-null shaped value."""
    if not shapers:
        return root
    named = [s for s in shapers if s.name]
    if named and len(named) == len(shapers):
        return {s.name: s.shape(root, scope) for s in named}
    for shaper in shapers:
        if shaper.name:
            continue
        result = shaper.shape(root, scope)
        if result is not None:
            return result
    return None


def conform(result: dict[str, Any], outputs: tuple[OutputParam, ...]) -> dict[str, Any]:
    """An orchestrated result with each named output coerced to its declared type."""
    declared = {o.name: o for o in outputs if o.name}
    return {
        key: _conform(value, declared[key], key) if key in declared else value
        for key, value in result.items()
    }


def _conform(value: Any, param: OutputParam, where: str) -> Any:
    if param.type == "object" and isinstance(value, dict) and param.properties:
        fields = dict(param.properties)
        return {
            k: _conform(v, fields[k], f"{where}.{k}") if k in fields else v
            for k, v in value.items()
        }
    if param.type == "array" and isinstance(value, list) and param.items is not None:
        return [_conform(element, param.items, f"{where}[]") for element in value]
    if param.type in ("object", "array") or (param.type is None and param.properties):
        return value
    return coerce(value, param.type, where)


# --- schemas -------------------------------------------------------------------------------

_SCALARS = frozenset({"string", "number", "integer", "boolean"})


def output_schema(outputs: tuple[OutputParam, ...]) -> dict[str, Any] | None:
    """The JSON Schema of what shape_outputs returns, when the declarations say enough."""
    if not outputs:
        return None
    named = [o for o in outputs if o.name]
    if named and len(named) == len(outputs):
        return {
            "type": "object",
            "properties": {str(o.name): _nullable(_schema_of(o)) for o in named},
        }
    first = next(o for o in outputs if not o.name)
    return _schema_of(first)


def _schema_of(param: OutputParam) -> dict[str, Any]:
    kind = param.type or ("object" if param.properties else None)
    if kind == "object":
        if not param.properties:
            return {"type": "object"}
        return {
            "type": "object",
            "properties": {key: _nullable(_schema_of(child)) for key, child in param.properties},
        }
    if kind == "array":
        if param.items is None:
            return {"type": "array"}
        return {"type": "array", "items": _nullable(_schema_of(param.items))}
    if kind in _SCALARS:
        return {"type": kind}
    return {}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """A mapped field may be missing upstream; shaping then gives null, which stays valid."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return schema
