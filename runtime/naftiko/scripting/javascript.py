"""JavaScript steps in V8, through mini-racer: a real isolate with no host objects.

An isolate takes about 15 ms to make, so each process keeps a few (`POOL`) and runs every
script in one of them as a fresh function: the step's files are its body, `context` its one
argument. What a run could leave for the next is taken away:

- the builtins (everything reachable from the global object, and the generator, async and
  iterator prototypes) are frozen when the isolate is made, so no run changes them;
- `result` is an accessor on the global object whose value is emptied when a run ends;
  other globals a run creates are deleted; one it made undeletable, or a run that was
  stopped (timeout, memory), retires the isolate and a new one is made;
- mini-racer's timers (`setTimeout`), `WebAssembly`, `SharedArrayBuffer` and `Atomics` are
  removed; V8 itself offers no IO, network, process or environment.

Isolates are made on one thread and never freed: this V8 takes the process down when
isolates are made from several threads, or one that served is freed. A spoiled one (a run
stopped, or a global it could not take back) is cleaned and kept when it can be, else put
aside, its heap collected.

A run calls its script's entry function with the context's JSON text (a string value, not
source: nothing is compiled per run). It goes to V8 through `v8call` (mini-racer's C entry
points, not its per-call Python wrappers) when the installed mini-racer has what that needs,
else through `eval_cancelable` with the text as a literal.

V8 enforces the limits: a run past its time is terminated, and an isolate past its heap
limit (`MEMORY_LIMIT`) is stopped. V8 counts no statements, so the statement limit does not
apply to JavaScript: a loop that never ends meets the time limit instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ctypes
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from naftiko import jsonio
from naftiko.scripting import RESULT_LIMIT, v8call
from naftiko.scripting.prelude import HEAD, RUNNER, SETUP
from naftiko.scripting.slots import Slots

if TYPE_CHECKING:
    from py_mini_racer import MiniRacer

MEMORY_LIMIT = 128 * 1024 * 1024  # bytes of V8 heap per isolate
POOL = 2  # isolates per process: scripts that run at once
_AT_LINE = re.compile(r"<anonymous>:(\d+)")


@dataclass(frozen=True)
class Source:
    """A script's files in evaluation order (dependencies, then the file), as one body."""

    files: tuple[tuple[str, str], ...]  # (name, text)
    body: str = field(init=False)
    starts: tuple[int, ...] = field(init=False)  # the body line each file starts at

    def __post_init__(self) -> None:
        starts, lines = [], 0
        for _, text in self.files:
            starts.append(lines + 1)
            lines += text.count("\n") + 1
        object.__setattr__(self, "body", "\n".join(text for _, text in self.files))
        object.__setattr__(self, "starts", tuple(starts))

    def where(self, message: str) -> str:
        """``message`` with V8's line in the runner turned into the file and line it is in."""
        found = _AT_LINE.search(message)
        if found is None:
            return message
        line = int(found[1]) - HEAD
        if not 1 <= line <= self.starts[-1] + self.files[-1][1].count("\n"):
            return _AT_LINE.sub("script", message, 1)  # the runner's own line: not the files'
        for index in range(len(self.starts) - 1, -1, -1):
            if line >= self.starts[index]:
                name = self.files[index][0]
                return _AT_LINE.sub(f"{name}:{line - self.starts[index] + 1}", message, 1)
        return message


def first_line(message: str) -> str:
    """The first line of a V8 error (the rest repeats the source and a stack)."""
    lines = [line for line in message.splitlines() if line.strip()]
    for line in lines:
        if "Error" in line:
            return line.strip()
    return lines[0].strip() if lines else message


class _V8:
    """Where isolates are made: one thread for the whole process, each isolate bound to the
    loop it answers (the serving loop, or this module's own for load-time checks) and never
    freed. (This V8 takes the process down when isolates are made from several threads, or
    when one that served is freed.)"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._maker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="naftiko-v8")
        self._checker: MiniRacer | None = None
        self.kept: list[contextlib.ExitStack] = []

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop load-time checks answer to, on a thread of its own."""
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                name = "naftiko-v8-check"
                threading.Thread(target=loop.run_forever, name=name, daemon=True).start()
                self._loop = loop
            return self._loop

    def _make(self, loop: asyncio.AbstractEventLoop) -> MiniRacer:
        """On the maker thread: an isolate bound to ``loop`` (which must be running)."""
        from py_mini_racer import mini_racer

        stack = contextlib.ExitStack()
        racer = stack.enter_context(mini_racer(loop))
        racer.set_hard_memory_limit(MEMORY_LIMIT)
        _keep_thread_state(racer)
        self.kept.append(stack)
        # never freed, not even at exit: the interpreter's teardown would free it
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(stack))
        return racer

    async def make(self) -> MiniRacer:
        """An isolate bound to the running loop, made on the maker thread (~15 ms)."""
        loop = asyncio.get_running_loop()
        return await asyncio.wrap_future(self._maker.submit(self._make, loop))

    def check(self, sources: Sequence[Source]) -> list[str | None]:
        """Why each of ``sources`` does not compile (None: it does); from any thread but
        the check loop's."""
        if not sources:
            return []
        return asyncio.run_coroutine_threadsafe(self._check(sources), self.loop).result(120)

    async def _check(self, sources: Sequence[Source]) -> list[str | None]:
        from py_mini_racer import JSEvalException

        if self._checker is None:
            self._checker = await self.make()
        found: list[str | None] = []
        for source in sources:
            try:
                await self._checker.eval_cancelable(f"(function (context) {{\n{source.body}\n}});")
                found.append(None)
            except JSEvalException as exc:
                found.append(first_line(source.where(_shift(str(exc), HEAD - 1))))
        return found


V8 = _V8()

PINNED: set[int] = set()  # the V8 threads that keep their Python thread state


def _pin_thread_state() -> None:
    """On a V8 thread: keep the Python thread state that the running callback made.

    V8 answers through a ctypes callback on its own thread, and ctypes makes a thread state
    for each call from a thread Python did not start and frees it after, its frame stack
    with it: an mmap and an munmap per run, and the munmap stops every CPU to flush its
    TLB (about 60 us of CPU a run here). One more `PyGILState_Ensure`, never released,
    keeps the state for the life of the thread, which is the life of the process (the
    isolates are never freed).
    """
    thread = threading.get_ident()
    if thread not in PINNED:
        ctypes.pythonapi.PyGILState_Ensure()
        PINNED.add(thread)


def _keep_thread_state(racer: MiniRacer) -> None:
    """Pin the thread state of ``racer``'s V8 thread at its first callback (mini-racer
    calls one method of its context for each; nothing else changes). A mini-racer that
    no longer has that method runs as before, only slower (PINNED stays empty, which
    tests/scripting tells)."""
    context = getattr(racer, "_ctx", None)
    answer = getattr(context, "handle_callback_from_v8", None)
    if context is None or answer is None:
        return

    def pinned(callback_id: int, raw: Any) -> None:
        _pin_thread_state()
        answer(callback_id, raw)

    object.__setattr__(context, "handle_callback_from_v8", pinned)  # a frozen dataclass


def check(sources: Sequence[Source]) -> list[str | None]:
    """Why each of ``sources`` does not compile (None: it does)."""
    return V8.check(sources)


def _shift(message: str, by: int) -> str:
    """Line numbers of a check (one wrapper line) as a run's (the runner's head)."""
    return _AT_LINE.sub(lambda m: f"<anonymous>:{int(m[1]) + by}", message, 1)


class Isolate:
    """One V8 isolate with every script of a capability defined in it before any ran (so
    that what a run adds is told from what was there)."""

    def __init__(
        self, racer: MiniRacer, entries: Sequence[object], argv: object, direct: bool = True
    ) -> None:
        self.racer = racer
        self.caller = v8call.Caller.of(racer) if direct else None
        self._kept = (entries, argv)  # the JavaScript objects behind the handles below
        if self.caller is not None:
            self._entries = [self.caller.handle(entry) for entry in entries]
            self._argv = self.caller.handle(argv)

    async def run(self, number: int, context: bytes, timeout: float) -> object:
        """What script ``number``'s entry answers for ``context`` (JSON text), within
        ``timeout``: bytes for a string when called directly."""
        if self.caller is not None:
            return await self.caller.call(self._entries[number], self._argv, context, timeout)
        text = orjson.dumps(context.decode()).decode()
        async with asyncio.timeout(timeout):
            return await self.racer.eval_cancelable(f"__naftiko_run_{number}.call({text})")


class Pool:
    """The isolates of one capability in one process; a run waits for a free one. Script
    ``n`` is ``scripts[n]``. ``direct=False`` runs them through mini-racer's own calls
    (as when the installed one lacks what `v8call` needs)."""

    def __init__(self, scripts: Sequence[Source], size: int = POOL, direct: bool = True) -> None:
        self._scripts = tuple(scripts)
        self._slots = Slots(size, lambda: _make_isolate(self._scripts, direct), _put_aside)

    async def take(self) -> Isolate:
        return await self._slots.take()

    def source(self, number: int) -> Source:
        return self._scripts[number]

    def give(self, isolate: Isolate) -> None:
        self._slots.give(isolate)

    def retire(self, isolate: Isolate) -> None:
        """Put a spoiled isolate aside, its heap collected; a run makes one in its place."""
        self._slots.drop()
        _collect(isolate.racer)

    def reclaim(self, isolate: Isolate) -> None:
        """After a run its caller stopped (V8 was told to end it): the isolate is cleaned
        in the background, then lent again, or retired when it cannot be. (Isolates are
        never freed: retiring one on every stopped run would let callers that give up
        early make isolates, and their threads, without end.)"""
        self._slots.settle(isolate, lambda: _reclaim(isolate.racer))

    async def close(self) -> None:
        """The isolates are put aside (never freed), their heaps collected."""
        await self._slots.close()


async def _put_aside(isolate: Isolate) -> None:
    _collect(isolate.racer)


def _collect(racer: MiniRacer) -> None:
    with contextlib.suppress(Exception):
        racer.low_memory_notification()


async def _make_isolate(scripts: Sequence[Source], direct: bool) -> Isolate:
    """An isolate bound to this loop (made on the maker thread, ~15 ms), every script
    defined in it, then hardened."""
    racer = await V8.make()
    for number, source in enumerate(scripts):
        await racer.eval_cancelable(RUNNER.format(n=number, body=source.body))
    await racer.eval_cancelable(SETUP)
    entries = [await racer.eval_cancelable(f"__naftiko_run_{n}") for n in range(len(scripts))]
    return Isolate(racer, entries, await racer.eval_cancelable("Object.freeze([])"), direct)


async def run(pool: Pool, number: int, context: bytes, timeout: float) -> tuple[bool, object]:
    """Run script ``number``: (True, result) or (False, None) when it sets none. Raises
    TimeoutError, MemoryError, or JSEvalException with the file and line named."""
    from py_mini_racer import JSEvalException, JSOOMException

    isolate = await pool.take()
    racer = isolate.racer
    healthy: bool | None = False  # None: handed to the pool to clean
    try:
        try:
            text = await isolate.run(number, context, timeout)
        except asyncio.CancelledError:
            healthy = None
            pool.reclaim(isolate)
            raise
        except TimeoutError:
            healthy = await _reclaim(racer)
            raise
        except JSOOMException:
            raise MemoryError from None
        except JSEvalException as exc:
            if racer.was_hard_memory_limit_reached():
                raise MemoryError from None
            healthy = await _reclaim(racer)
            raise JSEvalException(pool.source(number).where(str(exc))) from None
        answer = text if isinstance(text, bytes) else str(text).encode()
        if len(answer) > RESULT_LIMIT:  # the isolate retires: what the run left is not known
            raise JSEvalException(f"result is larger than {RESULT_LIMIT} bytes as JSON")
        try:
            found = jsonio.loads(answer)
        except ValueError as exc:  # the isolate retires: what the run left is not known
            raise JSEvalException(f"result cannot be serialised as JSON: {exc}") from None
        if not isinstance(found, list) or not found:  # the runner answers [tainted, ...]
            raise JSEvalException(f"the run answered {str(found)[:80]!r}, not its result")
        tainted, *value = found
        healthy = not tainted
        return (True, value[0]) if value else (False, None)
    finally:
        if healthy:
            pool.give(isolate)
        elif healthy is False:
            pool.retire(isolate)


async def _reclaim(racer: MiniRacer) -> bool:
    """After a run that stopped short: whether the isolate is clean again."""
    try:
        async with asyncio.timeout(1.0):
            spoiled = await racer.eval_cancelable("__naftiko_clean()")
    except Exception:
        return False
    return spoiled is False


def sources(files: Sequence[tuple[str, str]]) -> Source:
    return Source(tuple(files))
