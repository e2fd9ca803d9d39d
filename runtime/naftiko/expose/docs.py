"""`/docs` on a REST adapter: Swagger UI for the adapter's own `/openapi.json`.

Swagger UI 5 (the first to read OpenAPI 3.1, which `/openapi.json` is) comes from the
swagger-ui-py package's files, so the page needs no network beyond the adapter. A
capability that declares a resource under `/docs` keeps it, and has no page; `--no-docs`
turns the page off everywhere. The adapter asks this module only about paths no route
matched, so the page costs the capability's own routes nothing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from aiohttp import web
from aiohttp.web_request import BaseRequest

from naftiko.expose.pages import HERE, Files
from naftiko.spec.model import Adapter

PATH = "/docs"
# the Swagger UI files the page loads (its BaseLayout needs no standalone preset)
_BUNDLED = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")


def _bundled() -> Path:
    """swagger-ui-py's copy of Swagger UI, found without importing the package (which
    brings template engines this page does not use)."""
    found = importlib.util.find_spec("swagger_ui")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: pip install swagger-ui-py")
    return Path(next(iter(found.submodule_search_locations))) / "static"


def shadowed(adapter: Adapter) -> bool:
    """Whether the capability serves something of its own under /docs."""
    return any(r.path == PATH or r.path.startswith(PATH + "/") for r in adapter.resources)


class Docs:
    """The page and the files it loads, shared by every REST adapter of the process."""

    def __init__(self) -> None:
        bundle = _bundled()
        self.page = Files({"docs": HERE / "docs.html", "docs.js": HERE / "docs.js"})
        self.files = Files({name: bundle / name for name in _BUNDLED}, max_age=86400)

    async def answer(self, raw_path: str, request: BaseRequest) -> web.Response | None:
        """The page or one of its files for a GET or HEAD of /docs...; None for any other."""
        if not raw_path.startswith(PATH) or request.method not in ("GET", "HEAD"):
            return None
        rest = raw_path[len(PATH) :]
        if rest == "":
            return await self.page.answer("docs", request)
        if rest == "/":  # the page's relative links need /docs, not /docs/
            return web.Response(status=308, headers={"Location": "../docs"})
        if rest[0] != "/":
            return None  # /docsomething: not ours
        name = rest[1:]
        if name == "docs.js":
            return await self.page.answer(name, request)
        if name in self.files:
            return await self.files.answer(name, request)
        return None


DOCS = Docs()
