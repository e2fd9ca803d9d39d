"""Run a plan: resolve inputs and `with`, call upstream, shape the answer.

This is the only entry point adapters use, so REST, MCP and the CLI behave alike.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from naftiko.consume.client import decode
from naftiko.consume.scope import CallScope
from naftiko.engine.inputs import check_inputs
from naftiko.engine.plan import ConsumedPlan, ExposedPlan, Plan
from naftiko.engine.withs import apply_with
from naftiko.errors import TargetError, UpstreamResponse
from naftiko.mapping import shape_outputs

log = logging.getLogger("naftiko.engine")


@dataclass(frozen=True)
class Result:
    """A shaped answer and the status an HTTP adapter should use (upstream's when called).

    ``upstream`` is set when ``data`` is the upstream answer unshaped (no outputs declared,
    or every mapping gave null): HTTP adapters then pass the body on with its media type.
    """

    data: Any
    status: int = 200
    upstream: UpstreamResponse | None = None


async def invoke(plan: Plan, inputs: Mapping[str, Any]) -> Result:
    if isinstance(plan, ConsumedPlan):
        return await _call(plan, CallScope(dict(inputs), plan.runtime.binds))
    return await _exposed(plan, inputs)


async def _call(plan: ConsumedPlan, scope: CallScope) -> Result:
    request = plan.recipe.build(scope)
    response = await plan.client.send(request)
    data = decode(
        response,
        plan.operation.output_format,
        plan.recipe.namespace,
        f"{plan.recipe.method} {plan.operation.name}",
    )
    return Result(data, response.status, response)


async def _exposed(plan: ExposedPlan, inputs: Mapping[str, Any]) -> Result:
    if plan.disabled:
        raise TargetError(
            f"'{plan.target}' cannot run: {plan.disabled}",
            hint=f"see the load warning at {plan.unit.where}",
        )
    params = check_inputs(plan.inputs, inputs) if plan.inputs else dict(inputs)
    scope = CallScope(params, plan.runtime.binds, plan.aliases)
    params = apply_with(plan.withs, params, scope)
    if plan.function is not None:
        return await _exposed(plan.function, params)
    scope = CallScope(params, plan.runtime.binds, plan.aliases)
    if plan.mock:
        return Result(shape_outputs(plan.shapers, None, scope), 200)
    assert plan.call is not None
    answer = await _call(plan.call, scope)
    if not plan.shapers:
        return answer
    shaped = shape_outputs(plan.shapers, answer.data, scope)
    return Result(shaped, answer.status, answer.upstream if shaped is None else None)
