"""Orchestrated units: `call`, `lookup` and `script` steps in order, then `mappings`.

A call step sends its consumed operation with the running parameters plus its own `with`
(templates and `$.step.field` paths over earlier outputs); its answer, projected through the
consumed operation's named outputs, is stored under the step name for `$.step...` paths and
`{{step.field}}` templates. A failing call stops the run with its error (the reference engine
carried on). A lookup matches a value, or each of a list of values, against a field of an
earlier step's array and keeps the listed fields. A script step runs its files with one
`context` (inputs, earlier outputs, its `with`) and keeps the `result` they set. Mappings
build the result; dotted target names nest (`route.from`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from naftiko.engine.compiled import CallStep, LookupStep, Orchestration, ScriptStep, step_shape
from naftiko.engine.scope import CallScope
from naftiko.engine.withs import apply_with
from naftiko.jsonpath import CompiledPath, compile_path
from naftiko.observe import tracing
from naftiko.shaping import Shaper
from naftiko.spec.model import Step
from naftiko.template import MISSING, Template, text_of


@dataclass
class StepsOutcome:
    """The mapped result (None when no mapping resolved) and the last call's answer."""

    mapped: dict[str, Any] | None
    last: Any = None
    last_status: int = 200
    last_response: Any = None


def compile_lookup(step: Step) -> LookupStep:
    raw = step.lookup_value or ""
    value: CompiledPath | Template = compile_path(raw) if raw.startswith("$") else Template(raw)
    shape = step_shape(step.name, "lookup")
    return LookupStep(step.name, step.index or "", step.match or "", value, step.fields, shape)


def compile_mappings(
    mappings: tuple[tuple[str, str], ...],
) -> tuple[tuple[tuple[str, ...], CompiledPath], ...]:
    return tuple(
        (tuple(target.split(".")), compile_path(value))
        for target, value in mappings
        if value.strip().startswith("$")
    )


async def run_steps(
    orchestration: Orchestration,
    params: Mapping[str, Any],
    scope_of: Callable[[Mapping[str, Any]], CallScope],
) -> StepsOutcome:
    """Run every step; ``scope_of(params)`` gives the template scope for a parameter map."""
    running: dict[str, Any] = dict(params)
    outputs: dict[str, Any] = {}
    outcome = StepsOutcome(None)
    tracer = tracing.tracer
    for step in orchestration.steps:
        if tracer is None:
            await _step(step, running, outputs, outcome, scope_of)
        else:
            with tracer.step(step.shape):
                await _step(step, running, outputs, outcome, scope_of)
    mapped: dict[str, Any] = {}
    for target, path in orchestration.mappings:
        value = path.find(outputs)
        if value is not None:
            _place(mapped, target, value)
    outcome.mapped = mapped or None
    return outcome


async def _step(
    step: CallStep | LookupStep | ScriptStep,
    running: dict[str, Any],
    outputs: dict[str, Any],
    outcome: StepsOutcome,
    scope_of: Callable[[Mapping[str, Any]], CallScope],
) -> None:
    """One step: its output kept under its name, for the steps and mappings after it."""
    if isinstance(step, CallStep):
        scope: CallScope = scope_of(running)
        step_params = apply_with(step.withs, running, scope, outputs)
        response, data = await step.plan.fetch(scope_of(step_params))
        output = _project(step.projection, data)
        outputs[step.name] = output
        running[step.name] = output
        outcome.last, outcome.last_status, outcome.last_response = data, response.status, response
        return
    if isinstance(step, ScriptStep):
        await _script(step, running, outputs, scope_of)
        return
    found = _lookup(step, outputs, scope_of(running))
    if found is not None:
        outputs[step.name] = found
        running[step.name] = found


async def _script(
    step: ScriptStep,
    running: dict[str, Any],
    outputs: dict[str, Any],
    scope_of: Callable[[Mapping[str, Any]], CallScope],
) -> None:
    """The script sees one `context`: the inputs, every earlier step's output by its raw
    name, then its own `with`; a `result` it sets is its output (none when null)."""
    context = {**running, **outputs}
    if step.withs:
        given = apply_with(step.withs, {}, scope_of(running), outputs)
        context.update(given)
    found, value = await step.scripts.run(step.script, context)
    if found and value is not None:
        outputs[step.name] = value
        running[step.name] = value


def _project(projection: tuple[Shaper, ...], data: Any) -> Any:
    """A call step's visible output: the consumed operation's named outputs added (on arrays,
    to each element) or, for unnamed ones, the first mapped value."""
    if not projection:
        return data
    named = [s for s in projection if s.name]
    if isinstance(data, list) and named:
        return [
            {**element, **{str(s.name): s.shape(element) for s in named}}
            if isinstance(element, dict)
            else element
            for element in data
        ]
    if named:
        return {str(s.name): s.shape(data) for s in named}
    for shaper in projection:
        found = shaper.shape(data)
        if found is not None:
            return found
    return None


def _lookup(step: LookupStep, outputs: Mapping[str, Any], scope: CallScope) -> Any:
    index = outputs.get(step.index)
    if index is None:
        return None
    rows = index if isinstance(index, list) else [index]
    if isinstance(step.value, CompiledPath):
        wanted = step.value.find(outputs)
    else:
        rendered = step.value.value(scope)
        wanted = None if rendered is MISSING else rendered
    if wanted is None:
        return None

    def one(value: Any) -> Any:
        key = text_of(value)
        for row in rows:
            if isinstance(row, dict) and step.match in row and text_of(row[step.match]) == key:
                return {field: row.get(field) for field in step.fields}
        return None

    if isinstance(wanted, list):
        matches = [m for m in (one(v) for v in wanted) if m is not None]
        return matches or None
    return one(wanted)


def _place(into: dict[str, Any], target: tuple[str, ...], value: Any) -> None:
    node = into
    for key in target[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[target[-1]] = value
