"""One pooled aiohttp ClientSession per consumes namespace, and the one place that sends.

Failures become typed errors (failures.py): a non-2xx answer is an UpstreamError carrying
status, headers and body unchanged; a timeout or refused connection is UpstreamUnavailable.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypedDict

import aiohttp
from yarl import URL

from naftiko import inbound, state
from naftiko.consume import exchange
from naftiko.consume.circuit import Circuit, CircuitOpen
from naftiko.consume.failures import (
    invalid,
    public_url,
    refused,
    said,
    too_large,
    unavailable,
)
from naftiko.consume.limits import Limiter
from naftiko.consume.oauth2 import ClientCredentials
from naftiko.consume.request import Outgoing, span_shape
from naftiko.consume.resilience import DEFAULT_RESILIENCE, Resilience
from naftiko.deadlines import Deadlines
from naftiko.errors import UpstreamError, UpstreamInvalid, UpstreamResponse, UpstreamUnavailable
from naftiko.observe import access, tracing
from naftiko.observe.metrics import METRICS
from naftiko.observe.redact import SENSITIVE_HEADERS
from naftiko.progress import report

log = logging.getLogger("naftiko.consume")


class UpstreamStatus(TypedDict, total=False):
    """One upstream in `/status`: no URL, no credential."""

    namespace: str
    circuit: str  # closed, open or half-open, when a circuit is declared
    announcedLimits: dict[str, int]  # limits the upstream announced, by key


@dataclass(frozen=True)
class Timeouts:
    total: float = 30.0
    connect: float = 10.0


DEFAULT_TIMEOUTS = Timeouts()


MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# where an attempt goes next: URL, method, body, headers, cookies
_Hop = tuple[
    URL, str, "bytes | aiohttp.FormData | None", "dict[str, str] | None", "dict[str, str] | None"
]


class UpstreamClient:
    """The connection pool of one consumes namespace; created lazily inside the event loop."""

    def __init__(
        self,
        namespace: str,
        timeouts: Timeouts,
        middleware: aiohttp.ClientMiddlewareType | None = None,
        resilience: Resilience = DEFAULT_RESILIENCE,
        oauth: ClientCredentials | None = None,
        tls: ssl.SSLContext | None = None,
        circuit: Circuit | None = None,
        propagate: tuple[str, ...] = (),
        prefix: str = "",
    ) -> None:
        self.namespace = namespace
        # inbound headers or `_meta` fields passed on (x-naftiko-propagate), never credentials
        self.propagate = propagate
        self.circuit = circuit
        if circuit is not None:
            METRICS.circuits[namespace] = circuit
        self.oauth = oauth
        self._tls = tls
        self.timeouts = timeouts
        self.resilience = resilience
        self._middleware = middleware
        self._limit = resilience.max_in_flight
        # keys in the shared state: naftiko:<capability>:<namespace>:
        self.prefix = prefix or f"naftiko:{namespace}:"
        self._limiter = Limiter(resilience, self.prefix, timeouts.total + 5)
        self._session: aiohttp.ClientSession | None = None
        self._exchange: exchange.Send | None = None  # how calls go out on that session
        self._answers = METRICS.answers_of(namespace)  # its metrics, bound once
        self._deadlines = Deadlines(timeouts.total)

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                # the total per attempt is kept by self._deadlines (one sweep, not a timer
                # per call)
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeouts.connect),
                connector=aiohttp.TCPConnector(
                    limit=self._limit, ttl_dns_cache=300, ssl=self._tls if self._tls else True
                ),
                middlewares=(self._middleware,) if self._middleware is not None else (),
                # one session serves every caller: a cookie an upstream sets for one must
                # never ride along on another's call; each carries what its file declares
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=True,
                trust_env=False,
            )
            self._exchange = exchange.sender(self._session, direct=self._middleware is None)
        return self._session

    def status(self) -> UpstreamStatus:
        """What /status shows of this upstream: its circuit and the limits it announced."""
        found: UpstreamStatus = {"namespace": self.namespace}
        if self.circuit is not None:
            found["circuit"] = self.circuit.state
        learned = self._limiter.learned()
        if learned:
            found["announcedLimits"] = learned
        return found

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def adopt(self, request: Outgoing) -> Outgoing:
        """The request with what the caller sent for the names `x-naftiko-propagate` lists;
        a value the operation sets itself wins, and one with a line break is dropped."""
        for name in self.propagate:
            value = inbound.heard(name)
            if value is None or "\r" in value or "\n" in value or len(value) > 8192:
                continue
            if not any(k.lower() == name.lower() for k in request.headers):
                request.headers[name] = value
        return request

    def send(self, request: Outgoing) -> Awaitable[UpstreamResponse]:
        """The upstream's answer, after retries; non-2xx raises UpstreamError."""
        repeatable = not isinstance(request.body, aiohttp.FormData)
        if self.circuit is None:
            return self._send(request, repeatable)  # no breaker: one coroutine fewer
        return self._guarded(self.circuit, request, repeatable)

    async def _guarded(
        self, circuit: Circuit, request: Outgoing, repeatable: bool
    ) -> UpstreamResponse:
        """Through the circuit breaker: an open circuit fails fast; answers and failures
        move it."""
        try:
            circuit.before()
        except CircuitOpen:
            METRICS.failures[(self.namespace, "circuit-open")] += 1
            tracer = tracing.tracer
            if tracer is not None:  # no call is made: the request's span says why
                tracer.current().event("circuit-open", {"naftiko.upstream": self.namespace})
            raise
        try:
            response = await self._send(request, repeatable)
        except UpstreamError as exc:
            if exc.response.status >= 500:
                circuit.failed()
            else:
                circuit.succeeded()  # the upstream answered: it is alive
            raise
        except UpstreamUnavailable:
            circuit.failed()
            raise
        circuit.succeeded()
        return response

    def _send(self, request: Outgoing, repeatable: bool) -> Awaitable[UpstreamResponse]:
        """The call, timed for the access log; an error status raises UpstreamError."""
        if tracing.tracer is None and self.oauth is None:  # the common case: one coroutine
            return self._retrying(request, repeatable, tracing.OFF, whole=True)
        return self._traced(request, repeatable)

    async def _traced(self, request: Outgoing, repeatable: bool) -> UpstreamResponse:
        began = time.perf_counter()
        try:
            tracer = tracing.tracer
            if tracer is not None:
                shape = request.shape or span_shape(self.namespace, request.method, request.route)
                with tracer.client(shape, request.headers) as span:
                    response = await self._authorized(request, repeatable, span)
            else:
                response = await self._authorized(request, repeatable, tracing.OFF)
        finally:
            access.upstream_took(time.perf_counter() - began)
        if response.status >= 400:
            raise refused(self.namespace, request, response)
        return response

    async def _authorized(
        self, request: Outgoing, repeatable: bool, span: tracing.Span
    ) -> UpstreamResponse:
        """With OAuth2, a token first; a 401 gets one fresh token and one more try."""
        if self.oauth is None:
            return await self._retrying(request, repeatable, span)
        used = await self.oauth.authorize(self.session(), request.headers)
        response = await self._retrying(request, repeatable, span)
        if response.status == 401 and repeatable:
            span.event("token-refresh")
            await self.oauth.authorize(self.session(), request.headers, stale=used)
            response = await self._retrying(request, repeatable, span)
        return response

    async def _retrying(
        self, request: Outgoing, repeatable: bool, span: tracing.Span, whole: bool = False
    ) -> UpstreamResponse:
        """Attempts until one is final: a success, a status not worth retrying, or no
        retry left (each retry an event on the call's span). ``whole``: this is the whole
        call (no span, no token), so it is timed here and an error status raises."""
        began = time.monotonic()  # the retry budget's clock too
        attempt = 1
        limiter = self._limiter
        try:
            while True:
                held = None
                if state.shared() is not None:  # the replicas' limit first, then our own
                    held = await limiter.lease(request.method, request.headers, request.scope)
                    if held is not None and held[2]:
                        METRICS.limit_waits[self.namespace] += 1
                        span.event("limit-wait", {"shared": True})
                ticket = limiter.claim(request.method, request.headers, request.scope)
                if ticket is None:
                    METRICS.limit_waits[self.namespace] += 1
                    span.event("limit-wait")
                    ticket = await limiter.wait(request.method, request.headers, request.scope)
                try:
                    response = await self._attempt(request)
                finally:
                    limiter.release(ticket)
                    if held is not None:
                        await limiter.unlease(held)
                news = limiter.learn(
                    request.method, request.headers, request.scope, response.headers
                )
                if news is not None and state.shared() is not None:
                    await limiter.publish(news)
                if span is not tracing.OFF:
                    span.status(response.status)
                if response.status < 400 or not repeatable:
                    break
                if not await self._pause(request, response, attempt, began, span):
                    break
                attempt += 1
        finally:
            if whole:
                access.upstream_took(time.monotonic() - began)
        if whole and response.status >= 400:
            raise refused(self.namespace, request, response)
        return response

    async def _pause(
        self,
        request: Outgoing,
        response: UpstreamResponse,
        attempt: int,
        began: float,
        span: tracing.Span,
    ) -> bool:
        """Wait before the next attempt, when the answer is worth one and time is left;
        False when it is final."""
        policy = self.resilience
        if not policy.retryable(request.method, response.status):
            return False
        delay = policy.delay(attempt, response.headers.get("Retry-After"), began)
        if delay is None:
            return False
        span.event(
            "retry",
            {
                "attempt": attempt + 1,
                "http.response.status_code": response.status,
                "delay_s": delay,
            },
        )
        log.info(
            "%s: retrying %s %s in %.1fs (attempt %d)",
            self.namespace,
            request.method,
            public_url(request.url),
            delay,
            attempt + 1,
        )
        METRICS.retries[self.namespace] += 1
        await report(
            f"upstream '{self.namespace}' answered {response.status}; "
            f"retrying in {delay:.1f}s (attempt {attempt + 1})"
        )
        await asyncio.sleep(delay)
        return True

    def _redirect(
        self, request: Outgoing, answer: aiohttp.ClientResponse, hop: _Hop, location: str
    ) -> _Hop:
        """The next hop of a redirect, only within the upstream's origin (scheme, host,
        port) or to an origin the file allows, with no credential: credentials never travel
        to another host."""
        url, method, body, headers, cookies = hop
        target = url.join(URL(location))
        if target.origin() != url.origin() and (
            str(target.origin()) in self.resilience.redirect_origins
        ):
            headers = {k: v for k, v in (headers or {}).items() if k.lower() in _CROSSING}
            cookies = None
        elif target.origin() != url.origin():
            raise UpstreamInvalid(
                f"upstream '{self.namespace}' redirected {request.method} "
                f"{said(request)} to another origin; not followed, so that its "
                "credentials stay with it",
                UpstreamResponse(answer.status, answer.headers, b"", ""),
                hint="point the baseUri (or --base-uri) at where the API now lives",
            )
        if answer.status == 303 or (answer.status in (301, 302) and method == "POST"):
            method, body = "GET", None
        return (target, method, body, headers, cookies)

    async def _body(self, answer: aiohttp.ClientResponse, request: Outgoing) -> bytes:
        """The whole body, decompressed, read only up to the limit; a status outside 100-599
        or a body past the limit is an invalid answer (502), never passed on."""
        limit = request.max_body or self.resilience.max_body
        if not 100 <= answer.status <= 599:
            raise invalid(
                self.namespace, answer, request, f"an invalid HTTP status {answer.status}"
            )
        length = answer.content_length
        if length is not None and "Content-Encoding" not in answer.headers:
            if length <= limit:  # the common case, read at once
                return await answer.read()
            raise too_large(self.namespace, answer, request, self.resilience.max_body)
        chunks: list[bytes] = []
        size = 0
        async for chunk in answer.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise too_large(self.namespace, answer, request, self.resilience.max_body)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _attempt(self, request: Outgoing) -> UpstreamResponse:
        """One attempt: send, following redirects (`_redirect`), and read the answer, all
        within `--timeout` (kept by the namespace's deadline sweep); what goes wrong on the
        way becomes a typed error."""
        url = URL(request.url, encoded=True)
        if request.query:
            url = url.extend_query(request.query)
        debug = log.isEnabledFor(logging.DEBUG)
        if debug:
            headers = {
                k: ("***" if k.lower() in SENSITIVE_HEADERS else v)
                for k, v in request.headers.items()
            }
            log.debug(
                "%s -> %s %s headers=%s",
                self.namespace,
                request.method,
                public_url(request.url),
                headers,
            )
        session, send = self._session, self._exchange
        if session is None or session.closed or send is None:
            self.session()
            send = self._exchange
            assert send is not None
        hop: _Hop = (
            url,
            request.method,
            request.body,
            request.headers or None,
            request.cookies or None,
        )
        task = asyncio.current_task()
        deadlines = self._deadlines
        if task is not None:
            deadlines.enter(task)
        started = time.perf_counter()
        try:
            for _ in range(MAX_REDIRECTS + 1):
                answer = await send(hop[1], hop[0], hop[2], hop[3], hop[4])
                async with answer:
                    status = answer.status
                    location = answer.headers.get("Location") if status in _REDIRECTS else None
                    if not location:
                        length = answer.content_length
                        if (
                            length is not None
                            and length <= (request.max_body or self.resilience.max_body)
                            and 100 <= status <= 599
                            and "Content-Encoding" not in answer.headers
                        ):  # the common case, read at once
                            body = await answer.read()
                        else:
                            body = await self._body(answer, request)
                        response = UpstreamResponse(
                            status, answer.headers, body, answer.headers.get("Content-Type", "")
                        )
                        break
                hop = self._redirect(request, answer, hop, location)
            else:
                raise UpstreamInvalid(
                    f"upstream '{self.namespace}' redirected {request.method} "
                    f"{said(request)} more than {MAX_REDIRECTS} times",
                    UpstreamResponse(answer.status, answer.headers, b"", ""),
                )
        except (TimeoutError, ValueError, aiohttp.ClientError, OSError) as exc:
            timeouts = self.timeouts
            raise unavailable(
                self.namespace, timeouts.total, exc, request, timeouts.connect
            ) from None
        except asyncio.CancelledError:
            if task is None or not deadlines.expired(task):
                raise
            late = TimeoutError()
            raise unavailable(self.namespace, self.timeouts.total, late, request) from None
        finally:
            if task is not None:
                deadlines.leave(task)
        elapsed = time.perf_counter() - started
        self._answers.count(response.status, elapsed)
        if debug:
            log.debug(
                "%s <- %s %s in %.1f ms",
                self.namespace,
                response.status,
                public_url(request.url),
                elapsed * 1000,
            )
        return response


# the headers that follow a redirect to another allowed origin: none that could authenticate
_CROSSING = frozenset(
    {"accept", "accept-language", "content-type", "user-agent", "traceparent", "tracestate"}
)
