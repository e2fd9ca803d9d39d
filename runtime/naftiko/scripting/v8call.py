"""A script run handed to V8 and answered without mini-racer's per-call wrappers.

mini-racer's calls wrap each value they make or receive in a handle object with a
finalizer, register their callback through a context manager, hop back to the loop through
a second dispatch and convert the answer through a type table (and a function call builds
its argument array with a round trip to V8's thread per argument); the caller adds an
`asyncio.timeout`. A run here is one call of a script's entry function with one string (the
context's JSON text) as its receiver, answered by one string (JSON text), so it goes to the
library's C entry points (`mr_alloc_string_val`, `mr_call_function`, `mr_cancel_task`,
`mr_free_value`) and the answer comes back as bytes, its time limit a timer on the loop.

It is set up per isolate when the installed mini-racer has those pieces; without them
(`Caller.of` gives None) runs go through `eval_cancelable` as before. Answers for other
calls (definitions, the clean-up after a stopped run) go to mini-racer's own dispatch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from naftiko.deadlines import expire

if TYPE_CHECKING:
    from py_mini_racer import MiniRacer

STRING = 5  # mini-racer's tag for a UTF-8 string value (mini_racer.cc)
_ENTRY_POINTS = ("mr_alloc_string_val", "mr_call_function", "mr_cancel_task", "mr_free_value")
_CONVERTERS = ("_value_handle_to_python", "_wrap_raw_handle", "_python_to_value_handle")


class Caller:
    """Runs code in one isolate and answers on the isolate's loop."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._dll = context._dll
        self._handle = context._ctx
        self._ids = context._next_async_callback_id
        self._loop: asyncio.AbstractEventLoop = context.event_loop
        self._waiting: dict[int, Callable[[Any], None]] = {}
        self._others = context.handle_callback_from_v8
        object.__setattr__(context, "handle_callback_from_v8", self._answered)  # frozen

    @classmethod
    def of(cls, racer: MiniRacer) -> Caller | None:
        """A caller for ``racer``, or None when this mini-racer lacks a piece it needs."""
        context = getattr(racer, "_ctx", None)
        dll = getattr(context, "_dll", None)
        needs = ("_ctx", "_next_async_callback_id", "event_loop", "handle_callback_from_v8")
        if context is None or dll is None or not all(hasattr(context, n) for n in needs):
            return None
        if not all(hasattr(dll, name) for name in _ENTRY_POINTS):
            return None
        if not all(callable(getattr(context, n, None)) for n in _CONVERTERS):
            return None
        return cls(context)

    def _answered(self, callback_id: int, raw: Any) -> None:
        """On the V8 thread: an answer to one of ours goes to the loop as it is."""
        settle = self._waiting.get(callback_id)
        if settle is None:
            self._others(callback_id, raw)
        else:
            self._loop.call_soon_threadsafe(settle, raw)

    def handle(self, found: object) -> Any:
        """The handle of ``found``, a JavaScript object this isolate gave (kept alive by it)."""
        return self._context._python_to_value_handle(found).raw

    async def call(self, function: Any, argv: Any, this: bytes, timeout: float) -> object:
        """What ``function`` (a handle) answers, called with the string ``this`` (UTF-8) as
        its receiver and the array ``argv`` (a handle) as its arguments: bytes for a string,
        else mini-racer's conversion (which raises its JSEvalException family for an error).
        TimeoutError past ``timeout`` seconds, the run then terminated."""
        dll, handle = self._dll, self._handle
        value = dll.mr_alloc_string_val(handle, this, len(this), STRING)
        number = next(self._ids)
        answer: asyncio.Future[Any] = self._loop.create_future()

        def settle(raw: Any) -> None:
            if answer.done():
                dll.mr_free_value(handle, raw)  # the wait ended first
            else:
                answer.set_result(raw)

        self._waiting[number] = settle
        task = dll.mr_call_function(handle, function, value, argv, number)
        timer = self._loop.call_later(timeout, expire, answer)
        try:
            raw = await answer
        finally:
            timer.cancel()
            del self._waiting[number]
            dll.mr_cancel_task(handle, task)  # ignored when it ended
            dll.mr_free_value(handle, value)
        found = raw.contents
        if found.type == STRING:
            try:
                return found.value.bytes_val[: found.len]
            finally:
                dll.mr_free_value(handle, raw)
        return self._context._value_handle_to_python(self._context._wrap_raw_handle(raw))
