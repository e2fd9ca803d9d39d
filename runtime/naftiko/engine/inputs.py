"""A call's inputs against its signature: converted on the one ladder, required ones present.

Adapters hand over what the caller sent (JSON arguments, query strings, CLI text); this is
the one place inputs are checked, for every adapter. A value converts when nothing is lost
(`2` for a string is `"2"`, `"2"` for an integer is 2, `"true"` for a boolean is true); what
cannot convert, and what is required but missing, is listed field by field in one InputError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from naftiko.convert import UNCONVERTED, convert, problem
from naftiko.engine.signature import Input
from naftiko.errors import FieldProblem, InputError
from naftiko.names import norm
from naftiko.spec.model import ExposedParam


def check_inputs(
    declared: tuple[ExposedParam, ...] | None,
    accepted: tuple[Input, ...],
    given: Mapping[str, Any],
) -> dict[str, Any]:
    """The inputs to run with: fixed values added, each accepted one converted."""
    values = dict(given)
    where = {p.name: p.in_ or "" for p in declared or ()}  # only what the file says
    for param in declared or ():
        if param.value is not None and not (
            isinstance(param.value, str) and param.value.startswith("$")
        ):
            values.setdefault(param.name, param.value)
    if not accepted:
        return values
    spelled = {norm(k): k for k in values}
    problems: list[FieldProblem] = []
    for item in accepted:
        key = item.name if item.name in values else spelled.get(norm(item.name))
        value = values.get(key) if key is not None else None
        if key is None or value is None:
            if item.required:
                problems.append(FieldProblem(item.name, "is required", where.get(item.name, "")))
            continue
        converted = convert(value, item.type, text=True)
        if converted is UNCONVERTED:
            got = f", got {_kind(value)}"
            found = FieldProblem(item.name, problem(item.type) + got, where.get(item.name, ""))
            problems.append(found)
        else:
            values[key] = converted
    if problems:
        raise InputError(problems)
    return values


def _kind(value: Any) -> str:
    kinds = {dict: "an object", list: "an array", bool: "a boolean", str: "text"}
    return kinds.get(type(value), "a number" if isinstance(value, (int, float)) else "a value")
