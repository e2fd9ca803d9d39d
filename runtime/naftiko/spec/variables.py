"""Template variables nothing can define: `{{nme}}` where only `name` is an input.

An undefined variable renders as nothing (or omits a parameter), which is almost always a
typo, so it is a warning at the template's line with the names that are in scope. Only bare
names and names under the unit's own adapter namespace are judged; other dotted names may be
step outputs or generated-dialect prefixes this check cannot see through.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from naftiko.errors import Diagnostic
from naftiko.location import Location
from naftiko.names import norm
from naftiko.spec.model import Capability, OutputParam, Unit
from naftiko.template import TemplateSyntaxError, variables_of


def undefined_variables(capability: Capability) -> list[Diagnostic]:
    """One warning per undefined variable of an exposed unit's outputs and `with`."""
    bound = {norm(v) for b in capability.binds for v in b.keys}
    bound |= {norm(f"{b.namespace}.{v}") for b in capability.binds for v in b.keys}
    functions = {f.target: f for f in capability.functions}
    found: list[Diagnostic] = []
    units = [u for a in capability.exposes for u in a.units]
    for unit in (*capability.functions, *units):
        inputs = unit.inputs
        if inputs is None and unit.ref in functions:
            inputs = functions[unit.ref].inputs
        if inputs is None or unit.disabled:
            continue  # inputs derived from `with` (generated dialect): nothing to judge by
        names = {norm(p.name) for p in inputs} | bound | {norm(s.name) for s in unit.steps}
        names |= {norm(target) for target, _ in unit.mappings}
        for where, name in _used(unit):
            if _defined(name, unit, names):
                continue
            close = difflib.get_close_matches(name, sorted({p.name for p in inputs}), n=1)
            hint = (
                f"did you mean '{{{{{close[0]}}}}}'?"
                if close
                else "inputs: " + (", ".join(p.name for p in inputs) or "none")
            )
            found.append(
                Diagnostic.at(
                    where if where.file else unit.where,
                    "warning",
                    f"template variable '{name}' is not an input, bind or step of "
                    f"'{unit.target}'; it renders empty",
                    field=unit.target,
                    hint=hint,
                    code="undefined-variable",
                )
            )
    return found


def _defined(name: str, unit: Unit, names: set[str]) -> bool:
    key = norm(name)
    if key in names:
        return True
    head, dot, rest = name.partition(".")
    if not dot:
        return False
    if head == unit.adapter:
        return norm(rest) in names
    return True  # a step output, a bind namespace or a dialect prefix: not judged here


def _used(unit: Unit) -> Iterator[tuple[Location, str]]:
    for output in unit.outputs:
        yield from _output_variables(output)
    for value in unit.with_.values():
        for name in _variables(value):
            yield unit.where, name
    for step in unit.steps:
        for value in step.with_.values():
            for name in _variables(value):
                yield step.where, name


def _output_variables(output: OutputParam) -> Iterator[tuple[Location, str]]:
    for name in _variables(output.value):
        yield output.where, name
    for _, child in output.properties:
        yield from _output_variables(child)
    if output.items is not None:
        yield from _output_variables(output.items)


def _variables(value: Any) -> tuple[str, ...]:
    if not isinstance(value, str) or "{{" not in value:
        return ()
    try:
        return variables_of(value)
    except TemplateSyntaxError:
        return ()  # reported as an error by the plan compiler
