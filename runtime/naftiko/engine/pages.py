"""Paged upstream lists: `x-naftiko-pagination` on a consumed operation.

Four ways an API pages: a cursor the answer holds (`next`, Kombo's `data.next` taken back as
`cursor`), an offset grown by the items received, a page number grown by one, or a `Link:
<...>; rel="next"` header. By default a call answers one page, and what the caller needs to
continue is in the answer (and in the tool's description). With `follow: true` the pages are
fetched in turn until `maxPages` are in or `maxItems` reached (pages are kept whole), and
answered as one: the first page's body with its items list holding every page's items, and
its cursor set to where a caller would go on (null once the list is complete). A caller that
asked for progress hears of each page.

The operator's ceilings (`naftiko run --max-pages`, `--max-paged-items`, `--max-paged-bytes`,
`--max-paging-seconds`) bound every followed list whatever the file says: past one, the pages
in so far are answered with the cursor to go on, and the log says which ceiling cut it. A
request the list already made (a cursor or next link that repeats), or a page identical to
an earlier one (an upstream ignoring its offset), ends the list: it would only repeat.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from yarl import URL

from naftiko import jsonio
from naftiko.consume.request import Outgoing
from naftiko.consume.resilience import DEFAULT_RESILIENCE, Resilience
from naftiko.errors import UpstreamInvalid, UpstreamResponse
from naftiko.jsonpath import CompiledPath, compile_path, simple_keys
from naftiko.memory import trim_soon
from naftiko.names import norm
from naftiko.progress import report
from naftiko.template import MISSING, Params

log = logging.getLogger("naftiko.pages")

DEFAULT_PAGES = 10
DEFAULT_ITEMS = 1000
_DEFAULT_PARAM = {"cursor": "cursor", "offset": "offset", "page": "page", "link": ""}
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL_NEXT = re.compile(r"""rel\s*=\s*"?([^";]*)"?""")


class PaginationError(ValueError):
    """A pagination block that cannot work; the message says which field and why."""


@dataclass(frozen=True)
class Pagination:
    kind: str
    param: str
    items: CompiledPath | None
    item_keys: tuple[str | int, ...]
    next: CompiledPath | None
    next_keys: tuple[str | int, ...]
    follow: bool
    max_pages: int
    max_items: int
    max_bytes: int = DEFAULT_RESILIENCE.max_paged_bytes
    max_seconds: float = DEFAULT_RESILIENCE.max_paging_seconds
    # which bound is the operator's ceiling rather than the file's own: the log says so
    capped: str = ""

    @classmethod
    def of(
        cls,
        block: Mapping[str, Any],
        declared: frozenset[str],
        limits: Resilience = DEFAULT_RESILIENCE,
    ) -> Pagination:
        """Compiled from the block; ``declared`` holds the operation's parameter names;
        ``limits`` the operator's ceilings, which the block cannot raise."""
        kind = str(block.get("type", "cursor"))
        param = str(block.get("param") or _DEFAULT_PARAM.get(kind, ""))
        follow = bool(block.get("follow", False))
        items_text = block.get("items")
        next_text = block.get("next")
        if kind != "link" and norm(param) not in declared:
            raise PaginationError(
                f"param '{param}' is not an input parameter of this operation; "
                f"declare it (in: query), or name the one that carries the {kind}"
            )
        if kind == "cursor" and not next_text:
            raise PaginationError("a cursor pagination needs `next`, the JSONPath to the cursor")
        if follow and not items_text:
            raise PaginationError("`follow: true` needs `items`, the JSONPath to the list")
        item_keys = _keys(str(items_text)) if items_text else ()
        if items_text and item_keys is None:
            raise PaginationError(f"items: '{items_text}' must be a plain path like $.data.items")
        next_keys = simple_keys(str(next_text)) if next_text else ()
        pages = int(block.get("maxPages", DEFAULT_PAGES))
        items = int(block.get("maxItems", DEFAULT_ITEMS))
        if next_text and next_keys is None:
            raise PaginationError(f"next: '{next_text}' must be a plain path like $.data.next")
        return cls(
            kind=kind,
            param=param,
            items=compile_path(str(items_text)) if items_text else None,
            item_keys=item_keys or (),
            next=compile_path(str(next_text)) if next_text else None,
            next_keys=next_keys or (),
            follow=follow,
            max_pages=min(pages, limits.max_pages),
            max_items=min(items, limits.max_paged_items),
            max_bytes=limits.max_paged_bytes,
            max_seconds=limits.max_paging_seconds,
            capped=_capped(pages, items, limits),
        )

    def note(self, continuable: bool = True) -> str:
        """What a caller reads in the description to get more than this answer holds;
        ``continuable`` says whether the caller can pass the paging parameter."""
        where = _dotted(self.next_keys)
        if self.follow:
            bound = f"up to {self.max_pages} pages (or about {self.max_items} items) together"
            if self.kind == "cursor" and continuable:
                return f"Answers {bound}; when more remain, pass `{where}` as `{self.param}`."
            return f"Answers {bound}."
        if not continuable or self.kind == "link":
            return "Answers the first page."
        if self.kind == "cursor":
            return (
                f"Answers one page; for the next, pass the answer's `{where}` as "
                f"`{self.param}` (it is empty on the last page)."
            )
        if self.kind == "offset":
            return f"Answers one page; for the next, raise `{self.param}` by the items received."
        return f"Answers one page; for the next, pass `{self.param}` one higher."


Send = Callable[[Outgoing], Awaitable[UpstreamResponse]]


async def follow(
    pages: Pagination,
    scope: Params,
    build: Callable[[Params], Outgoing],
    send: Send,
    namespace: str,
) -> UpstreamResponse:
    """Every page within the bounds, answered as one JSON body."""
    started = time.monotonic()
    first_request = build(scope)
    response = await send(first_request)
    first = _decoded(response, namespace)
    assert pages.items is not None
    found = pages.items.find(first)
    items = list(found) if isinstance(found, list) else []
    data, count, position = first, 1, _start(pages, scope)
    base = URL(first_request.url, encoded=True)
    asked, bodies = {_identity(first_request)}, {hash(response.body)}
    size = len(response.body)
    while count < pages.max_pages and len(items) < pages.max_items:
        cut = _ceiling(pages, size, started)
        if cut:
            log.warning("%s: the list stopped after %d pages: %s", namespace, count, cut)
            break
        page_items = pages.items.find(data)
        request = _next_request(pages, scope, build, data, response, page_items, position, base)
        if request is None:
            break
        if _identity(request) in asked:
            log.warning("%s: page %d repeats an earlier request; the list ends", namespace, count)
            data = None  # nothing left to follow: the cursor answered is null
            break
        asked.add(_identity(request))
        position = _advance(pages, position, page_items)
        await report(f"page {count + 1} of {namespace}: {len(items)} items so far")
        response = await send(request)
        if hash(response.body) in bodies:
            log.warning("%s: page %d repeats an earlier page; the list ends", namespace, count + 1)
            data = None
            break
        bodies.add(hash(response.body))
        size += len(response.body)
        data = _decoded(response, namespace)
        more = pages.items.find(data)
        if not isinstance(more, list):
            break
        items.extend(more)
        count += 1
    more_left = data is not None and not _exhausted(pages, data, response)
    if more_left and pages.capped and (count >= pages.max_pages or len(items) >= pages.max_items):
        log.warning("%s: the list stopped after %d pages: %s", namespace, count, pages.capped)
    # pages are kept whole, so that the cursor left is exactly where the next one starts
    combined = _with(first, pages.item_keys, items)
    if pages.next_keys and pages.next is not None:
        remaining = pages.next.find(data) if more_left else None
        combined = _with(combined, pages.next_keys, remaining)
    body = jsonio.dumps(combined)
    del first, data, items, combined
    if size >= _TRIM_ABOVE:
        trim_soon()
    return UpstreamResponse(
        response.status, {"Content-Type": "application/json"}, body, "application/json"
    )


def _capped(pages: int, items: int, limits: Resilience) -> str:
    """The ceilings below what the block asks, in words."""
    found = []
    if pages > limits.max_pages:
        found.append(f"the ceiling is {limits.max_pages} pages (--max-pages)")
    if items > limits.max_paged_items:
        found.append(f"the ceiling is {limits.max_paged_items} items (--max-paged-items)")
    return "; ".join(found)


_TRIM_ABOVE = 1024 * 1024


def _ceiling(pages: Pagination, size: int, started: float) -> str:
    """Which of the operator's ceilings the list has reached, in words; empty if none."""
    if size >= pages.max_bytes:
        return f"{size} bytes in, the ceiling is {pages.max_bytes} (--max-paged-bytes)"
    if time.monotonic() - started >= pages.max_seconds:
        return f"{pages.max_seconds:g} s spent, the ceiling (--max-paging-seconds)"
    return ""


def _identity(request: Outgoing) -> tuple[str, tuple[tuple[str, str], ...], bytes | None]:
    body = request.body if isinstance(request.body, bytes) else None
    return request.url, tuple(request.query), body


def _start(pages: Pagination, scope: Params) -> int:
    given = scope.get(pages.param) if pages.param else MISSING
    if pages.kind in ("offset", "page") and isinstance(given, (str, int, float)) and given != "":
        try:
            return int(given)
        except (ValueError, OverflowError):  # not a number, or not a finite one
            pass
    return 0 if pages.kind == "offset" else 1


def _advance(pages: Pagination, position: int, page_items: Any) -> int:
    if pages.kind == "offset":
        return position + (len(page_items) if isinstance(page_items, list) else 0)
    return position + 1


def _next_request(
    pages: Pagination,
    scope: Params,
    build: Callable[[Params], Outgoing],
    data: Any,
    response: UpstreamResponse,
    page_items: Any,
    position: int,
    base: URL,
) -> Outgoing | None:
    """The request for the page after ``data``, or None when that was the last."""
    if pages.kind == "link":
        target = _next_link(response.headers.get("Link", ""))
        if target is None:
            return None
        url = base.join(URL(target, encoded=True))
        if url.origin() != base.origin():
            return None  # a next page elsewhere would take the credentials along
        request = build(scope)
        named = {name for name, _ in url.query.items()}
        request.query = [(k, v) for k, v in request.query if k not in named]
        request.url = str(url)
        return request
    if not isinstance(page_items, list) or not page_items:
        return None
    if pages.kind == "cursor":
        assert pages.next is not None
        cursor = pages.next.find(data)
        if cursor in (None, "", [], {}):
            return None
        return build(_Paged(scope, pages.param, cursor))
    step = _advance(pages, position, page_items)
    return build(_Paged(scope, pages.param, step))


def _exhausted(pages: Pagination, data: Any, response: UpstreamResponse) -> bool:
    if pages.kind == "cursor":
        assert pages.next is not None
        return pages.next.find(data) in (None, "", [], {})
    if pages.kind == "link":
        return _next_link(response.headers.get("Link", "")) is None
    assert pages.items is not None
    found = pages.items.find(data)
    return not (isinstance(found, list) and found)


def _next_link(header: str) -> str | None:
    for target, params in _LINK.findall(header):
        for rel in _REL_NEXT.findall(params):
            if "next" in rel.lower().split():
                return str(target)
    return None


def _decoded(response: UpstreamResponse, namespace: str) -> Any:
    try:
        return jsonio.loads(response.body) if response.body else None
    except ValueError:
        raise UpstreamInvalid(
            f"upstream '{namespace}' answered a page that is not JSON", response
        ) from None


def _with(root: Any, keys: tuple[str | int, ...], value: Any) -> Any:
    """``root`` with the value at ``keys`` replaced, copying only the dicts on the way."""
    if not keys:
        return value
    head, rest = keys[0], keys[1:]
    if isinstance(root, dict) and isinstance(head, str):
        return {**root, head: _with(root.get(head), rest, value)}
    if isinstance(root, list) and isinstance(head, int) and head < len(root):
        copy = list(root)
        copy[head] = _with(root[head], rest, value)
        return copy
    return root


def _keys(text: str) -> tuple[str | int, ...] | None:
    """A plain path's keys; the root (`$`) has none."""
    return () if text.strip() in ("$", "$.") else simple_keys(text)


def _dotted(keys: tuple[str | int, ...]) -> str:
    return ".".join(str(k) for k in keys) or "next"


class _Paged:
    """The call's scope with the paging parameter set to the next page's value."""

    __slots__ = ("_name", "_scope", "_value")

    def __init__(self, scope: Params, name: str, value: Any) -> None:
        self._scope = scope
        self._name = norm(name)
        self._value = value

    def get(self, name: str) -> Any:
        return self._value if norm(name) == self._name else self._scope.get(name)

    def lookup(self, name: str) -> Any:
        return self._value if norm(name) == self._name else self._scope.lookup(name)
