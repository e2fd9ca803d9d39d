"""A response cache for an upstream GET operation: `x-naftiko-cache: {ttl: 60}`.

An answer is kept for `ttl` seconds, or less when the upstream's `Cache-Control: max-age`
says so (minus its `Age`; `s-maxage` first, as this cache serves every caller); `no-store` and
`private` keep nothing, `no-cache` keeps it only to revalidate.
Once stale, an answer that came with an `ETag` or `Last-Modified` is revalidated with a
conditional request, and a 304 makes it fresh again without a body crossing the wire.
Entries are keyed by everything that changes the answer: the rendered URL with its query,
every header and cookie sent (so `X-Integration-Id` and the credential, hashed, are part of
it). The cache holds at most `maxEntries` answers and `maxBytes` of bodies, and forgets the
least recently used first. Only 200 answers are kept; errors never are. With a shared state
(state.py) the answers live in Redis instead, for every replica, each for its own time (Redis's
memory bound is the deployment's); a lookup Redis cannot answer is a miss.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from naftiko import state
from naftiko.consume.request import Outgoing
from naftiko.errors import UpstreamResponse
from naftiko.jsontypes import JSON
from naftiko.observe.metrics import METRICS
from naftiko.state import SharedState

DEFAULT_ENTRIES = 1000
DEFAULT_BYTES = 16 * 1024 * 1024
# a shared entry with a validator outlives its freshness by this much, to be revalidated
_REVALIDATE_FOR = 300.0


class Sender(Protocol):
    namespace: str

    def send(self, request: Outgoing) -> Awaitable[UpstreamResponse]: ...


@dataclass(frozen=True)
class CachePolicy:
    ttl: float
    max_entries: int = DEFAULT_ENTRIES
    max_bytes: int = DEFAULT_BYTES

    @classmethod
    def of(cls, *blocks: JSON) -> CachePolicy | None:
        """The policy from the operation's block over the namespace's; None when off."""
        merged: dict[str, Any] = {}
        for block in blocks:
            if isinstance(block, Mapping):
                merged.update(block)
        ttl = float(merged.get("ttl", 0) or 0)
        if ttl <= 0:
            return None
        return cls(
            ttl,
            int(merged.get("maxEntries", DEFAULT_ENTRIES)),
            int(merged.get("maxBytes", DEFAULT_BYTES)),
        )


@dataclass
class _Entry:
    response: UpstreamResponse
    expires: float
    etag: str | None
    modified: str | None


class ResponseCache:
    """The answers of one operation, bounded, least recently used forgotten first."""

    def __init__(self, policy: CachePolicy, prefix: str = "") -> None:
        self.policy = policy
        self.prefix = prefix  # of this operation's keys in the shared state
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._bytes = 0

    async def send(self, client: Sender, request: Outgoing) -> UpstreamResponse:
        shared = state.shared()
        if shared is not None:
            return await self._shared(shared, client, request)
        key = _key(request)
        entry = self._entries.get(key)
        now = time.monotonic()
        namespace = client.namespace
        if entry is not None and entry.expires > now:
            self._entries.move_to_end(key)
            METRICS.cache[(namespace, "hit")] += 1
            return replace(entry.response, fresh_for=entry.expires - now)
        if entry is not None and (entry.etag or entry.modified):
            if entry.etag:
                request.headers["If-None-Match"] = entry.etag
            if entry.modified:
                request.headers["If-Modified-Since"] = entry.modified
        response = await client.send(request)
        if response.status == 304 and entry is not None:
            METRICS.cache[(namespace, "revalidated")] += 1
            ttl = self._ttl(response.headers)
            entry.expires = time.monotonic() + (ttl or 0.0)
            self._entries.move_to_end(key)
            return replace(entry.response, fresh_for=ttl)
        METRICS.cache[(namespace, "miss")] += 1
        self._store(key, response)
        return response

    async def _shared(
        self, shared: SharedState, client: Sender, request: Outgoing
    ) -> UpstreamResponse:
        key = _key(request).hex()
        found = await shared.cache_get(self.prefix, key)
        now = time.time()
        namespace = client.namespace
        if found is not None:
            meta, body = found
            kept = _kept(meta, body)
            expires = meta.get("expires")
            left = (expires if isinstance(expires, (int, float)) else 0.0) - now
            if left > 0:
                METRICS.cache[(namespace, "hit")] += 1
                return replace(kept, fresh_for=left)
            if meta.get("etag"):
                request.headers["If-None-Match"] = str(meta["etag"])
            if meta.get("modified"):
                request.headers["If-Modified-Since"] = str(meta["modified"])
        response = await client.send(request)
        if response.status == 304 and found is not None:
            METRICS.cache[(namespace, "revalidated")] += 1
            fresh = self._ttl(response.headers) or 0.0
            meta = {**found[0], "expires": time.time() + fresh}
            await shared.cache_put(self.prefix, key, meta, found[1], fresh + _REVALIDATE_FOR)
            return replace(_kept(meta, found[1]), fresh_for=fresh)
        METRICS.cache[(namespace, "miss")] += 1
        ttl = self._ttl(response.headers) if response.status == 200 else None
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if ttl is None or (ttl == 0 and not (etag or modified)):
            return response
        if len(response.body) > self.policy.max_bytes:
            return response
        meta = {
            "expires": time.time() + ttl,
            "etag": etag,
            "modified": modified,
            "type": response.content_type,
        }
        keep = ttl + (_REVALIDATE_FOR if etag or modified else 0.0)
        await shared.cache_put(self.prefix, key, meta, response.body, keep)
        response.fresh_for = ttl
        return response

    def _store(self, key: bytes, response: UpstreamResponse) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.response.body)
        if response.status != 200 or len(response.body) > self.policy.max_bytes:
            return
        ttl = self._ttl(response.headers)
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if ttl is None or (ttl == 0 and not (etag or modified)):
            return
        response.fresh_for = ttl
        self._entries[key] = _Entry(response, time.monotonic() + ttl, etag, modified)
        self._bytes += len(response.body)
        while len(self._entries) > self.policy.max_entries or self._bytes > self.policy.max_bytes:
            _, gone = self._entries.popitem(last=False)
            self._bytes -= len(gone.response.body)

    def _ttl(self, headers: Mapping[str, str]) -> float | None:
        """Seconds an answer stays fresh; None: it must not be kept."""
        control = headers.get("Cache-Control")
        if not control:
            return self.policy.ttl
        found: dict[str, str] = {}
        for part in control.lower().split(","):
            name, _, value = part.strip().partition("=")
            found[name] = value.strip('" ')
        if "no-store" in found or "private" in found:
            return None  # this cache serves every caller: a private answer is not for it
        if "no-cache" in found:
            return 0.0
        limit = found.get("s-maxage", found.get("max-age"))  # s-maxage speaks to caches like it
        if limit is None:
            return self.policy.ttl
        try:
            age = float(headers.get("Age") or 0)
            return min(self.policy.ttl, max(0.0, float(limit) - age))
        except ValueError:
            return 0.0

    def __len__(self) -> int:
        return len(self._entries)


def _kept(meta: Mapping[str, Any], body: bytes) -> UpstreamResponse:
    """A shared entry as the answer it keeps."""
    kind = str(meta.get("type") or "")
    headers = {"Content-Type": kind} if kind else {}
    for name, field in (("ETag", "etag"), ("Last-Modified", "modified")):
        if meta.get(field):
            headers[name] = str(meta[field])
    return UpstreamResponse(200, headers, body, kind)


def _key(request: Outgoing) -> bytes:
    """A digest of what makes one answer differ from another; no secret is kept in clear."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(request.url.encode())
    for name, value in request.query:
        digest.update(b"\x00q" + name.encode() + b"=" + value.encode())
    for name, value in sorted((k.lower(), v) for k, v in request.headers.items()):
        digest.update(b"\x00h" + name.encode() + b":" + value.encode())
    for name, value in sorted(request.cookies.items()):
        digest.update(b"\x00c" + name.encode() + b"=" + value.encode())
    return digest.digest()
