"""State shared by every replica of a capability, on Redis (`--state redis://...`).

Without it each process keeps its own: MCP sessions, requests in flight per key, limits an
upstream announced, held rate limits and the response cache. With it they live in Redis, so
that any replica serves any session and N replicas together keep an upstream's limit (Kombo's
30 actions in flight per integration) instead of N times it.

Limits fail closed: when Redis cannot be reached, an upstream call is refused (503, saying
so) rather than sent unlimited, since any call may be under a limit another replica learned;
service resumes once Redis answers again. The cache alone would fail open (a lookup that
fails is a miss). Keys are `naftiko:<capability>:...`.
One process has one state (like its metrics); `use` sets it, `shared` reads it.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from naftiko.errors import NaftikoError
from naftiko.jsontypes import JSON

log = logging.getLogger("naftiko.state")

# One script, one round trip: is the key held (rate limit), what limit applies (declared, else
# announced), and is there a place under it; a place is a lease that expires on its own, so a
# replica that dies cannot keep it.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local held = tonumber(redis.call('GET', KEYS[3]) or '0')
if held > now then return {-1, held - now} end
local limit = tonumber(ARGV[4])
if not limit then limit = tonumber(redis.call('HGET', KEYS[2], ARGV[5])) end
if not limit then return {0, 0} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, 0}
end
return {2, 0}
"""
_SESSION_PUT = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[2]))
while redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) do
  local oldest = redis.call('ZPOPMIN', KEYS[2])
  redis.call('DEL', ARGV[5] .. oldest[1])
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[6])
return 1
"""
_LOGGED_EVERY = 60.0


class StateUnavailable(NaftikoError):
    """Redis did not answer: what needs it is refused until it does."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"the shared state (Redis) is unreachable, so {what} cannot be checked",
            hint="the request was not sent; it works again as soon as Redis answers",
        )
        self.http_status = 503
        self.title = "Shared state unavailable"
        self.told = True  # the shared state tells the outage, once

    def details(self) -> dict[str, JSON]:
        return {"status": self.http_status, "retryAfter": 1}


class SharedState:
    """A Redis client and the few operations the runtime shares through it."""

    def __init__(self, url: str) -> None:
        try:
            import redis.asyncio as redis
        except ImportError:
            raise NaftikoError(
                "--state redis://... needs the redis client",
                hint="pip install 'naftiko-py[redis]'",
            ) from None
        self._errors = (redis.RedisError, OSError, TimeoutError)
        self.url = _public(url)
        self._client: Any = redis.from_url(
            url, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=15
        )
        self._acquire = self._client.register_script(_ACQUIRE)
        self._session_put = self._client.register_script(_SESSION_PUT)
        self._logged = 0.0
        self._down_since: float | None = None  # when the outage in progress began
        self._failed = 0  # calls that failed in it

    async def ping(self) -> None:
        """Raise StateUnavailable unless Redis answers (checked at start)."""
        try:
            await self._client.ping()
        except self._errors as exc:
            self._log(exc)
            raise StateUnavailable("anything") from None
        else:
            self._up()

    async def close(self) -> None:
        await self._client.aclose()

    # --- limits ----------------------------------------------------------------------------

    async def acquire(
        self, prefix: str, key: str, declared: int | None, lease_for: float
    ) -> tuple[int, float, str]:
        """(outcome, wait seconds, lease): outcome 1 placed, 0 no limit applies, 2 full,
        -1 held (wait the seconds given)."""
        lease = uuid.uuid4().hex
        try:
            outcome, wait = await self._acquire(
                keys=[f"{prefix}lease:{key}", f"{prefix}limits", f"{prefix}hold:{key}"],
                args=[_now_ms(), int(lease_for * 1000), lease, declared or "", key],
            )
        except self._errors as exc:
            self._log(exc)
            raise StateUnavailable("the upstream's limit") from None
        else:
            self._up()
        return int(outcome), int(wait) / 1000, lease

    async def release(self, prefix: str, key: str, lease: str) -> None:
        try:
            await self._client.zrem(f"{prefix}lease:{key}", lease)
        except self._errors as exc:  # the lease expires on its own
            self._log(exc)
        else:
            self._up()

    async def announce(self, prefix: str, key: str, limit: int) -> None:
        try:
            await self._client.hset(f"{prefix}limits", key, limit)
        except self._errors as exc:
            self._log(exc)
        else:
            self._up()

    async def hold(self, prefix: str, key: str, seconds: float) -> None:
        until = _now_ms() + int(seconds * 1000)
        try:
            await self._client.set(f"{prefix}hold:{key}", until, px=int(seconds * 1000) + 1000)
        except self._errors as exc:
            self._log(exc)
        else:
            self._up()

    # --- MCP sessions ----------------------------------------------------------------------

    async def session_put(
        self, prefix: str, session: str, record: Mapping[str, object], idle: float, most: int
    ) -> None:
        try:
            await self._session_put(
                keys=[f"{prefix}session:{session}", f"{prefix}sessions"],
                args=[
                    json.dumps(record),
                    int(idle * 1000),
                    _now_ms(),
                    most,
                    f"{prefix}session:",
                    session,
                ],
            )
        except self._errors as exc:
            self._log(exc)
            raise StateUnavailable("the session") from None
        else:
            self._up()

    async def session_get(self, prefix: str, session: str, idle: float) -> dict[str, JSON] | None:
        key = f"{prefix}session:{session}"
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.get(key)
                pipe.pexpire(key, int(idle * 1000))
                pipe.zadd(f"{prefix}sessions", {session: _now_ms()}, xx=True)
                found, _, _ = await pipe.execute()
        except self._errors as exc:
            self._log(exc)
            raise StateUnavailable("the session") from None
        else:
            self._up()
        if found is None:
            return None
        try:
            record = json.loads(found)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    async def session_delete(self, prefix: str, session: str) -> bool:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.delete(f"{prefix}session:{session}")
                pipe.zrem(f"{prefix}sessions", session)
                deleted, _ = await pipe.execute()
        except self._errors as exc:
            self._log(exc)
            raise StateUnavailable("the session") from None
        else:
            self._up()
        return bool(deleted)

    # --- the response cache ----------------------------------------------------------------

    async def cache_get(self, prefix: str, key: str) -> tuple[dict[str, JSON], bytes] | None:
        try:
            meta, body = await self._client.hmget(f"{prefix}cache:{key}", "meta", "body")
        except self._errors as exc:
            self._log(exc)
            return None  # a miss (the call itself then meets the limits, which fail closed)
        else:
            self._up()
        if meta is None or body is None:
            return None
        try:
            return json.loads(meta), bytes(body)
        except ValueError:
            return None

    async def cache_put(
        self, prefix: str, key: str, meta: dict[str, JSON], body: bytes, keep: float
    ) -> None:
        name = f"{prefix}cache:{key}"
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hset(name, mapping={"meta": json.dumps(meta), "body": body})
                pipe.pexpire(name, max(1, int(keep * 1000)))
                await pipe.execute()
        except self._errors as exc:
            self._log(exc)
        else:
            self._up()

    def _log(self, exc: BaseException) -> None:
        """An outage is told once as it begins, then every minute with its count, and once
        more as it ends: never a line per refused call."""
        now = time.monotonic()
        self._failed += 1
        if self._down_since is None:
            self._down_since, self._logged = now, now
            log.error(
                "shared state %s unreachable: %s: %s; calls that need it are refused (503) "
                "until it answers",
                self.url,
                type(exc).__name__,
                exc,
            )
        elif now - self._logged >= _LOGGED_EVERY:
            self._logged = now
            log.error(
                "shared state %s still unreachable after %.0fs: %d call(s) refused so far",
                self.url,
                now - self._down_since,
                self._failed,
            )

    def _up(self) -> None:
        if self._down_since is not None:
            log.warning(
                "shared state %s answers again after %.1fs; %d call(s) were refused meanwhile",
                self.url,
                time.monotonic() - self._down_since,
                self._failed,
            )
            self._down_since, self._failed = None, 0


def _now_ms() -> int:
    return int(time.time() * 1000)


def _public(url: str) -> str:
    """The URL without its password, for logs."""
    from yarl import URL

    parsed = URL(url)
    return str(parsed.with_password(None)) if parsed.password else url


_shared: SharedState | None = None


def use(state: SharedState | None) -> None:
    """Make ``state`` the process's shared state (None: keep everything in-process)."""
    global _shared
    _shared = state


def shared() -> SharedState | None:
    return _shared
