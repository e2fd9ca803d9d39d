"""The control port: a console, liveness, readiness, status and Prometheus metrics.

`/health/live` answers while the process runs; `/health/ready` is 200 once every adapter
listens and 503 before that and while draining; `/status` names the version, capabilities,
adapters and their URLs, and the uptime; `/metrics` is Prometheus text, unless the adapter's
`observability` says `enabled: false` or `metrics.local.enabled: false`; `/traces` the last
spans that ended, when tracing is on (a bounded ring, `/traces/ID` or `?trace=ID` for one).
`/` is a console for people, one page and one script that read those same routes.
Nothing here reads a bound value, so no secret can appear.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import BaseRequest

from naftiko import jsonio
from naftiko.expose.auth import InboundAuth
from naftiko.expose.guard import HostGuard, forbidden
from naftiko.expose.httpserver import (
    DEFAULT_LIMITS,
    Handler,
    Limits,
    low_level_server,
    read_body,
)
from naftiko.expose.pages import HERE, Files
from naftiko.expose.problem import problem
from naftiko.observe import tracing
from naftiko.observe.metrics import METRICS
from naftiko.scripting.settings import Governance

PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
_CONSOLE = {"/": HERE / "console.html", "/console.js": HERE / "console.js"}
CONSOLE = Files(_CONSOLE)


@dataclass
class Health:
    """What the service tells its control ports."""

    ready: bool = False
    draining: bool = False
    started_at: float = 0.0


class ControlAdapter:
    def __init__(
        self,
        health: Health,
        status: Callable[[], Mapping[str, object] | Awaitable[Mapping[str, object]]],
        auth: InboundAuth | None = None,
        namespace: str = "control",
        guard: HostGuard | None = None,
        metrics: bool = True,
        limits: Limits = DEFAULT_LIMITS,
        scripting: Governance | None = None,
    ) -> None:
        self.namespace = namespace
        self.limits = limits
        self.guard = guard or HostGuard("")
        self.health = health
        self.status = status
        self.auth = auth
        self.metrics = metrics
        self.scripting = scripting  # GET and PUT /scripting, when the file declares it
        # what /metrics and /traces answer: this process's, or (a parent of workers) theirs
        self.collect: Callable[[], Awaitable[bytes]] | None = None
        self.collect_traces: Callable[[str | None], Awaitable[list[Any] | None]] | None = None
        # a parent of workers: `/scripting` relayed to them (method, body) -> (status, JSON)
        self.relay_scripting: (
            Callable[[str, bytes], Awaitable[tuple[int, dict[str, Any]]]] | None
        ) = None
        self.routes = (
            "/ (console), /health/live, /health/ready, /status, /traces"
            + (", /metrics" if metrics else "")
            + (", /scripting" if scripting is not None else "")
        )

    def server(self, handler: Handler | None = None) -> web.Server:
        return low_level_server(
            handler or self.handle,
            self.limits,
            challenge=self.auth.oversized if self.auth else None,
        )

    def listening(self, url: str) -> str:
        return f"control adapter '{self.namespace}' listening on {url} ({self.routes})"

    async def handle(self, request: BaseRequest) -> web.StreamResponse:
        if not self.guard.allows(request.headers):
            return forbidden()
        path = request.path.rstrip("/") or "/"
        if request.method in ("GET", "HEAD"):  # neither needs credentials
            if path == "/health/live":
                return _json(200, {"status": "UP"})  # probes
            if path in _CONSOLE:  # the page holds no data: it reads the routes below
                return await CONSOLE.answer(path, request)
        if self.auth is not None and (rejected := await self.auth.check(request)):
            return self.auth.refusal(request, rejected)
        if path == "/scripting" and self.scripting is not None:
            return await self._scripting(request, self.scripting)
        if request.method not in ("GET", "HEAD"):
            return problem(405, "Method Not Allowed", "the control port is read-only")
        if path == "/health/ready":
            return self._ready()
        if path == "/status":
            found = self.status()
            if inspect.isawaitable(found):
                found = await found
            uptime = time.monotonic() - self.health.started_at if self.health.started_at else 0
            answer = {**found, "uptimeSeconds": round(uptime, 3), "ready": self._is_ready()}
            return _json(200, answer)
        if path == "/traces" or path.startswith("/traces/"):  # /traces/ID as the reference has
            return await self._traces(request, path[len("/traces/") :] or None)
        if path == "/metrics" and self.metrics:
            body = await self.collect() if self.collect is not None else METRICS.render()
            return web.Response(body=body, headers={"Content-Type": PROMETHEUS})
        return problem(
            404,
            "Not Found",
            f"no control route {request.path}"
            + ("" if self.metrics else " (the adapter's observability turns metrics off)"),
            hint=self.routes,
        )

    async def _traces(self, request: BaseRequest, named: str | None) -> web.Response:
        """The last spans that ended (at most tracing.RECENT), newest first; ?trace=ID."""
        wanted = named or request.query.get("trace")
        trace = wanted.lower() if wanted else None
        if self.collect_traces is not None:
            found = await self.collect_traces(trace)
        else:
            found = tracing.recent(trace)
        if found is None and tracing.active():
            return problem(
                404,
                "Not Found",
                "no span is kept: the control adapter's observability turns it off",
                hint="traces.local.enabled: false; remove it to keep the last spans here",
            )
        if found is None:
            return problem(
                404,
                "Not Found",
                "tracing is off, so no span is kept",
                hint="set OTEL_EXPORTER_OTLP_ENDPOINT (and install the otel extra)",
            )
        return _json(200, {"spans": found})

    async def _scripting(self, request: BaseRequest, governance: Governance) -> web.Response:
        """The scripting settings and statistics; PUT changes them from the next run on."""
        if request.method in ("GET", "HEAD"):
            if self.relay_scripting is not None:
                status, found = await self.relay_scripting("GET", b"")
                return _json(status, found)
            return _json(200, governance.view())
        if request.method != "PUT":
            return problem(
                405,
                "Method Not Allowed",
                "/scripting takes GET or PUT",
                headers={"Allow": "GET, PUT"},
            )
        try:
            raw = await read_body(request, 64 * 1024)
            body = jsonio.loads(raw)
        except web.HTTPException as exc:
            return problem(exc.status, exc.reason, "the body is larger than 64 KiB")
        except ValueError:
            return problem(400, "Bad Request", "the body is not JSON", hint="send a JSON object")
        if self.relay_scripting is not None:  # every worker's settings change, or none
            status, found = await self.relay_scripting("PUT", raw)
            if status != 200:
                errors = found.get("errors") or ["the workers refused the change"]
                return problem(status, "Bad Request", "; ".join(errors), extra={"errors": errors})
            return _json(200, found)
        problems = governance.update(body)
        if problems:
            return problem(400, "Bad Request", "; ".join(problems), extra={"errors": problems})
        return _json(200, governance.view())

    def _is_ready(self) -> bool:
        return self.health.ready and not self.health.draining

    def _ready(self) -> web.Response:
        if self._is_ready():
            return _json(200, {"status": "UP"})
        reason = "draining" if self.health.draining else "starting"
        return _json(503, {"status": "DOWN", "reason": reason})


def _json(status: int, body: Any) -> web.Response:
    return web.Response(status=status, body=jsonio.dumps(body), content_type="application/json")
