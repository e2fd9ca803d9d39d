"""The REST adapter: aiohttp's low-level server, routes from resources, one engine call each.

Per request it only matches a precompiled route, collects inputs, calls ``engine.invoke``
and encodes the result. Errors are ``application/problem+json``, except an upstream's own
non-2xx answer, which goes back unchanged (status, body, Content-Type) so that API error
codes (Kombo's ``error.code``) reach the caller.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import BaseRequest

from naftiko import inbound, jsonio
from naftiko.deadlines import Deadlines
from naftiko.engine import Engine, ExposedPlan, Forwarder, invoke
from naftiko.expose.auth import InboundAuth
from naftiko.expose.cors import Cors
from naftiko.expose.docs import DOCS, PATH, shadowed
from naftiko.expose.guard import HostGuard, forbidden
from naftiko.expose.httpserver import (
    DEFAULT_LIMITS,
    Handler,
    Limits,
    low_level_server,
    read_body,
)
from naftiko.expose.oauth import is_metadata, metadata_answer
from naftiko.expose.problem import problem
from naftiko.expose.rest_answers import answer, disabled, failed, passthrough
from naftiko.expose.rest_inputs import Inputs, compile_inputs
from naftiko.jsontypes import JSON
from naftiko.observe import access, tracing
from naftiko.observe.metrics import METRICS, Served
from naftiko.openapi.exporter import export_openapi
from naftiko.routes import BadPath, Match, Router, openapi_path
from naftiko.spec.model import Adapter

log = logging.getLogger("naftiko.rest")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class _Operation:
    plan: ExposedPlan
    inputs: Inputs
    served: Served  # its metrics, bound at load


class _Seen:
    """What routing found out about a request, for its metrics, trace and log line."""

    route: str | None = None  # the resource's path template
    served: Served | None = None


@dataclass(frozen=True)
class _Resource:
    path: str
    operations: Mapping[str, _Operation]
    forward: Forwarder | None
    allow: str
    # disabled operations whose method no request can name (a misspelled `method`)
    broken: tuple[ExposedPlan, ...] = ()
    forwarded: Served | None = None  # the forward's metrics, when it forwards


class RestAdapter:
    """One `type: rest` adapter, ready to serve; build it only from a loaded capability."""

    def __init__(
        self,
        adapter: Adapter,
        engine: Engine,
        limits: Limits = DEFAULT_LIMITS,
        auth: InboundAuth | None = None,
        guard: HostGuard | None = None,
        cors: Cors | None = None,
        docs: bool = True,
    ) -> None:
        self.guard = guard or HostGuard("")
        self.cors = cors or Cors()
        self.adapter = adapter
        self.engine = engine
        self.auth = auth
        self.namespace = adapter.namespace
        self.limits = limits
        self.router: Router[_Resource] = Router()
        # span shapes: by method before routing, by method and route template after
        self._before, self._after = tracing.Shapes(tracing.SERVER), tracing.Shapes(tracing.SERVER)
        for resource in adapter.resources:
            operations: dict[str, _Operation] = {}
            broken: list[ExposedPlan] = []
            for unit in resource.units:
                plan = engine.plan(unit.target)
                assert isinstance(plan, ExposedPlan)
                if plan.disabled and unit.method not in _METHODS:
                    broken.append(plan)
                elif unit.method and unit.method not in operations:
                    served = METRICS.served(self.namespace, unit.name)
                    operations[unit.method] = _Operation(plan, compile_inputs(plan), served)
            forward = (
                engine.forwarder(resource.forward.namespace, resource.forward.trusted_headers)
                if resource.forward is not None
                else None
            )
            methods = sorted(set(operations) | ({"HEAD"} if "GET" in operations else set()))
            allow = ", ".join([*methods, "OPTIONS"]) if forward is None else "*"
            forwarded = METRICS.served(self.namespace, "forward") if forward else None
            self.router.add(
                resource.path,
                _Resource(resource.path, operations, forward, allow, tuple(broken), forwarded),
            )
        self.openapi: bytes = b"{}"
        self.docs = DOCS if docs and not shadowed(adapter) else None
        self._docs_shadowed = docs and self.docs is None
        # the page's own metrics, bound only where there is a page
        self._docs_served = (
            METRICS.served(self.namespace, "(docs)") if self.docs is not None else None
        )
        self.deadlines = Deadlines(limits.deadline)
        self._loop: asyncio.AbstractEventLoop | None = None  # set by server(): the one serving
        # what the request carries is kept for the code it reaches only when read there:
        # the caller a token proves, or headers its calls pass on
        self._hears = auth is not None or engine.propagates
        # every scope an operation asks for, for the protected-resource metadata
        self.scopes = tuple(
            dict.fromkeys(s for r in adapter.resources for u in r.units for s in u.scopes)
        )

    def set_openapi(self, document: Mapping[str, JSON]) -> None:
        self.openapi = json.dumps(document, ensure_ascii=False, indent=2).encode()

    def listening(self, url: str) -> str:
        """Now that the URL is known, the OpenAPI document can name it."""
        self.set_openapi(export_openapi(self.engine, self.adapter, url))
        if self.docs is not None:
            docs = f", docs at {url}{PATH}"
        elif self._docs_shadowed:
            docs = f"; no {PATH} page: the capability serves {PATH} itself"
        else:
            docs = ""
        return (
            f"rest adapter '{self.namespace}' listening on {url} "
            f"({len(self.router)} resource(s); OpenAPI at {url}/openapi.json{docs})"
        )

    def server(self, handler: Handler | None = None) -> web.Server:
        self._loop = asyncio.get_running_loop()  # so a request finds its task without a getpid
        return low_level_server(
            handler or self.handle,
            self.limits,
            challenge=self.auth.oversized if self.auth else None,
        )

    async def handle(self, request: BaseRequest) -> web.StreamResponse:
        started = time.perf_counter()
        in_flight = METRICS.in_flight
        in_flight[self.namespace] += 1
        response: web.StreamResponse | None = None
        seen = _Seen()
        counting = access.begin()
        span = tracing.OFF
        heard = inbound.enter(request.headers) if self._hears else None
        try:
            tracer = tracing.tracer
            if tracer is not None:  # inline: one coroutine fewer per request
                method = request.method
                shape = self._before.get(method) or self._before.add(
                    method,
                    method,
                    {
                        "http.request.method": method,
                        "url.scheme": "http",
                        "naftiko.adapter": self.namespace,
                    },
                )
                span = tracer.server(shape, request.headers)
                with span:
                    response = await self._route(request, seen)
                    self._describe(span, request.method, seen.route, response)
            else:
                response = await self._route(request, seen)
            if self.cors.enabled:
                self.cors.decorate(response, request.headers.get("Origin"))
            return response
        finally:
            if heard is not None:
                inbound.leave(heard)
            in_flight[self.namespace] -= 1
            status = response.status if response is not None else _unanswered()
            took = time.perf_counter() - started
            served = seen.served
            if served is not None:
                served.count(status, took)
            else:
                METRICS.request(self.namespace, "-", status, took)
            if response is None:
                size = 0
            elif type(response) is web.Response and type(body := response.body) is bytes:
                size = len(body)  # what content_length says, without its header lookups
            else:
                size = response.content_length or 0
            access.line(
                counting,
                self.namespace,
                request.method,
                seen.route or "(no route)",
                status,
                started,
                size,
                span,
            )

    def _describe(
        self, span: tracing.Span, method: str, route: str | None, response: web.StreamResponse
    ) -> None:
        if route is not None:
            key = (method, route)
            shape = self._after.get(key) or self._after_shape(key)
            span.reshape(shape)
        span.status(response.status)
        if response.status >= 500:
            span.fail(str(response.status))

    def _after_shape(self, key: tuple[str, str]) -> tracing.Shape:
        """A routed request's span: its route as OpenTelemetry writes one (`/ships/{imo}`)."""
        method, route = key[0], openapi_path(key[1])
        return self._after.add(
            key,
            f"{method} {route}",
            {
                "http.request.method": method,
                "url.scheme": "http",
                "naftiko.adapter": self.namespace,
                "http.route": route,
            },
        )

    async def _route(self, request: BaseRequest, seen: _Seen) -> web.StreamResponse:
        if not self.guard.allows(request.headers):
            return forbidden()
        if self.cors.enabled and request.method == "OPTIONS":
            preflight = self._preflight(request)
            if preflight is not None:
                return preflight  # before authentication: browsers send no credentials here
        method = request.method
        raw_path = request.rel_url.raw_path
        if self.auth is not None:
            if self.auth.oauth is not None and is_metadata(raw_path, self.auth.oauth):
                return metadata_answer(self.auth.oauth, self.scopes)  # before credentials
            if self.docs is not None and raw_path.startswith(PATH):
                page = await self._page(raw_path, request, seen)  # no data: no credentials
                if page is not None:
                    return page
            rejected = await self.auth.check(request)
            if rejected is not None:
                return self.auth.refusal(request, rejected)
        try:
            found, operation, fitting = self._pick(raw_path, method)
        except BadPath as exc:
            return problem(400, "Bad Request", f"the path is not valid: {exc}")
        if found is None:
            if raw_path == "/openapi.json" and method in ("GET", "HEAD"):
                return web.Response(body=self.openapi, content_type="application/json")
            page = await self._page(raw_path, request, seen) if self.docs is not None else None
            if page is not None:
                return page
            return problem(
                404,
                "Not Found",
                f"no resource at {request.path}",
                hint="GET /openapi.json lists every route"
                + (f", and {PATH} shows them" if self.docs is not None else ""),
            )
        resource = found.target
        if operation is not None and self.auth is not None:
            lacking = self.auth.lacks(operation.plan.unit.scopes)
            if lacking is not None:
                return self.auth.refusal(request, lacking)
        seen.route = resource.path
        seen.served = operation.served if operation is not None else resource.forwarded
        task = asyncio.current_task(self._loop)  # the request's (request.task: the connection's)
        assert task is not None
        self.deadlines.enter(task)
        try:
            if operation is not None:  # inline: one coroutine fewer per request
                try:
                    inputs = operation.inputs
                    body = await _json_body(request, self.limits) if inputs.reads_body else None
                    result = await invoke(
                        operation.plan, inputs.collect(request, found.values, body)
                    )
                except Exception as exc:
                    return failed(exc, request)
                answered = answer(result, method)
                if result.fresh_for is not None and method in ("GET", "HEAD"):
                    fresh = f"private, max-age={int(result.fresh_for)}"
                    answered.headers["Cache-Control"] = fresh
                return answered
            if resource.forward is not None:
                return await self._forward(resource.forward, request, found)
        except asyncio.CancelledError:
            if not self.deadlines.expired(task):
                raise
            log.warning(
                "%s %s: request deadline of %gs exceeded",
                method,
                request.path,
                self.limits.deadline,
            )
            return problem(
                504,
                "Gateway Timeout",
                f"the request did not complete within {self.limits.deadline:g}s",
                hint="raise --request-timeout if this operation is slow by design",
            )
        finally:
            self.deadlines.leave(task)
        allow = _allow(fitting)
        if method == "OPTIONS":
            return web.Response(status=204, headers={"Allow": allow})
        broken = [plan for r in fitting for plan in r.broken]
        if broken:  # the operation meant here did not load: say why, not "not allowed"
            return disabled(broken[0], request)
        return problem(
            405,
            "Method Not Allowed",
            f"{method} is not allowed on {resource.path}",
            hint=f"allowed: {allow}",
            headers={"Allow": allow},
        )

    async def _page(self, raw_path: str, request: BaseRequest, seen: _Seen) -> web.Response | None:
        assert self.docs is not None
        page = await self.docs.answer(raw_path, request)
        if page is not None:
            seen.route, seen.served = PATH, self._docs_served
        return page

    def _preflight(self, request: BaseRequest) -> web.Response | None:
        try:
            found, _, fitting = self._pick(request.rel_url.raw_path, "OPTIONS")
        except BadPath:
            return None
        if found is None:
            return None
        return self.cors.preflight(request.headers, _allow(fitting))

    def _pick(
        self, raw_path: str, method: str
    ) -> tuple[Match[_Resource] | None, _Operation | None, list[_Resource]]:
        """The best route that has ``method`` (or forwards), with its operation; when none
        has it, the best route and every route that fits, for the `Allow` header."""
        found = self.router.match(raw_path)
        if found is None:
            return None, None, []
        resource = found.target
        operation = resource.operations.get(method)
        if operation is None and method == "HEAD":
            operation = resource.operations.get("GET")
        if operation is not None or resource.forward is not None:
            return found, operation, [resource]  # the best route has it: the common case
        fitting: list[_Resource] = []
        best = None
        for found in self.router.matches(raw_path):
            resource = found.target
            operation = resource.operations.get(method)
            if operation is None and method == "HEAD":
                operation = resource.operations.get("GET")
            if operation is not None or resource.forward is not None:
                return found, operation, [resource]
            best = best or found
            fitting.append(resource)
        return best, None, fitting

    async def _forward(
        self, forward: Forwarder, request: BaseRequest, found: Match[_Resource]
    ) -> web.StreamResponse:
        try:
            body = await read_body(request, self.limits.max_body) if request.body_exists else None
            got = await forward.send(
                request.method,
                found.segments,
                request.rel_url.raw_query_string,
                request.headers,
                body,
            )
        except Exception as exc:
            return failed(exc, request)
        return passthrough(got.status, got, request.method)


def _unanswered() -> int:
    """The status of a request that ended with no answer: cut short by a stop (its client
    gets 503), or a failure (500)."""
    task = asyncio.current_task()
    return 503 if task is not None and task.cancelling() else 500


def _allow(fitting: list[_Resource]) -> str:
    """The methods of every resource a path fits (`*` when one forwards)."""
    if len(fitting) == 1:
        return fitting[0].allow
    if any(r.forward is not None for r in fitting):
        return "*"
    methods = {m for r in fitting for m in r.operations}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join([*sorted(methods), "OPTIONS"])


async def _json_body(request: BaseRequest, limits: Limits) -> Any:
    length = request.content_length
    if length is not None and length > limits.max_body:
        raise web.HTTPRequestEntityTooLarge(max_size=limits.max_body, actual_size=length)
    if not request.body_exists:
        return None
    raw = await read_body(request, limits.max_body)
    if not raw.strip():
        return None
    kind = request.content_type
    if request.headers.get("Content-Type") and not (
        kind == "application/json" or kind.endswith("+json")
    ):
        raise web.HTTPUnsupportedMediaType(
            text=f"request bodies must be JSON (Content-Type: application/json), got {kind}"
        )
    try:
        return jsonio.loads(raw)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=f"the request body is not valid JSON: {exc}") from None
