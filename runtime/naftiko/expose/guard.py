"""The DNS-rebinding and cross-site guard every adapter on a loopback address applies.

A page in the operator's browser can make it send requests to 127.0.0.1 under a name its
attacker controls (DNS rebinding), or from another site (a cross-site form or fetch): the
`Host` or `Origin` then names a host that is not local. Such requests get 403 before any
route runs, so an upstream is never called with the operator's credentials on their behalf.
Names given with `--allowed-host` (a proxy in front) are admitted too, and so are the origins
a REST adapter's CORS lists (`--cors-origin`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from aiohttp import web

from naftiko.expose.problem import problem

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class HostGuard:
    def __init__(self, bind: str, allowed: Iterable[str] = (), origins: Iterable[str] = ()) -> None:
        extra = {name.lower() for name in allowed}
        self.active = bool(extra) or bind in LOOPBACK
        self._allowed = extra | LOOPBACK
        self._hosts: dict[str, bool] = {}  # Host values seen, judged once (bounded)
        # origins a REST adapter's CORS lists: a page there may call it on purpose
        listed = {o.strip().rstrip("/").lower() for o in origins}
        self._any_origin = "*" in listed
        self._origins = frozenset(listed - {"*"})

    def allows(self, headers: Mapping[str, str]) -> bool:
        """Whether `Host` and `Origin` (when present) both name an admitted host."""
        if not self.active:
            return True
        host = headers.get("Host", "")
        if host:
            known = self._hosts.get(host)
            if known is None:
                known = _hostname(host) in self._allowed
                if len(self._hosts) < 256:
                    self._hosts[host] = known
            if not known:
                return False
        origin = headers.get("Origin")
        if origin and (self._any_origin or origin.rstrip("/").lower() in self._origins):
            return True
        if origin:
            name = (urlsplit(origin).hostname or "").lower()
            if name not in self._allowed and f"[{name}]" not in self._allowed:
                return False
        return True


def forbidden() -> web.Response:
    return problem(
        403,
        "Forbidden",
        "the Host or Origin of this request is not local",
        hint="serving behind a proxy or under a name? admit it with --allowed-host NAME",
    )


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
