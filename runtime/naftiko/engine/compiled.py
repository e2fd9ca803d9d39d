"""The plans: immutable, compiled once at load, read by the engine and the adapters.

A Plan holds only precompiled parts (request recipes, `with` entries, shapers, steps) plus
a reference to the shared Runtime (binds and one connection pool per namespace). What an
adapter needs (signature, input sources, output schema and its check, pass-through) is here,
so that adapters never decide it themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any

from naftiko.bind.secret import Secret
from naftiko.consume.cache import ResponseCache
from naftiko.consume.client import UpstreamClient
from naftiko.consume.decode import decode
from naftiko.consume.request import Outgoing, RequestRecipe
from naftiko.engine.inputs import InputCheck
from naftiko.engine.pages import Pagination, follow
from naftiko.engine.signature import Input, Source
from naftiko.engine.withs import WithEntry
from naftiko.errors import Diagnostic, UpstreamResponse
from naftiko.jsonpath import CompiledPath
from naftiko.observe.span import INTERNAL, Shape
from naftiko.scripting.load import Script, Scripts
from naftiko.shaping import Check, Named, Shaper
from naftiko.spec.model import ConsumedOperation, Consumes, ExposedParam, Unit
from naftiko.template import Params, Template


@dataclass(frozen=True)
class CallStep:
    name: str
    plan: ConsumedPlan
    withs: tuple[WithEntry, ...]
    projection: tuple[Shaper, ...]
    shape: Shape  # its span's, when traced (step_shape)


@dataclass(frozen=True)
class LookupStep:
    name: str
    index: str
    match: str
    value: CompiledPath | Template
    fields: tuple[str, ...]
    shape: Shape


@dataclass(frozen=True)
class ScriptStep:
    name: str
    script: Script
    scripts: Scripts  # the capability's, which runs it
    withs: tuple[WithEntry, ...]
    shape: Shape


def step_shape(name: str, kind: str) -> Shape:
    """A step's span: named for the step, below the request's span, above its call's."""
    return Shape(f"step {name}", INTERNAL, {"naftiko.step.name": name, "naftiko.step.type": kind})


def script_shape(script: Script) -> Shape:
    """A script step's span: as any step's, with its language and file."""
    found = step_shape(script.step, "script")
    attributes = {
        **found.attributes,
        "naftiko.script.language": script.language,
        "naftiko.script.file": script.files[-1].name if script.files else "",
    }
    return Shape(found.name, found.kind, attributes)


@dataclass(frozen=True)
class Orchestration:
    steps: tuple[CallStep | LookupStep | ScriptStep, ...]
    mappings: tuple[tuple[tuple[str, ...], CompiledPath], ...]


@dataclass
class Runtime:
    """What every plan of one capability shares: bound values and upstream pools."""

    binds: Mapping[str, Secret]
    clients: dict[str, UpstreamClient] = field(default_factory=dict)
    consumes: dict[str, Consumes] = field(default_factory=dict)
    bases: dict[str, str] = field(default_factory=dict)
    scripts: Scripts | None = None
    findings: list[Diagnostic] = field(default_factory=list)  # warnings made while compiling

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()
        if self.scripts is not None:
            await self.scripts.close()


@dataclass(frozen=True)
class ConsumedPlan:
    """`namespace.operation`: one upstream call, its answer decoded but not reshaped."""

    target: str
    recipe: RequestRecipe
    client: UpstreamClient
    operation: ConsumedOperation
    runtime: Runtime
    cache: ResponseCache | None = None
    pages: Pagination | None = None

    def send(self, scope: Params) -> Awaitable[UpstreamResponse]:
        """The upstream's answer, as it came (non-2xx raises UpstreamError); with pages
        followed, every page's items in one answer. A plain function: the caller's await
        is the only one."""
        if self.pages is not None and self.pages.follow:
            namespace = self.recipe.namespace
            return follow(self.pages, scope, self.recipe.build, self._send, namespace)
        request = self.recipe.build(scope)
        if not self.client.propagate and self.cache is None:
            return self.client.send(request)  # the common case
        return self._send(request)

    async def _send(self, request: Outgoing) -> UpstreamResponse:
        if self.client.propagate:
            self.client.adopt(request)  # before the cache: what it adds may change the answer
        if self.cache is not None:
            return await self.cache.send(self.client, request)
        return await self.client.send(request)

    def decode(self, response: UpstreamResponse) -> Any:
        """The answer as JSON-like data, by the operation's `outputRawFormat`."""
        recipe = self.recipe
        return decode(response, self.operation.output_format, recipe.namespace, recipe.what)

    async def fetch(self, scope: Params) -> tuple[UpstreamResponse, Any]:
        """Send and decode: what invoke and call steps both need."""
        response = await self.send(scope)
        return response, self.decode(response)


@dataclass(frozen=True)
class ExposedPlan:
    """An exposed tool, REST operation or aggregate function, ready to invoke."""

    target: str
    unit: Unit
    runtime: Runtime
    aliases: frozenset[str]
    inputs: tuple[ExposedParam, ...] | None
    withs: tuple[WithEntry, ...] = ()
    call: ConsumedPlan | None = None
    function: ExposedPlan | None = None
    shapers: tuple[Shaper, ...] = ()
    named: Named = ()  # the shapers by name, when every output is named (shaping.py)
    mock: bool = False
    disabled: str = ""
    orchestration: Orchestration | None = None
    # The output is the upstream JSON body itself (one whole-body output, or none), so its
    # bytes may pass unchanged.
    verbatim: bool = False
    # What a caller may send (declared, or derived from what `with` feeds), checked per call.
    signature: tuple[Input, ...] = ()
    check_inputs: InputCheck = field(default_factory=InputCheck)
    # The JSON Schema of every shaped answer, when the declarations say enough, and its test.
    output_schema: Mapping[str, Any] | None = None
    output_check: Check | None = None
    # Where an HTTP request carries each declared input; None: every part is an input.
    sources: tuple[Source, ...] | None = None
    # How a caller gets the pages after this answer, when the upstream pages
    paging: str = ""

    @property
    def description(self) -> str:
        """The unit's own description, else the aggregate function's it refers to; then
        how to page, when the upstream does."""
        if self.unit.description or self.function is None:
            text = self.unit.description
        else:
            text = self.function.unit.description
        if not self.paging:
            return text
        text = text.rstrip()
        if not text:
            return self.paging
        return f"{text}{'' if text.endswith(('.', '!', '?')) else '.'} {self.paging}"

    @property
    def title(self) -> str:
        """The unit's label, else its function's."""
        if self.unit.label or self.function is None:
            return self.unit.label
        return self.function.unit.label


Plan = ConsumedPlan | ExposedPlan
