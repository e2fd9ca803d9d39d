"""The JavaScript sandbox holds: no host object, IO, network, timer or environment; limits
end a run; and nothing one run does is seen by the next."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from py_mini_racer import JSEvalException

from naftiko.scripting import javascript

# (name, source, what the error says)
ESCAPES: list[tuple[str, str, str]] = [
    ("require", "result = require('fs').readFileSync('/etc/passwd')", "require is not defined"),
    ("process", "result = process.env", "process is not defined"),
    ("fetch", "fetch('http://127.0.0.1:9')", "fetch is not defined"),
    ("XMLHttpRequest", "new XMLHttpRequest()", "XMLHttpRequest is not defined"),
    ("a timer", "setTimeout(() => 1, 1)", "setTimeout is not a function"),
    ("GraalVM's Java", "Java.type('java.lang.Runtime')", "Java is not defined"),
    ("the Function constructor to the host", "result = Function('return process')()",
     "process is not defined"),
    ("WebAssembly", "new WebAssembly.Module(new Uint8Array([0]))", "WebAssembly is not defined"),
    ("Atomics.wait", "Atomics.wait(new Int32Array(4), 0, 0, 1000)", "Atomics is not defined"),
    ("recursion", "function f() { return f(); } f();", "Maximum call stack size exceeded"),
    ("a BigInt result", "result = 10n", "cannot be serialised"),
    ("a cyclic result", "var a = {}; a.a = a; result = a", "circular"),
    ("a function result", "result = function () {}", "cannot be serialised"),
    ("a lone surrogate in the result", "result = {name: 'a\\ud800'}", "lone surrogate"),
    ("a result too large", "result = 'x'.repeat(17 * 1024 * 1024)", "larger than 16777216 bytes"),
    ("a result nested past reading", "var r = []; for (var i = 0; i < 5000; i++) r = [r];"
     " result = r", "nested too deeply"),
]  # fmt: skip
FIXED = [
    ("loop", "while (true) {}"),
    ("bomb", "var kept = []; while (true) kept.push(new Array(1e6).fill(1));"),
    ("huge", "var s = 'a'; while (true) s = s + s;"),
    ("pollute", "Array.prototype.evil = 1; Object.prototype.evil = 2; leaked = 3;"
     "globalThis.also = 4; JSON.parse = null;"),
    ("sticky", "Object.defineProperty(globalThis, 'sticky', {value: 5});"),
    ("look", "result = [typeof [].evil, typeof ({}).evil, typeof leaked, typeof also,"
     " typeof JSON.parse, typeof sticky]"),
    ("context", "result = {got: context.a, sum: context.list.reduce((x, y) => x + y, 0)}"),
    ("nothing", "var x = 1;"),
    ("forge", "const forged = function () { return '[false, \"forged\"]'; };"
     "for (const name of Object.getOwnPropertyNames(globalThis)) {"
     "  if (!name.startsWith('__naftiko_run_')) continue;"
     "  try { globalThis[name] = forged; } catch (e) {}"
     "  try { Object.defineProperty(globalThis, name, { value: forged }); } catch (e) {}"
     "  try { globalThis[name].call = forged; } catch (e) {}"
     "}"
     "try { JSON.parse = function () { return { a: 'forged', list: [] }; }; } catch (e) {}"
     "try { Function.prototype.call = forged; } catch (e) {}"
     "result = context.a"),
    ("fresh", "result = typeof result === 'undefined' ? 'fresh' : 'stale'"),
    ("strict", "'use strict'; result = 5;"),
    ("declared", "let result = 'mine';"),
    ("throws", "result = 1; throw new Error('no');"),
    ("tag", "const d = Object.getOwnPropertyDescriptor(globalThis, 'result');"
     "d.get.tag = 1; d.set.tag = 2; Object.getPrototypeOf(d.get).tag = 3;"
     "__naftiko_clean.tag = 4;"),
    ("tagged", "const d = Object.getOwnPropertyDescriptor(globalThis, 'result');"
     "result = [typeof d.get.tag, typeof d.set.tag, typeof Object.getPrototypeOf(d.get).tag,"
     " typeof __naftiko_clean.tag]"),
]  # fmt: skip
NUMBER = {name: len(ESCAPES) + i for i, (name, _) in enumerate(FIXED)}


@pytest.fixture(scope="module", params=["direct", "through mini-racer"])
def v8(on_loop, request) -> Iterator[Any]:
    """Each run, as it goes to V8 directly and as it goes through mini-racer's own calls."""
    sources = [javascript.sources([(f"s{i}.js", s)]) for i, (_, s, _) in enumerate(ESCAPES)]
    sources += [javascript.sources([(f"{name}.js", s)]) for name, s in FIXED]
    pool = javascript.Pool(sources, size=1, direct=request.param == "direct")

    def run(number: int, context: str = "{}", timeout: float = 5.0) -> Any:
        return on_loop(javascript.run(pool, number, context.encode(), timeout))

    run.pool = pool  # type: ignore[attr-defined]
    yield run
    on_loop(pool.close())


@pytest.mark.parametrize(
    ("number", "expected"),
    [(i, e) for i, (_, _, e) in enumerate(ESCAPES)],
    ids=[name for name, _, _ in ESCAPES],
)
def test_the_attempt_is_refused_with_a_clear_error(v8, number: int, expected: str) -> None:
    with pytest.raises((JSEvalException, TypeError)) as refused:
        v8(number)
    assert expected in javascript.first_line(str(refused.value))


def test_an_endless_loop_meets_the_time_limit(v8) -> None:
    with pytest.raises(TimeoutError):
        v8(NUMBER["loop"], timeout=0.3)
    assert v8(NUMBER["nothing"]) == (False, None)  # a new isolate took its place


def test_a_run_cancelled_by_its_caller_is_stopped_in_v8(v8, on_loop) -> None:
    async def cancel_while_looping() -> object:
        isolate = await v8.pool.take()
        try:
            running = asyncio.ensure_future(isolate.run(NUMBER["loop"], b"{}", 30.0))
            await asyncio.sleep(0.2)
            running.cancel()
            with pytest.raises(asyncio.CancelledError):
                await running
            # the loop was terminated: the isolate answers again
            return await asyncio.wait_for(isolate.run(NUMBER["nothing"], b"{}", 30.0), 5)
        finally:
            v8.pool.retire(isolate)

    assert on_loop(cancel_while_looping()) in ("[false]", b"[false]")
    assert v8(NUMBER["nothing"]) == (False, None)


def test_a_memory_bomb_meets_the_heap_limit(v8) -> None:
    with pytest.raises(MemoryError):
        v8(NUMBER["bomb"], timeout=30)
    assert v8(NUMBER["nothing"]) == (False, None)


def test_a_huge_string_is_refused(v8) -> None:
    with pytest.raises((JSEvalException, MemoryError)) as refused:
        v8(NUMBER["huge"], timeout=30)
    if isinstance(refused.value, JSEvalException):
        assert "Invalid string length" in str(refused.value)


def test_no_run_sees_what_another_changed(v8) -> None:
    v8(NUMBER["pollute"])
    v8(NUMBER["sticky"])  # an undeletable global: its isolate retires
    assert v8(NUMBER["look"]) == (
        True,
        ["undefined", "undefined", "undefined", "undefined", "function", "undefined"],
    )


def test_the_script_reads_its_context(v8) -> None:
    assert v8(NUMBER["context"], '{"a": "x", "list": [1, 2, 3]}') == (True, {"got": "x", "sum": 6})


def test_a_script_that_sets_no_result_stores_nothing(v8) -> None:
    assert v8(NUMBER["nothing"]) == (False, None)


def test_each_run_starts_with_no_result(v8) -> None:
    assert v8(NUMBER["fresh"]) == (True, "fresh")
    with pytest.raises(JSEvalException):
        v8(NUMBER["throws"])  # a result set before a throw is not kept either
    assert v8(NUMBER["fresh"]) == (True, "fresh")


def test_no_run_marks_the_functions_every_run_shares(v8) -> None:
    v8(NUMBER["tag"])
    assert v8(NUMBER["tagged"]) == (True, ["undefined"] * 4)


@pytest.mark.parametrize(("name", "expected"), [("strict", 5), ("declared", "mine")])
def test_result_is_read_however_the_script_sets_it(v8, name: str, expected: object) -> None:
    assert v8(NUMBER[name]) == (True, expected)


def test_no_run_changes_how_the_next_reads_its_context(v8) -> None:
    assert v8(NUMBER["forge"], '{"a": "mine"}') == (True, "mine")  # its own, nothing else
    assert v8(NUMBER["context"], '{"a": "next", "list": [1]}') == (True, {"got": "next", "sum": 1})


def test_a_large_context_reaches_the_script_whole(v8) -> None:
    big = "\U0001f600" * (1024 * 1024)  # 4 MiB of UTF-8, 2 Mi UTF-16 units
    assert v8(NUMBER["context"], f'{{"a": "{big}", "list": [2]}}') == (True, {"got": big, "sum": 2})
    assert v8(NUMBER["context"], '{"a": "small", "list": [3]}') == (
        True,
        {"got": "small", "sum": 3},
    )


def test_the_context_reaches_the_script_as_written(v8) -> None:
    text = '{"a": "caf\u00e9 \u2028 \\"quoted\\" \\u0000 \U0001f600", "list": []}'
    assert v8(NUMBER["context"], text) == (
        True,
        {"got": 'caf\u00e9 \u2028 "quoted" \u0000 \U0001f600', "sum": 0},
    )


def test_v8_threads_keep_their_python_thread_state(v8) -> None:
    for _ in range(5):
        v8(NUMBER["nothing"])
    # each V8 thread that answered made its thread state once, at its first answer, and
    # keeps it: not one per answer (an mmap and a TLB-flushing munmap each)
    assert javascript.PINNED
    assert threading.get_ident() not in javascript.PINNED


def test_runs_go_to_v8_directly_with_the_mini_racer_installed(on_loop) -> None:
    pool = javascript.Pool([javascript.sources([("s.js", "result = context.n + 1")])], size=1)
    isolate = on_loop(pool.take())
    try:
        # when this fails, mini-racer changed what v8call reaches into: runs still work,
        # through eval_cancelable, but a trivial script step costs 30-60 us more
        assert isolate.caller is not None
        pool.give(isolate)
        assert on_loop(javascript.run(pool, 0, b'{"n": 1}', 5.0)) == (True, 2)
    finally:
        on_loop(pool.close())


def test_a_syntax_error_is_found_at_load_with_its_file_and_line() -> None:
    lib = ("lib.js", "// helpers\nfunction ok() {}\n")
    (found,) = javascript.check([javascript.sources([lib, ("main.js", "var x = 1;\nvar = ;\n")])])
    assert found is not None and found.startswith("main.js:2: SyntaxError")


def test_a_module_import_is_refused_at_load() -> None:
    (found,) = javascript.check([javascript.sources([("main.js", "import fs from 'fs';\n")])])
    assert found is not None and "SyntaxError" in found and "import" in found


def test_a_run_waiting_for_an_isolate_that_is_retired_gets_a_new_one(on_loop) -> None:
    sticky = "Object.defineProperty(globalThis, 'kept', {value: 1}); var n = 0;"
    sticky += " while (n < 1e8) n++;"  # long enough for the next run to wait
    scripts = [javascript.sources([("sticky.js", sticky)])]
    scripts += [javascript.sources([("fine.js", "result = 2")])]
    pool = javascript.Pool(scripts, size=1)

    async def both() -> object:
        spoiling = asyncio.ensure_future(javascript.run(pool, 0, b"{}", 30.0))
        await asyncio.sleep(0.05)
        waiting = asyncio.ensure_future(javascript.run(pool, 1, b"{}", 30.0))
        await spoiling  # its isolate keeps a global it cannot take back: retired
        return await asyncio.wait_for(waiting, 15)

    try:
        assert on_loop(both()) == (True, 2)
    finally:
        on_loop(pool.close())


def test_runs_their_callers_stopped_give_their_isolate_back_once_clean(v8, on_loop) -> None:
    async def stop_runs(times: int) -> object:
        for _ in range(times):
            running = asyncio.ensure_future(javascript.run(v8.pool, NUMBER["loop"], b"{}", 30.0))
            await asyncio.sleep(0.05)
            running.cancel()
            with pytest.raises(asyncio.CancelledError):
                await running
        return await javascript.run(v8.pool, NUMBER["nothing"], b"{}", 5.0)

    v8(NUMBER["nothing"])  # the pool's isolate is made
    made = len(javascript.V8.kept)
    assert on_loop(stop_runs(5)) == (False, None)
    assert len(javascript.V8.kept) == made  # the same isolate served after each stop
