"""Pages for people: files shipped in packages, served as a browser expects them.

Each file is read and gzipped once, in a thread on its first request, then kept: a capability whose
pages nobody opens reads nothing. Every answer carries a Content-Security-Policy that lets a
page load only what its own origin serves, so a page works offline and runs no other script.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from aiohttp.web_request import BaseRequest

from naftiko.expose.problem import problem

HERE = Path(__file__).parent / "assets"

# scripts only from this origin; Swagger UI sets style attributes and draws icons as data:
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'"
)
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}
_SQUEEZED = frozenset({".html", ".js", ".css"})


@dataclass(frozen=True)
class _Body:
    plain: bytes
    squeezed: bytes | None  # gzip, for a text file that shrinks


@dataclass
class Files:
    """Served files by name: only these, whatever the path asks (no traversal to guard)."""

    paths: Mapping[str, Path]
    max_age: int = 0  # seconds a browser may keep a file without asking again
    _read: dict[str, _Body] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.paths

    async def answer(self, name: str, request: BaseRequest) -> web.Response:
        """The file `name` (one of `paths`), gzipped when the browser takes gzip (aiohttp
        sends no body to a HEAD)."""
        path = self.paths.get(name)
        if path is None:
            return problem(404, "Not Found", f"no page file {name!r}")
        body = self._read.get(name)
        if body is None:
            body = await asyncio.to_thread(self._load, name, path)
        headers = {
            "Content-Type": _TYPES.get(path.suffix, "application/octet-stream"),
            "Content-Security-Policy": POLICY,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": f"public, max-age={self.max_age}" if self.max_age else "no-cache",
            "Vary": "Accept-Encoding",
        }
        payload = body.plain
        if body.squeezed is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            payload = body.squeezed
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=payload, headers=headers)

    def _load(self, name: str, path: Path) -> _Body:
        plain = path.read_bytes()
        squeezed = gzip.compress(plain, 6, mtime=0) if path.suffix in _SQUEEZED else None
        found = _Body(plain, squeezed if squeezed and len(squeezed) < len(plain) else None)
        self._read[name] = found
        return found
