"""Declared inputs of a tool or operation: coercion from text and required checks.

Adapters hand over what the caller sent (query strings, JSON arguments, CLI text); this
is the one place that turns it into declared types and lists every bad field at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from naftiko.errors import FieldProblem, InputError
from naftiko.spec.model import ExposedParam


def check_inputs(declared: tuple[ExposedParam, ...], given: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(given)
    problems: list[FieldProblem] = []
    for param in declared:
        if param.value is not None and not (
            isinstance(param.value, str) and param.value.startswith("$")
        ):
            values.setdefault(param.name, param.value)
            continue
        if param.name not in values or values[param.name] is None:
            if param.required:
                problems.append(FieldProblem(param.name, "is required", param.in_ or ""))
            continue
        converted, problem = convert(values[param.name], param.type)
        if problem:
            problems.append(FieldProblem(param.name, problem, param.in_ or ""))
        else:
            values[param.name] = converted
    if problems:
        raise InputError(problems)
    return values


def convert(value: Any, declared: str) -> tuple[Any, str]:
    """(value, "") when it is, or converts losslessly to, ``declared``; else a problem."""
    if declared == "string":
        if isinstance(value, str):
            return value, ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value), ""
        return value, f"must be a string, got {_kind(value)}"
    if declared in ("number", "integer"):
        if isinstance(value, bool):
            return value, f"must be {'an integer' if declared == 'integer' else 'a number'}"
        if isinstance(value, int):
            return value, ""
        if isinstance(value, float):
            if declared == "integer" and not value.is_integer():
                return value, "must be an integer"
            return (int(value) if declared == "integer" else value), ""
        if isinstance(value, str):
            try:
                return int(value), ""
            except ValueError:
                pass
            if declared == "number":
                try:
                    return float(value), ""
                except ValueError:
                    pass
        return value, f"must be {'an integer' if declared == 'integer' else 'a number'}"
    if declared == "boolean":
        if isinstance(value, bool):
            return value, ""
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true", ""
        return value, "must be true or false"
    if declared in ("array", "object"):
        python_type = list if declared == "array" else dict
        if isinstance(value, python_type):
            return value, ""
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if isinstance(parsed, python_type):
                return parsed, ""
            if declared == "array":
                return [part for part in value.split(",") if part], ""
        return value, f"must be {'an array' if declared == 'array' else 'an object'}"
    return value, ""


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", bool: "a boolean"}.get(type(value), "a value")
