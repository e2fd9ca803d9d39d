"""A call's inputs against its signature: converted on the one ladder, required ones present.

Adapters hand over what the caller sent (JSON arguments, query strings, CLI text); this is
the one place inputs are checked, for every adapter. A value converts when nothing is lost
(`2` for a string is `"2"`, `"2"` for an integer is 2, `"true"` for a boolean is true); what
cannot convert, and what is required but missing, is listed field by field in one InputError.
What to check is compiled once per plan (`InputCheck`); a call only walks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, SchemaError
from jsonschema.protocols import Validator

from naftiko.convert import EXACT, UNCONVERTED, convert, problem
from naftiko.engine.signature import Input
from naftiko.errors import FieldProblem, InputError
from naftiko.names import norm
from naftiko.spec.model import ExposedParam

_Types = tuple[type, ...]


@dataclass(frozen=True)
class _Accepted:
    name: str
    key: str  # normalised, to find '-'/'_' spellings
    type: str
    required: bool
    location: str  # where the caller put it, for messages: path, query... or arguments
    # the API's own constraints (enum, bounds, a body's properties), compiled once
    check: Validator | None = None
    # the value types taken as they are (a string for a string), without `convert`
    exact: _Types = ()


def _validator(item: Input) -> Validator | None:
    """A compiled JSON Schema for inputs the API constrains beyond their type; formats are
    annotations only (as JSON Schema has them), so a date the API reads is not refused."""
    if not item.schema:
        return None
    schema = {"type": item.type, **item.schema}
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError:
        return None  # a constraint the file got wrong is not enforced
    return Draft202012Validator(schema)


@dataclass(frozen=True)
class InputCheck:
    fixed: tuple[tuple[str, Any], ...] = ()
    accepted: tuple[_Accepted, ...] = ()

    @classmethod
    def of(
        cls,
        declared: tuple[ExposedParam, ...] | None,
        signature: tuple[Input, ...],
        place: str = "",
    ) -> InputCheck:
        """``place``: where every input is, when the protocol has one place for them all
        (a tool's `arguments`); else each is where the file or its route puts it."""
        where = {p.name: p.in_ for p in declared or () if p.in_}
        fixed = tuple(
            (p.name, p.value)
            for p in declared or ()
            if p.value is not None and not (isinstance(p.value, str) and p.value.startswith("$"))
        )
        accepted = tuple(
            _Accepted(
                i.name,
                norm(i.name),
                i.type,
                i.required,
                where.get(i.name) or place or i.location,
                _validator(i),
                EXACT.get(i.type, ()),
            )
            for i in signature
        )
        return cls(fixed, accepted)

    def __call__(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs to run with: fixed values added, each accepted one converted."""
        values = dict(given)
        for name, value in self.fixed:
            values.setdefault(name, value)
        if not self.accepted:
            return values
        spelled: dict[str, str] | None = None
        problems: list[FieldProblem] = []
        for item in self.accepted:
            key: str | None = item.name
            if key not in values:
                if spelled is None:
                    spelled = {norm(k): k for k in values}
                key = spelled.get(item.key)
            value = values.get(key) if key is not None else None
            if key is None or value is None:
                if item.required:
                    problems.append(FieldProblem(item.name, "is required", item.location))
                continue
            exact = type(value) in item.exact
            converted = value if exact else convert(value, item.type, text=True)
            if converted is UNCONVERTED:
                said = f"{problem(item.type)}, got {_kind(value)}"
                problems.append(FieldProblem(item.name, said, item.location))
                continue
            values[key] = converted
            if item.check is not None:
                error = next(iter(item.check.iter_errors(converted)), None)
                if error is not None:
                    where = "".join(f"[{p!r}]" for p in error.absolute_path)
                    said = f"{where} {error.message}" if where else error.message
                    problems.append(FieldProblem(item.name, said[:300], item.location))
        if problems:
            raise InputError(problems)
        return values


def _kind(value: Any) -> str:
    kinds = {dict: "an object", list: "an array", bool: "a boolean", str: "text"}
    return kinds.get(type(value), "a number" if isinstance(value, (int, float)) else "a value")
