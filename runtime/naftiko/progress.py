"""Progress of the call in hand, told to whoever asked for it.

An adapter that can deliver progress (MCP, when a request carries a `progressToken`) sets a
reporter for the duration of the call; code deep in the call (the retry loop, waiting on a
backoff) reports without knowing who listens. Context-local, so concurrent calls never mix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Reporter = Callable[[str], Awaitable[None]]

_current: ContextVar[Reporter | None] = ContextVar("naftiko_progress", default=None)


async def report(message: str) -> None:
    """Tell the caller, if one listens, what the call is doing now."""
    reporter = _current.get()
    if reporter is not None:
        await reporter(message)


@contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    token = _current.set(reporter)
    try:
        yield
    finally:
        _current.reset(token)
