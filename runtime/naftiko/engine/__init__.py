"""The engine: compile a capability into plans once; invoke a plan per call.

engine = Engine(capability, base_uris={"kombo-general": "http://127.0.0.1:8080/v1"})
result = await engine.invoke("kombo-general-mcp.get-integration-details",
                             {"integration_id": "abc"})
await engine.close()
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from naftiko.bind import resolve
from naftiko.bind.secret import Secret
from naftiko.consume.client import DEFAULT_TIMEOUTS, Timeouts, UpstreamStatus
from naftiko.consume.resilience import Overrides, overrides
from naftiko.engine.compiled import ConsumedPlan, ExposedPlan, Plan
from naftiko.engine.compiler import compile_capability
from naftiko.engine.forward import Forwarder
from naftiko.engine.invoke import Result, invoke, raw_object
from naftiko.errors import TargetError
from naftiko.jsontypes import JSON
from naftiko.spec.model import Capability

__all__ = [
    "DEFAULT_TIMEOUTS",
    "ConsumedPlan",
    "Engine",
    "ExposedPlan",
    "Forwarder",
    "Overrides",
    "Plan",
    "Result",
    "Timeouts",
    "invoke",
    "overrides",
    "raw_object",
]


class Engine:
    """One capability's plans and shared runtime. Binds are resolved on construction."""

    def __init__(
        self,
        capability: Capability,
        *,
        base_uris: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        binds: Mapping[str, Secret] | None = None,
        resilience: Overrides | None = None,
    ) -> None:
        self.capability = capability
        bound = resolve(capability, environ) if binds is None else binds
        self.plans, self.runtime = compile_capability(
            capability,
            bound,
            base_uris=base_uris,
            environ=environ,
            timeouts=timeouts,
            resilience=resilience,
        )

    def plan(self, target: str) -> Plan:
        found = self.plans.get(target)
        if found is None:
            close = difflib.get_close_matches(target, list(self.plans), n=3)
            hint = (
                f"did you mean {', '.join(close)}?"
                if close
                else f"targets: {', '.join(sorted(self.plans)[:12])}"
            )
            raise TargetError(f"unknown target '{target}'", hint=hint)
        return found

    def upstreams(self) -> list[UpstreamStatus]:
        """Each consumes namespace's state, for /status (no URL, no credential)."""
        return [client.status() for client in self.runtime.clients.values()]

    async def invoke(self, target: str | Plan, inputs: Mapping[str, JSON]) -> Result:
        plan = self.plan(target) if isinstance(target, str) else target
        return await invoke(plan, inputs)

    @property
    def propagates(self) -> bool:
        """Whether a call passes on what its caller sent (`x-naftiko-propagate`): only then
        must an adapter say what the request in hand carries (`inbound.enter`)."""
        return any(client.propagate for client in self.runtime.clients.values())

    def forwarder(self, namespace: str, trusted: Sequence[str]) -> Forwarder:
        return Forwarder(self.runtime, namespace, trusted)

    async def close(self) -> None:
        await self.runtime.close()
