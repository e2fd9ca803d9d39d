"""HTTP Digest authentication for inbound requests (RFC 7616, `qop=auth`).

Nonces carry their own issue time and an HMAC over it with a key made at start, so that no
table of issued nonces is kept; one stays valid for five minutes (then the challenge says
`stale=true` and clients retry at once). Each (nonce, nc, cnonce) is accepted once: a bounded
record of recent ones refuses replays. SHA-256 is offered first, MD5 for older clients.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections import OrderedDict

REALM = "naftiko"
NONCE_SECONDS = 300
_SEEN_LIMIT = 10_000
_ALGORITHMS = {"SHA-256": hashlib.sha256, "MD5": hashlib.md5}
_PARAM = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


class Digest:
    """One adapter's expected user and password, its nonce key and recent uses."""

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        self._password = password
        self._key = secrets.token_bytes(32)
        self._opaque = secrets.token_hex(8)
        self._seen: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    def challenges(self, stale: bool = False) -> list[str]:
        """One WWW-Authenticate value per algorithm, each with a fresh nonce."""
        extra = ", stale=true" if stale else ""
        return [
            f'Digest realm="{REALM}", qop="auth", algorithm={name}, '
            f'nonce="{self._nonce()}", opaque="{self._opaque}"{extra}'
            for name in _ALGORITHMS
        ]

    def check(self, header: str, method: str, target: str) -> bool | None:
        """True when ``header`` answers a challenge of ours for this request; None when it
        would have but its nonce expired (send a stale challenge); False otherwise."""
        scheme, _, rest = header.partition(" ")
        if scheme.lower() != "digest" or not self._username:
            return False
        given = {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _PARAM.finditer(rest)}
        algorithm = _ALGORITHMS.get(given.get("algorithm", "MD5").upper())
        needed = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")
        if algorithm is None or any(not given.get(k) for k in needed):
            return False
        if given["qop"] != "auth" or given["realm"] != REALM or given["uri"] != target:
            return False
        if not hmac.compare_digest(given["username"].encode(), self._username.encode()):
            return False

        def h(text: str) -> str:
            return algorithm(text.encode()).hexdigest()

        ha1 = h(f"{self._username}:{REALM}:{self._password}")
        ha2 = h(f"{method}:{given['uri']}")
        parts = (given["nonce"], given["nc"], given["cnonce"], "auth", ha2)
        expected = h(":".join((ha1, *parts)))
        if not hmac.compare_digest(expected.encode(), given["response"].lower().encode()):
            return False
        fresh = self._fresh(given["nonce"])
        if fresh is None:
            return False
        if not fresh:
            return None
        use = (given["nonce"], given["nc"], given["cnonce"])
        if use in self._seen:
            return False  # a replay
        self._seen[use] = None
        while len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)
        return True

    def _nonce(self) -> str:
        stamp = str(int(time.time())).encode()
        mac = hmac.new(self._key, stamp, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(stamp + b"." + mac).decode().rstrip("=")

    def _fresh(self, nonce: str) -> bool | None:
        """True for a nonce of ours within its lifetime, False once expired, None if forged."""
        try:
            raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))
        except ValueError:
            return None
        stamp, dot, mac = raw.partition(b".")
        expected = hmac.new(self._key, stamp, hashlib.sha256).digest()[:16]
        if not dot or not stamp.isdigit() or not hmac.compare_digest(mac, expected):
            return None
        return time.time() - int(stamp) <= NONCE_SECONDS
