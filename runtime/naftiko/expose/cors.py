"""CORS for REST adapters: off unless origins are listed (`--cors-origin`).

A listed origin (`https://app.example`, exact; `*` for any) gets
`Access-Control-Allow-Origin` on every answer and its preflight answered (the path's own
methods, the headers it asked for, cached ten minutes), before authentication as the CORS
protocol requires. An origin not listed gets no CORS headers, so browsers keep refusing it;
on a loopback address the Host/Origin guard admits the listed origins too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from aiohttp import web

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_EXPOSED = "Retry-After, Location, Content-Disposition"


class Cors:
    def __init__(self, origins: Iterable[str] = ()) -> None:
        listed = {o.strip().rstrip("/") for o in origins if o.strip()}
        self.any = "*" in listed
        self.origins = frozenset(o.lower() for o in listed - {"*"})
        self.enabled = self.any or bool(self.origins)

    def admits(self, origin: str | None) -> bool:
        if not self.enabled or not origin:
            return False
        return self.any or origin.rstrip("/").lower() in self.origins

    def preflight(self, headers: Mapping[str, str], allow: str) -> web.Response | None:
        """The answer to a preflight from an admitted origin; None when it is not one."""
        origin = headers.get("Origin")
        if not headers.get("Access-Control-Request-Method") or not self.admits(origin):
            return None
        asked = headers.get("Access-Control-Request-Headers", "")
        wanted = [h.strip() for h in asked.split(",") if _TOKEN.fullmatch(h.strip())]
        found = {
            "Access-Control-Allow-Origin": "*" if self.any else str(origin),
            "Access-Control-Allow-Methods": allow,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }
        if wanted:
            found["Access-Control-Allow-Headers"] = ", ".join(wanted[:32])
        return web.Response(status=204, headers=found)

    def decorate(self, response: web.StreamResponse, origin: str | None) -> None:
        """CORS headers on an answer to an admitted origin."""
        if not self.admits(origin) or response.prepared:
            return
        response.headers["Access-Control-Allow-Origin"] = "*" if self.any else str(origin)
        response.headers["Access-Control-Expose-Headers"] = _EXPOSED
        if not self.any:
            response.headers.add("Vary", "Origin")
