"""The capability as immutable data: what build() makes and engine/compiler.py compiles.

Only what the runtime executes is modelled; documentation-only fields stay in the file.
Names follow the spec; every object keeps ``where`` (a Location) for later messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from naftiko.errors import Diagnostic, TargetError
from naftiko.jsontypes import JSON
from naftiko.location import Location


@dataclass(frozen=True)
class Bind:
    namespace: str
    keys: Mapping[str, str]
    location: str | None = None
    where: Location = field(default_factory=Location)
    key_where: Mapping[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class ConsumedParam:
    name: str
    in_: str
    value: JSON = None
    type: str | None = None
    required: bool = False
    description: str = ""
    # JSON Schema keywords the API documents for the value (enum, bounds, format, items...)
    constraints: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True)
class Auth:
    type: str
    fields: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True)
class Body:
    """A request body: ``type`` json/text/xml/sparql/form/multipart, or ``raw`` template text."""

    type: str
    data: JSON


@dataclass(frozen=True)
class OutputParam:
    type: str | None = None
    name: str | None = None
    mapping: str | None = None
    value: JSON = None
    properties: tuple[tuple[str, OutputParam], ...] = ()
    items: OutputParam | None = None
    where: Location = field(default_factory=Location)


@dataclass(frozen=True)
class ConsumedOperation:
    namespace: str
    name: str
    method: str
    path: str
    params: tuple[ConsumedParam, ...]
    body: Body | None = None
    output_format: str = "json"
    outputs: tuple[OutputParam, ...] = ()
    # binary answers: the media type to declare, and the largest answer read (bytes)
    media_type: str = ""
    max_size: int | None = None
    description: str = ""
    where: Location = field(default_factory=Location)
    # x-naftiko-* blocks by the name after the prefix (cache, pagination)
    extensions: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True)
class Consumes:
    namespace: str
    base_uri: str
    params: tuple[ConsumedParam, ...] = ()
    auth: Auth | None = None
    operations: tuple[ConsumedOperation, ...] = ()
    description: str = ""
    where: Location = field(default_factory=Location)
    resilience: Mapping[str, JSON] = field(default_factory=dict)
    # x-naftiko-tls: files (resolved against the capability's folder) for CA and client cert
    tls: Mapping[str, str] = field(default_factory=dict)
    # x-naftiko-* blocks by the name after the prefix (cache, propagate)
    extensions: Mapping[str, JSON] = field(default_factory=dict)

    def operation(self, name: str) -> ConsumedOperation | None:
        for operation in self.operations:
            if operation.name == name:
                return operation
        return None


@dataclass(frozen=True)
class ExposedParam:
    name: str
    type: str = "string"
    in_: str | None = None
    required: bool = True
    description: str = ""
    value: JSON = None
    extra: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    name: str
    type: str = "call"
    call: str | None = None
    with_: Mapping[str, JSON] = field(default_factory=dict)
    index: str | None = None
    match: str | None = None
    lookup_value: str | None = None
    fields: tuple[str, ...] = ()
    where: Location = field(default_factory=Location)
    # a script step's: the file, its language and directory, files evaluated before it
    file: str | None = None
    language: str | None = None
    location: str | None = None
    dependencies: tuple[str, ...] = ()
    # where each of its keys was written, to say an error on the key's own line
    key_where: Mapping[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class Scripting:
    """The control adapter's `management.scripting`: what script steps may do."""

    enabled: bool | None = None  # None: not written (NAFTIKO_SCRIPTING then decides)
    default_location: str | None = None
    default_language: str | None = None
    timeout_ms: int = 60_000
    statement_limit: int = 100_000
    allowed_languages: tuple[str, ...] = ()
    where: Location = field(default_factory=Location)


@dataclass(frozen=True)
class Unit:
    """One callable thing an adapter exposes: an MCP tool, a REST operation, a function."""

    kind: Literal["tool", "operation", "function", "resource"]
    adapter: str
    adapter_type: str
    name: str
    description: str = ""
    label: str = ""
    method: str | None = None
    path: str | None = None
    inputs: tuple[ExposedParam, ...] | None = None
    call: str | None = None
    with_: Mapping[str, JSON] = field(default_factory=dict)
    ref: str | None = None
    steps: tuple[Step, ...] = ()
    mappings: tuple[tuple[str, str], ...] = ()
    outputs: tuple[OutputParam, ...] = ()
    hints: Mapping[str, bool] = field(default_factory=dict)
    semantics: Mapping[str, bool] = field(default_factory=dict)
    disabled: str = ""
    where: Location = field(default_factory=Location)
    # OAuth2 scopes a caller's token needs for this unit, besides the adapter's (x-naftiko-scopes)
    scopes: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        return f"{self.adapter}.{self.name}"


@dataclass(frozen=True)
class Forward:
    """A REST resource's pass-through to a consumes namespace, for methods no operation has."""

    namespace: str
    trusted_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resource:
    """A REST path: its operations (units, in declaration order) and an optional forward."""

    path: str
    name: str = ""
    description: str = ""
    units: tuple[Unit, ...] = ()
    forward: Forward | None = None
    where: Location = field(default_factory=Location)


@dataclass(frozen=True)
class McpResource:
    """A static (`location`) or call-backed resource; `{x}` in `uri` makes it a template."""

    name: str
    uri: str
    label: str = ""
    description: str = ""
    mime_type: str = ""
    location: str | None = None
    unit: Unit | None = None
    where: Location = field(default_factory=Location)


@dataclass(frozen=True)
class PromptArgument:
    name: str
    label: str = ""
    description: str = ""
    required: bool = True


@dataclass(frozen=True)
class McpPrompt:
    """Messages from a `template` (role, text) or one user message from a `location` file."""

    name: str
    label: str = ""
    description: str = ""
    arguments: tuple[PromptArgument, ...] = ()
    template: tuple[tuple[str, str], ...] = ()
    location: str | None = None
    where: Location = field(default_factory=Location)


@dataclass(frozen=True)
class SkillTool:
    """A tool a skill lists: derived from an adapter's tool or operation, or an instruction."""

    name: str | None
    description: str = ""
    derived: bool = False  # `from` is written: the tool is `source`'s `action`
    source: str = ""  # from.sourceNamespace
    action: JSON = None  # from.action
    instruction: JSON = None  # instruction (a tool that is not derived)


@dataclass(frozen=True)
class Skill:
    """One skill of a skill adapter: what its catalog entry and detail page say."""

    name: str
    description: str = ""
    details: Mapping[str, JSON] = field(default_factory=dict)  # license, metadata... as written
    location: str | None = None  # file:/// directory of its files
    tools: tuple[SkillTool, ...] = ()


@dataclass(frozen=True)
class Observability:
    """A control adapter's `observability` block, as far as the runtime reads it."""

    enabled: bool = True
    metrics: bool = True  # metrics.local.enabled
    endpoint: str | None = None  # exporters.otlp.endpoint
    sampling: float | None = None  # traces.sampling: the share of new traces recorded
    buffer_size: int | None = None  # traces.local.buffer-size
    local_traces: bool = True  # traces.local.enabled
    propagation: str = "w3c"  # traces.propagation


@dataclass(frozen=True)
class Adapter:
    type: str
    namespace: str
    address: str | None = None
    port: int | None = None
    description: str = ""
    transport: str = "http"
    auth: Auth | None = None
    units: tuple[Unit, ...] = ()
    resources: tuple[Resource, ...] = ()
    mcp_resources: tuple[McpResource, ...] = ()
    prompts: tuple[McpPrompt, ...] = ()
    skills: tuple[Skill, ...] = ()  # a skill adapter's
    observability: Observability | None = None  # a control adapter's, when written
    cache_scope: str = "public"  # an MCP adapter's x-naftiko-cacheScope
    ttl_ms: int = 0  # an MCP adapter's x-naftiko-ttlMs
    where: Location = field(default_factory=Location)


@dataclass(frozen=True)
class Capability:
    path: Path
    version: str
    label: str = ""
    description: str = ""
    binds: tuple[Bind, ...] = ()
    consumes: tuple[Consumes, ...] = ()
    exposes: tuple[Adapter, ...] = ()
    functions: tuple[Unit, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    scripting: Scripting | None = None

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def pick_adapter(
    adapters: Sequence[Adapter], kind: str, namespace: str | None, where: str
) -> Adapter:
    """The adapter of ``kind`` named ``namespace``, or the only one (a stdio one when only
    one of several is); TargetError naming the choices otherwise."""
    found = [a for a in adapters if a.type == kind]
    label = kind.upper()
    if not found:
        kinds = ", ".join(sorted({a.type for a in adapters})) or "none"
        raise TargetError(
            f"{where} declares no {label} adapter (its adapters: {kinds})",
            hint=f"add one under capability.exposes with `type: {kind}`",
        )
    names = ", ".join(a.namespace for a in found)
    if namespace is not None:
        for adapter in found:
            if adapter.namespace == namespace:
                return adapter
        raise TargetError(f"no {label} adapter '{namespace}' in {where}", hint=f"adapters: {names}")
    stdio = [a for a in found if a.transport == "stdio"]
    if len(found) == 1 or len(stdio) == 1:
        return found[0] if len(found) == 1 else stdio[0]
    raise TargetError(f"{where} has {len(found)} {label} adapters", hint=f"pick one: {names}")
