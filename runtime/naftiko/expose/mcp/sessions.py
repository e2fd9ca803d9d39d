"""MCP sessions (2025-11-25 and earlier): id -> Peer, bounded, idle ones expired.

In-process by default. With a shared state (state.py) every session is also kept in Redis, so
that a request carrying a session id any replica issued is served here: the Peer is rebuilt
from its record (revision, log level). Calls in flight stay with the replica running them,
so `notifications/cancelled` reaches only calls of the replica it lands on.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict

from naftiko import state
from naftiko.expose.mcp.jsonrpc import Peer


class Sessions:
    """Session id -> Peer, least recently used first."""

    def __init__(self, idle: float, limit: int, prefix: str = "") -> None:
        self._idle = idle
        self._limit = limit
        self._prefix = prefix  # of the session keys in the shared state
        self._peers: OrderedDict[str, tuple[Peer, float]] = OrderedDict()

    async def create(self, peer: Peer) -> str:
        self._expire()
        while len(self._peers) >= self._limit:
            self._peers.popitem(last=False)
        session = secrets.token_urlsafe(32)
        shared = state.shared()
        if shared is not None:
            record = {"version": peer.version, "logLevel": peer.log_level}
            await shared.session_put(self._prefix, session, record, self._idle, self._limit)
        self._peers[session] = (peer, time.monotonic())
        return session

    async def get(self, session: str) -> Peer | None:
        shared = state.shared()
        if shared is not None:
            record = await shared.session_get(self._prefix, session, self._idle)
            if record is None:  # expired, deleted, or never issued
                self._peers.pop(session, None)
                return None
            if session not in self._peers:  # issued by another replica
                peer = Peer(version=str(record.get("version")), calls={})
                peer.log_level = str(record.get("logLevel") or peer.log_level)
                self._remember(session, peer)
        return self._touch(session)

    def here(self, session: str | None) -> Peer | None:
        """The session's peer, without a wait, when no shared state must be asked (one
        replica, the usual case); None when ``get`` must answer (which also says why)."""
        if session is None or state.shared() is not None:
            return None
        return self._touch(session)

    def _touch(self, session: str) -> Peer | None:
        """The peer of a live session here, marked as just used; an idle one expires."""
        found = self._peers.get(session)
        if found is None:
            return None
        now = time.monotonic()
        if now - found[1] > self._idle:
            del self._peers[session]
            return None
        self._peers[session] = (found[0], now)
        self._peers.move_to_end(session)
        return found[0]

    async def delete(self, session: str) -> bool:
        shared = state.shared()
        here = self._peers.pop(session, None) is not None
        if shared is not None:
            return await shared.session_delete(self._prefix, session) or here
        return here

    def _remember(self, session: str, peer: Peer) -> None:
        self._expire()
        while len(self._peers) >= self._limit:
            self._peers.popitem(last=False)
        self._peers[session] = (peer, time.monotonic())

    def _expire(self) -> None:
        now = time.monotonic()
        while self._peers:
            session, (_, used) = next(iter(self._peers.items()))
            if now - used <= self._idle:
                break
            del self._peers[session]

    def __len__(self) -> int:
        return len(self._peers)
