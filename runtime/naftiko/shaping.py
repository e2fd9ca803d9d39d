"""Output shaping: the decoded upstream answer to the declared output parameters, and the
JSON Schema of what shaping gives (for MCP `outputSchema` and OpenAPI responses)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from naftiko.convert import EXACT, coerce
from naftiko.jsonpath import compile_path
from naftiko.jsontypes import JSON, is_number
from naftiko.observe.metrics import METRICS
from naftiko.spec.model import OutputParam
from naftiko.template import MISSING, Scope, Template

log = logging.getLogger("naftiko.shaping")


class Shaper:
    """A compiled output parameter: turns the decoded upstream body into the declared shape."""

    __slots__ = (
        "_exact",
        "_literal",
        "_miss_key",
        "_missed",
        "_mode",
        "_plain_items",
        "at",
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
        self.at = str(param.where)  # file:line:col of the mapping, for the miss warning
        self._missed = False
        self._miss_key = (self.where, self.path.expression if self.path is not None else "")
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
        self._exact: tuple[type, ...] = EXACT.get(self.type or "", ())
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

    def shape(self, root: JSON, scope: Scope | None = None) -> JSON:
        mode = self._mode
        if mode == _SCALAR:
            assert self.path is not None
            found = self.path.find(root)
            if found is None:
                if root is not None:
                    self._miss(root)
                return None
            if type(found) in self._exact:
                return found
            return coerce(found, self.type, self.where)
        if mode == _VALUE:
            assert self.value is not None
            rendered = self.value.value(scope) if scope is not None else self.value.source
            return coerce(None if rendered is MISSING else rendered, self.type, self.where)
        if mode == _LITERAL:
            return coerce(self._literal, self.type, self.where)
        base = self.path.find(root) if self.path is not None else root
        if base is None and root is not None:
            self._miss(root)
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
                exact = EXACT.get(plain, ())
                where = self.items.where
                return [
                    element
                    if element is None or type(element) in exact
                    else coerce(element, plain, where)
                    for element in base
                ]
            return [self.items.shape(element, scope) for element in base]
        return None

    def _miss(self, root: Any) -> None:
        """A mapping the answer has nothing at (a null it holds is not a miss): counted each
        time, logged once per mapping, since the answer's shape is the upstream's to change."""
        assert self.path is not None
        if self.path.matches(root):
            return
        METRICS.mapping_misses[self._miss_key] += 1
        if not self._missed:
            self._missed = True
            log.warning(
                "%s: mapping %s of %s matched nothing in the upstream's answer; it is null "
                "(said once per mapping)",
                self.at or "?",
                self.path.expression,
                self.where,
            )


_VALUE, _LITERAL, _OBJECT, _PASS, _ARRAY, _SCALAR, _NOTHING = range(7)


Named = tuple[tuple[str, Shaper], ...]  # outputs that build an object, by name


def named_outputs(shapers: tuple[Shaper, ...]) -> Named:
    """The outputs by name when every one is named (they build an object), else empty:
    decided when the plan compiles."""
    return tuple((s.name, s) for s in shapers if s.name) if all(s.name for s in shapers) else ()


def shape_outputs(
    shapers: tuple[Shaper, ...],
    root: JSON,
    scope: Scope | None = None,
    named: Named | None = None,
) -> JSON:
    """Named outputs build an object; unnamed ones give the first non-null shaped value.
    ``named``: `named_outputs(shapers)`, which a plan works out when it compiles."""
    if not shapers:
        return root
    if named is None:
        named = named_outputs(shapers)
    if named:
        return {name: shaper.shape(root, scope) for name, shaper in named}
    for shaper in shapers:
        if shaper.name:
            continue
        result: JSON = shaper.shape(root, scope)
        if result is not None:
            return result
    return None


def conform(result: dict[str, JSON], outputs: tuple[OutputParam, ...]) -> dict[str, JSON]:
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


def output_schema(outputs: tuple[OutputParam, ...]) -> dict[str, JSON] | None:
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


# --- checking ------------------------------------------------------------------------------


class Check(Protocol):
    def __call__(self, value: Any, where: str = "$") -> str | None: ...


_IS: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def output_check(schema: Mapping[str, JSON]) -> Check:
    """A compiled test of a value against an output schema: the first problem, or None.

    Only the keywords `output_schema` writes (type, properties, items) are read, so the
    test costs a walk of the value, not a JSON Schema evaluation.
    """
    kind = schema.get("type")
    listed = kind if isinstance(kind, list) else [kind]
    kinds = tuple(k for k in listed if isinstance(k, str))
    tests = tuple(_IS[k] for k in kinds if k in _IS)
    declared = schema.get("properties")
    properties = tuple(
        (key, output_check(child))
        for key, child in (declared.items() if isinstance(declared, dict) else ())
        if isinstance(child, dict)
    )
    item = schema.get("items")
    items = output_check(item) if isinstance(item, dict) else None
    wanted = " or ".join(kinds)

    def check(value: Any, where: str = "$") -> str | None:
        if tests and not any(test(value) for test in tests):
            return f"{where} is {_kind(value)}, not {wanted}"
        if properties and isinstance(value, dict):
            for key, child in properties:
                if key in value:
                    found = child(value[key], f"{where}.{key}")
                    if found:
                        return found
        if items is not None and isinstance(value, list):
            for index, element in enumerate(value):
                found = items(element, f"{where}[{index}]")
                if found:
                    return found
        return None

    return check


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    return names.get(type(value), "a number")
