"""The Python sandbox holds: every escape attempt ends the run with a clear error, and the
worker stays usable (or is replaced) for the next run."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from naftiko.scripting import python

# (name, source, what the error says)
ESCAPES: list[tuple[str, str, str]] = [
    ("read /etc/passwd", "result = open('/etc/passwd').read()", "name 'open' is not defined"),
    ("import os", "import os\nresult = os.getcwd()", "import of 'os' is not allowed"),
    ("os.system", "import os\nos.system('id')", "import of 'os' is not allowed"),
    ("subprocess", "import subprocess\nsubprocess.run(['id'])", "import of 'subprocess'"),
    ("socket", "import socket\nsocket.socket()", "import of 'socket' is not allowed"),
    ("ctypes", "import ctypes\nctypes.CDLL(None)", "import of 'ctypes' is not allowed"),
    ("importlib", "import importlib\nimportlib.import_module('os')", "import of 'importlib'"),
    ("sys.modules", "import sys\nresult = list(sys.modules)", "import of 'sys' is not allowed"),
    ("builtins", "import builtins\nbuiltins.open", "\"builtins\" is a reserved name"),
    ("__import__", "m = __import__('os')", "starts with \"_\""),
    ("subclass walk", "x = ().__class__.__bases__[0].__subclasses__()", "starts with \"_\""),
    ("getattr to a dunder", "x = getattr((), '__class__')", "starts with \"_\""),
    ("__builtins__ tampering", "__builtins__['open'] = None", "starts with \"_\""),
    ("__globals__ of a function", "def f():\n    pass\nx = f.__globals__", "starts with \"_\""),
    ("generator frame", "g = (i for i in [1])\nx = g.gi_frame", "gi_frame"),
    ("frame via getattr", "g = (i for i in [1])\nx = getattr(g, 'gi_frame')", "gi_frame"),
    ("format-string attribute", "x = '{0.__class__}'.format(1)", "format"),
    ("format_map", "x = '{a}'.format_map({'a': 1})", "format"),
    ("a module reached through an allowed one", "import statistics\nx = statistics.sys",
     "has no attribute 'sys'"),
    ("relative import", "from . import sandbox", "not allowed"),
    ("exec", "exec('import os')", "Exec calls are not allowed"),
    ("eval", "x = eval('1')", "Eval calls are not allowed"),
    ("compile", "x = compile('1', 'x', 'eval')", "name 'compile' is not defined"),
    ("globals()", "x = globals()", "name 'globals' is not defined"),
    ("vars()", "x = vars()", "name 'vars' is not defined"),
    ("type()", "x = type(1)", "name 'type' is not defined"),
    ("an infinite loop", "while True:\n    pass", "statement limit"),
    ("a loop that swallows the limit", "while True:\n    try:\n        pass\n    except:\n"
     "        pass", "statement limit"),
    ("a memory bomb", "x = [0] * (10 ** 10)", "memory limit"),
    ("a huge string", "x = 'a' * (10 ** 10)", "memory limit"),
    ("recursion", "def f(n):\n    return f(n + 1)\nresult = f(0)", "recursion"),
    ("a result that is not JSON", "result = lambda: 1", "cannot be serialised"),
    ("a result that is NaN", "result = float('nan')", "cannot be serialised"),
    ("a result too deep", "x = []\ny = x\nfor i in range(500):\n    z = []\n    y.append(z)\n"
     "    y = z\nresult = x", "cannot be serialised"),
]  # fmt: skip
FINE = ("fine", "import math, json, re, datetime, statistics\nresult = math.floor(2.5)")


@pytest.fixture(scope="module")
def sandbox(on_loop) -> Iterator[Any]:
    scripts = [[(f"s{i}.py", source)] for i, (_, source, _) in enumerate(ESCAPES)]
    scripts.append([("fine.py", FINE[1])])
    pool = python.Pool(scripts)

    def run(number: int, statements: int = 10_000, timeout: float = 5.0) -> Any:
        return on_loop(pool.run(number, {}, statements, timeout))

    yield run
    on_loop(pool.close())


def test_there_are_at_least_25_escape_attempts() -> None:
    assert len(ESCAPES) >= 25


@pytest.mark.parametrize(
    ("number", "expected"),
    [(i, e) for i, (_, _, e) in enumerate(ESCAPES)],
    ids=[name for name, _, _ in ESCAPES],
)
def test_the_attempt_is_refused_with_a_clear_error(sandbox, number: int, expected: str) -> None:
    with pytest.raises(python.WorkerFailed) as refused:
        sandbox(number)
    assert expected in str(refused.value)
    assert "Traceback" not in str(refused.value)
    # and the next script runs as if nothing happened
    assert sandbox(len(ESCAPES)) == (True, 2)


def test_a_run_past_its_time_is_stopped(sandbox) -> None:
    with pytest.raises(python.WorkerFailed) as refused:
        sandbox(26, statements=10**9, timeout=0.3)
    assert refused.value.kind == "timeout"
    assert "timeout limit (300 ms)" in str(refused.value)


def test_the_worker_sees_no_environment(monkeypatch) -> None:
    monkeypatch.setenv("SANDBOX_SECRET_PROBE", "s3cr3t")

    async def probe() -> Any:
        worker = await python._start()
        try:
            answer = await python._ask(
                worker,
                {"script": 0, "context": {}, "statements": 100, "timeout": 5,
                 "files": [["env.py", "import os"]]},
                10,
            )  # fmt: skip
            return answer
        finally:
            await python._stop(worker)

    answer = asyncio.run(probe())
    assert "not allowed" in answer["error"]


# (name, source, what the caller gets): results read as `json.dumps` would write them
RESULTS: list[tuple[str, str, Any]] = [
    ("a map with nulls", "result = {'a': None, 'b': [1, None]}", {"a": None, "b": [1, None]}),
    ("keys that are numbers", "result = {1: 'one', 2.5: 'x'}", {"1": "one", "2.5": "x"}),
    ("an integer past 64 bits", "result = 2 ** 70", 2**70),
    ("a tuple", "result = (1, 'two')", [1, "two"]),
    ("a string past the basic plane", "result = 'caf\\u00e9 \\U0001f600'", "caf\u00e9 \U0001f600"),
    ("an int flag", "import re\nresult = {'flag': re.IGNORECASE}", {"flag": 2}),
]  # fmt: skip
REFUSED: list[tuple[str, str]] = [
    ("a date", "import datetime\nresult = datetime.date(2026, 1, 2)"),
    ("infinity beside a null", "result = [None, float('inf')]"),
    ("a lone surrogate", "result = 'a\\ud800'"),
]


@pytest.fixture(scope="module")
def results(on_loop) -> Iterator[Any]:
    sources = [source for _, source, _ in RESULTS] + [source for _, source in REFUSED]
    pool = python.Pool([[(f"r{i}.py", source)] for i, source in enumerate(sources)])
    yield lambda number: on_loop(pool.run(number, {}, 10_000, 5.0))
    on_loop(pool.close())


@pytest.mark.parametrize(
    ("number", "expected"),
    [(i, e) for i, (_, _, e) in enumerate(RESULTS)],
    ids=[name for name, _, _ in RESULTS],
)
def test_a_result_reads_as_the_standard_library_writes_it(results, number, expected) -> None:
    assert results(number) == (True, expected)


@pytest.mark.parametrize("number", range(len(REFUSED)), ids=[name for name, _ in REFUSED])
def test_a_result_json_cannot_carry_is_refused(results, number: int) -> None:
    with pytest.raises(python.WorkerFailed) as refused:
        results(len(RESULTS) + number)
    assert refused.value.kind == "result"
    assert "result cannot be serialised as JSON" in str(refused.value)


def test_a_run_deaf_to_its_time_limit_is_killed_by_the_parent(on_loop) -> None:
    # one long C call: the interval timer's signal waits for it to return, the parent not
    deaf = "x = sum(range(10 ** 13))"
    pool = python.Pool([[("deaf.py", deaf)], [("fine.py", FINE[1])]])
    try:
        with pytest.raises(python.WorkerFailed) as refused:
            on_loop(pool.run(0, {}, 10**9, 0.2))  # past 0.2 s and the grace: killed
        assert refused.value.kind == "timeout"
        assert on_loop(pool.run(1, {}, 10_000, 5.0))[0] is True  # a new worker took its place
    finally:
        on_loop(pool.close())


def test_a_run_waiting_for_a_worker_that_is_killed_gets_a_new_one(on_loop) -> None:
    pool = python.Pool([[("loop.py", "while True:\n    pass")], [("fine.py", FINE[1])]], size=1)

    async def both() -> tuple[object, object]:
        stopped = asyncio.ensure_future(pool.run(0, {}, 10**9, 0.3))  # takes the one worker
        await asyncio.sleep(0.05)
        waiting = asyncio.ensure_future(pool.run(1, {}, 10_000, 5.0))  # waits for it
        found = await asyncio.gather(stopped, asyncio.wait_for(waiting, 15), return_exceptions=True)
        return found[0], found[1]

    try:
        stopped, waited = on_loop(both())
        assert isinstance(stopped, python.WorkerFailed) and stopped.kind == "timeout"
        assert waited == (True, 2)
    finally:
        on_loop(pool.close())


def _workers() -> set[int]:
    """The sandbox workers this process started, as the system lists them."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"naftiko.scripting.sandbox" in command:
            found.add(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list workers")
def test_runs_their_callers_stopped_leave_their_worker_serving(on_loop) -> None:
    slow = "n = 0\nwhile n < 300000:\n    n += 1"  # about a quarter of a second
    pool = python.Pool([[("slow.py", slow)], [("fine.py", FINE[1])]], size=1)

    async def stop_runs(times: int) -> object:
        for _ in range(times):
            running = asyncio.ensure_future(pool.run(0, {}, 10**9, 5.0))
            await asyncio.sleep(0.05)
            running.cancel()
            with pytest.raises(asyncio.CancelledError):
                await running
        return await pool.run(1, {}, 10_000, 5.0)  # once the last stopped run has ended

    try:
        assert on_loop(pool.run(1, {}, 10_000, 5.0)) == (True, 2)
        serving = _workers()  # this pool's one, and those of other pools in this process
        assert on_loop(stop_runs(3)) == (True, 2)
        assert _workers() == serving  # the same worker: none killed, none started
    finally:
        on_loop(pool.close())


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list workers")
def test_closing_stops_a_worker_still_finishing_a_stopped_run(on_loop) -> None:
    slow = "n = 0\nwhile n < 3000000:\n    n += 1"  # seconds
    before = _workers()
    pool = python.Pool([[("slow.py", slow)]], size=1)

    async def stop_then_close() -> None:
        running = asyncio.ensure_future(pool.run(0, {}, 10**9, 30.0))
        await asyncio.sleep(0.3)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        await pool.close()

    on_loop(stop_then_close())
    assert _workers() == before  # none left running
