"""Requests in flight: the namespace's bound, a declared per-header limit, and the limits an
upstream announces.

An upstream that says how much it takes is believed: a `Concurrency-Limit` header (Kombo
sends it with every action answer, and with its 429 `PLATFORM.CONCURRENCY_LIMIT_EXCEEDED`)
caps the requests in flight for the key it answered, and a `RateLimit-Remaining: 0` with
`RateLimit-Reset` holds that key's next requests until the reset. The key is the request's
kind (read or action) and the values of the headers its operation declares as parameters
(Kombo: `X-Integration-Id`), so one integration's limit never slows another's. Requests past
a limit wait their turn, first come first served; a declared `perHeader` limit wins over
what is learned. With a shared state (state.py) the per-key limits, what was learned and the
held keys live in Redis, so replicas together keep them; the namespace's own bound stays in
the process (it bounds this process's connections).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from naftiko import state
from naftiko.consume.resilience import Resilience
from naftiko.errors import UpstreamUnavailable

READS = frozenset({"GET", "HEAD", "OPTIONS"})
# learned limits kept at once; the least recently used key forgets its limit first
MAX_KEYS = 10_000
_EPOCH = 1_000_000_000  # a reset this large is a moment (seconds since 1970), not a delay


class Gate:
    """A semaphore whose size can change, and which can be shut until a moment."""

    __slots__ = ("busy", "limit", "until", "waiters")

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.busy = 0
        self.until = 0.0
        self.waiters: deque[asyncio.Future[None]] = deque()

    def free(self) -> bool:
        return not self.waiters and (self.limit is None or self.busy < self.limit)

    async def enter(self) -> bool:
        """Take a place; True when it had to wait for one."""
        waited = False
        while self.until > (now := time.monotonic()):
            waited = True
            await asyncio.sleep(self.until - now)
        if self.free():
            self.busy += 1
            return waited
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(future)
        try:
            await future  # leave() hands the place over: busy already counts it
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.leave()  # handed a place it will not use: pass it on
            else:
                self.waiters.remove(future)
            raise
        return True

    def leave(self) -> None:
        self.busy -= 1
        self.wake()

    def wake(self) -> None:
        while self.waiters and (self.limit is None or self.busy < self.limit):
            future = self.waiters.popleft()
            if not future.done():
                self.busy += 1
                future.set_result(None)


# what an attempt holds while it runs: the gate it passed besides the namespace's, and the
# declared per-header key that gate belongs to
Ticket = tuple["Gate | None", "str | None"]
_UNKEYED: Ticket = (None, None)  # the namespace's bound alone


@dataclass(frozen=True)
class News:
    """What an answer taught that the shared state must hear: a limit, or a hold."""

    key: str
    limit: int | None = None
    hold: float | None = None


class Limiter:
    """The gates of one consumes namespace."""

    def __init__(self, policy: Resilience, prefix: str = "", lease_for: float = 35.0) -> None:
        self.policy = policy
        self.prefix = prefix  # of this namespace's keys in the shared state
        self.lease_for = lease_for  # a shared place expires after this, should we die
        self._all: Gate = Gate(policy.max_in_flight)
        self._declared: dict[str, Gate] = {}
        self._learned: OrderedDict[tuple[Any, ...], Gate] = OrderedDict()

    def claim(
        self, method: str, headers: Mapping[str, str], scope: tuple[str, ...] = ()
    ) -> Ticket | None:
        """A place for one attempt if one is free now, without waiting; else None."""
        everyone = self._all
        if not everyone.free() or everyone.until:
            return None
        if self.policy.per_header is None and not self._learned:
            everyone.busy += 1  # nothing keyed: the namespace's bound alone
            return _UNKEYED
        gate, declared = self._gate(method, headers, scope) if _local() else (None, None)
        if gate is not None:
            if not gate.free() or gate.until > time.monotonic():
                return None
            gate.busy += 1
        everyone.busy += 1
        return (gate, declared)

    async def wait(
        self, method: str, headers: Mapping[str, str], scope: tuple[str, ...] = ()
    ) -> Ticket:
        """A place for one attempt, waiting for it (first come, first served)."""
        gate, declared = self._gate(method, headers, scope) if _local() else (None, None)
        if gate is not None:
            await gate.enter()
        try:
            await self._all.enter()
        except BaseException:
            if gate is not None:
                self._leave(gate, declared)
            raise
        return (gate, declared)

    def release(self, ticket: Ticket) -> None:
        everyone = self._all
        everyone.busy -= 1
        if everyone.waiters:
            everyone.wake()
        if ticket is _UNKEYED:
            return
        gate, declared = ticket
        if gate is not None:
            self._leave(gate, declared)

    def learn(
        self,
        method: str,
        headers: Mapping[str, str],
        scope: tuple[str, ...],
        answer: Mapping[str, str],
    ) -> News | None:
        """Believe what an answer says about the upstream's limits for this key; what the
        shared state must hear is returned (``publish`` it)."""
        announced = answer.get("Concurrency-Limit")
        remaining = answer.get("RateLimit-Remaining") or answer.get("X-RateLimit-Remaining")
        if announced is None and remaining is None:
            return None  # the common case: an answer that says nothing of limits
        limit = _int(announced)
        if limit is None and remaining is None:
            return None
        key = _key(method, headers, scope)
        gate = self._learned.get(key)
        if gate is None:
            gate = self._learned[key] = Gate()
            while len(self._learned) > MAX_KEYS:
                self._learned.popitem(last=False)
        else:
            self._learned.move_to_end(key)
        news: News | None = None
        if limit is not None and limit >= 1 and limit != gate.limit:
            gate.limit = limit
            gate.wake()
            news = News(_text(key), limit=limit)
        if remaining is not None and _int(remaining) == 0:
            reset = _reset(answer.get("RateLimit-Reset") or answer.get("X-RateLimit-Reset"))
            if reset is not None and 0 < reset <= self.policy.max_elapsed:
                gate.until = max(gate.until, time.monotonic() + reset)
                news = News(_text(key), limit=news.limit if news else None, hold=reset)
        return news

    async def publish(self, news: News) -> None:
        shared = state.shared()
        if shared is None:
            return
        if news.limit is not None:
            await shared.announce(self.prefix, news.key, news.limit)
        if news.hold is not None:
            await shared.hold(self.prefix, news.key, news.hold)

    async def lease(
        self, method: str, headers: Mapping[str, str], scope: tuple[str, ...]
    ) -> tuple[str, str, bool] | None:
        """With a shared state: a place under this key's limit across replicas, waited for
        (key, lease, whether it waited); None when no limit applies or there is no shared
        state. Redis unreachable raises StateUnavailable: a limit is never skipped."""
        shared = state.shared()
        if shared is None:
            return None
        per = self.policy.per_header
        value = _header(headers, per.header) if per and method.upper() in per.methods else None
        if per is not None and value is not None:
            key, declared = f"declared {value}", per.limit
        else:
            key, declared = _text(_key(method, headers, scope)), None
        deadline = time.monotonic() + self.policy.max_elapsed
        pause, waited = 0.01, False
        while True:
            outcome, wait, lease = await shared.acquire(self.prefix, key, declared, self.lease_for)
            if outcome == 1:
                return key, lease, waited
            if outcome == 0:
                return None
            waited = True
            delay = wait if outcome == -1 else pause
            pause = min(pause * 2, 0.1)
            if time.monotonic() + delay > deadline:
                raise UpstreamUnavailable(
                    f"no place under the upstream's limit within {self.policy.max_elapsed:g}s",
                    timeout=True,
                    hint="the upstream is saturated by every replica's calls; retry later",
                )
            await asyncio.sleep(delay)

    async def unlease(self, held: tuple[str, str, bool]) -> None:
        shared = state.shared()
        if shared is not None:
            await shared.release(self.prefix, held[0], held[1])

    def learned(self) -> dict[str, int]:
        """The limits learned so far, for /status: key text to limit."""
        return {
            _text(tuple(part for part in key if part)): gate.limit
            for key, gate in self._learned.items()
            if gate.limit is not None
        }

    def _gate(
        self, method: str, headers: Mapping[str, str], scope: tuple[str, ...]
    ) -> tuple[Gate | None, str | None]:
        """The gate this attempt passes besides the namespace's, and the declared key."""
        per = self.policy.per_header
        if per is not None and method.upper() in per.methods:
            value = _header(headers, per.header)
            if value is not None:
                gate = self._declared.get(value)
                if gate is None:
                    gate = self._declared[value] = Gate(per.limit)
                return gate, value
        if self._learned:
            return self._learned.get(_key(method, headers, scope)), None
        return None, None

    def _leave(self, gate: Gate, declared: str | None) -> None:
        gate.leave()
        if declared is not None and gate.busy == 0 and not gate.waiters:
            self._declared.pop(declared, None)


def _local() -> bool:
    """Whether per-key limits are kept here (else in the shared state)."""
    return state.shared() is None


def _text(key: tuple[Any, ...]) -> str:
    return " ".join(str(part) for part in key)


def _key(method: str, headers: Mapping[str, str], scope: tuple[str, ...]) -> tuple[Any, ...]:
    kind = "read" if method.upper() in READS else "action"
    if not scope:
        return (kind,)
    return (kind, *(_header(headers, name) or "" for name in scope))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    found = headers.get(name)
    if found is not None:
        return found
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def _reset(text: str | None) -> float | None:
    """Seconds until a rate limit resets: a delay, or a moment in Unix time."""
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value - time.time() if value > _EPOCH else value
