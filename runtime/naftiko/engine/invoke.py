"""Run a plan: resolve inputs and `with`, call upstream, shape the answer.

This is the only entry point adapters use, so REST, MCP and the CLI behave alike.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Mapping
from typing import Any, cast

from naftiko import jsonio
from naftiko.engine.compiled import ConsumedPlan, ExposedPlan, Plan
from naftiko.engine.scope import CallScope
from naftiko.engine.steps import run_steps
from naftiko.engine.withs import apply_with
from naftiko.errors import TargetError, UpstreamInvalid, UpstreamResponse
from naftiko.jsontypes import JSON
from naftiko.shaping import conform, shape_outputs

log = logging.getLogger("naftiko.engine")


class Result:
    """A shaped answer and the status an HTTP adapter should use (upstream's when called).

    ``passthrough`` says the answer is the upstream's, unshaped (no outputs declared, or
    every mapping gave null): adapters then pass its body on as it came, with its media type,
    and never decide that themselves. ``verbatim`` says that body is JSON the output would
    only copy; ``data`` is then decoded only if someone asks for it.
    """

    __slots__ = ("_data", "binary", "fresh_for", "passthrough", "status", "upstream", "verbatim")

    def __init__(
        self,
        data: Any = None,
        status: int = 200,
        upstream: UpstreamResponse | None = None,
        *,
        verbatim: bool = False,
        passthrough: bool = True,
        fresh_for: float | None = None,
        binary: bool = False,
    ) -> None:
        self._data = _PENDING if verbatim else data
        # bytes (outputRawFormat: binary): passed on as they came, never read as text
        self.binary = binary and upstream is not None
        # seconds the answer stays fresh when it came from one cached upstream answer
        self.fresh_for = fresh_for if upstream is None else upstream.fresh_for
        self.status = status
        self.upstream = upstream
        self.verbatim = verbatim and upstream is not None
        self.passthrough = passthrough and upstream is not None

    @property
    def data(self) -> JSON:
        if self._data is _PENDING:
            assert self.upstream is not None
            try:
                self._data = jsonio.loads(self.upstream.body)
            except ValueError:
                raise UpstreamInvalid(
                    "the upstream answered a body that is not JSON, "
                    "though its content type says so",
                    self.upstream,
                ) from None
        return self._data

    def __repr__(self) -> str:
        return f"Result(status={self.status}, verbatim={self.verbatim})"


_PENDING = cast("JSON", object())  # a JSON value to the types: never one


def _verbatim(response: UpstreamResponse) -> Result:
    """``Result(None, response.status, response, verbatim=True)``, made without the keyword
    handling of ``__init__`` (it is made on most calls)."""
    made = Result.__new__(Result)
    made._data = _PENDING
    made.binary = False
    made.fresh_for = response.fresh_for
    made.status = response.status
    made.upstream = response
    made.verbatim = made.passthrough = True
    return made


# Bodies up to this size are checked whole (simdjson: about 1 us per KB); larger ones, which
# pass on unread, are checked at both ends, so that a large pass-through costs no full pass.
_CHECKED_UP_TO = 8 * 1024
_ENDS = {ord("{"): ord("}"), ord("["): ord("]")}


def _is_json(body: bytes) -> bool:
    if len(body) <= _CHECKED_UP_TO:
        return jsonio.is_json(body)
    trimmed = body.strip()
    return bool(trimmed) and _ENDS.get(trimmed[0]) == trimmed[-1]


def raw_object(result: Result) -> bytes | None:
    """The body of a pass-through answer that is a JSON object checked whole on its way in
    and written on one line, to be embedded as it came (no parse, no second serialization);
    None for any other. One line: stdio and SSE frame messages by line breaks."""
    upstream = result.upstream
    if not result.verbatim or upstream is None:
        return None
    body = upstream.body
    if len(body) > _CHECKED_UP_TO or body[:1] != b"{" or b"\n" in body or b"\r" in body:
        return None
    return body


def _not_json(call: ConsumedPlan, response: UpstreamResponse) -> UpstreamInvalid:
    """A pass-through body that cannot be the JSON its content type says is a 502."""
    recipe = call.recipe
    return UpstreamInvalid(
        f"upstream '{recipe.namespace}' answered {recipe.what} with a body that is not JSON, "
        "though its content type says so",
        response,
    )


_JSON_TYPES = ("application/json", "application/problem+json")
_SAYS_JSON: dict[str, bool] = {}  # Content-Type values seen, judged once (bounded)


def _judge_json(content_type: str) -> bool:
    """Whether a Content-Type value not seen yet names JSON (`application/json;
    charset=utf-8`, `+json`); kept in _SAYS_JSON, which callers read first."""
    kind = content_type.split(";")[0].strip().lower()
    found = kind in _JSON_TYPES or kind.endswith("+json")
    if len(_SAYS_JSON) < 256:
        _SAYS_JSON[content_type] = found
    return found


def invoke(plan: Plan, inputs: Mapping[str, JSON]) -> Awaitable[Result]:
    """The plan's answer to ``inputs`` (a plain function: the adapter's await is the
    only one)."""
    if isinstance(plan, ConsumedPlan):
        return _call(plan, CallScope(dict(inputs), plan.runtime.binds))
    return _exposed(plan, inputs)


async def _call(plan: ConsumedPlan, scope: CallScope) -> Result:
    if plan.operation.output_format == "binary":
        return _bytes(plan, await plan.send(scope))
    response, data = await plan.fetch(scope)
    return Result(data, response.status, response)


def _bytes(plan: ConsumedPlan, response: UpstreamResponse) -> Result:
    """A binary answer, with the media type the operation declares when the upstream's says
    nothing more precise."""
    declared = plan.operation.media_type
    kind = response.content_type.split(";")[0].strip().lower()
    if declared and kind in ("", "application/octet-stream"):
        response = dataclasses.replace(response, content_type=declared)
    return Result(None, response.status, response, binary=True)


async def _exposed(plan: ExposedPlan, inputs: Mapping[str, JSON]) -> Result:
    if plan.disabled:
        raise TargetError(
            f"'{plan.target}' cannot run: {plan.disabled}",
            hint=f"see the load diagnostic at {plan.unit.where}",
        )
    params = plan.check_inputs(inputs)
    if plan.withs:
        params = apply_with(plan.withs, params, CallScope(params, plan.runtime.binds, plan.aliases))
    if plan.function is not None:
        return await _exposed(plan.function, params)
    scope = CallScope(params, plan.runtime.binds, plan.aliases)
    if plan.orchestration is not None:
        return await _orchestrated(plan, params, scope)
    if plan.mock:
        return Result(shape_outputs(plan.shapers, None, scope, plan.named), 200)
    call = plan.call
    assert call is not None
    if call.operation.output_format == "binary":
        return _bytes(call, await call.send(scope))
    response = await call.send(scope)
    if plan.verbatim:
        says = _SAYS_JSON.get(response.content_type)  # a dictionary hit, mostly
        if says is None:
            says = _judge_json(response.content_type)
        if response.body and says:
            if not _is_json(response.body):
                raise _not_json(call, response)
            return _verbatim(response)  # decoded if read
    answer = Result(call.decode(response), response.status, response)
    if not plan.shapers:
        return answer
    return _shaped(plan, answer, scope)


def _shaped(plan: ExposedPlan, answer: Result, scope: CallScope) -> Result:
    shaped = shape_outputs(plan.shapers, answer.data, scope, plan.named)
    upstream = answer.upstream if shaped is None else None
    return Result(shaped, answer.status, upstream, fresh_for=answer.fresh_for)


async def _orchestrated(plan: ExposedPlan, params: dict[str, Any], scope: CallScope) -> Result:
    assert plan.orchestration is not None
    binds, aliases = plan.runtime.binds, plan.aliases
    outcome = await run_steps(
        plan.orchestration, params, lambda values: CallScope(values, binds, aliases)
    )
    if outcome.mapped is not None:
        return Result(conform(outcome.mapped, plan.unit.outputs), 200)
    if outcome.last_response is None:
        return Result(None, 200)
    raw = not plan.shapers
    last = Result(outcome.last, outcome.last_status, outcome.last_response, passthrough=raw)
    last.fresh_for = None  # several answers made it: none of their freshness is its own
    if raw or plan.unit.mappings:
        return last
    return _shaped(plan, last, scope)
