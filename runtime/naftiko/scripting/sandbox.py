"""The Python worker: `python -m naftiko.scripting.sandbox`, one per pool slot.

Why a script cannot get out, in layers:

1. RestrictedPython compiles every file: no name or attribute starting with `_`, no
   `exec`/`eval`, and attribute reads go through a guard that also refuses the frame,
   code and generator internals (`gi_frame`, `f_globals`, `tb_frame`...) and `str.format`.
2. The builtins are a small safe set: no `open`, `getattr` on private names, `type`,
   `vars`, `globals`, `compile`, `__import__` beyond the allow-list. `import` reaches only
   math, statistics, json, re and datetime, each as a copy of its public functions and
   constants (never a module object, so `statistics.sys` does not exist).
3. The process is apart: started with an empty environment (no secret to read), it sets
   its own limits before any script runs: no new file descriptor (so no file or socket),
   no file written, no child process, a ceiling on memory. A stuck run is killed by the
   parent, which starts a new worker.

The limits of one run: statements (lines executed in the script's own files, counted by a
trace function), wall-clock time (an interval timer, and the parent's kill past it), memory
(RLIMIT_AS), recursion depth. A run's `result` must be JSON: it is sent back as JSON.

Messages are length-prefixed JSON on stdin and stdout.
"""

from __future__ import annotations

import builtins
import datetime
import json
import math
import operator
import re
import resource
import signal
import statistics
import struct
import sys
import types
from collections.abc import Callable
from typing import Any, BinaryIO

import orjson
from RestrictedPython.compile import compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    raise_,  # safer_getattr's "no default" marker
    safe_builtins,
    safer_getattr,
)

from naftiko.scripting import RESULT_LIMIT

ALLOWED = {"math": math, "statistics": statistics, "json": json, "re": re, "datetime": datetime}
RECURSION = 200
_FRAME = struct.Struct(">I")


class Stopped(BaseException):
    """A limit ended the run; ``kind`` names it. Not an Exception, so that a script's
    `except Exception` does not swallow it (a bare `except` meets the parent's kill)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _public(module: types.ModuleType) -> types.SimpleNamespace:
    """The module's public functions, classes and constants; no module is reachable."""
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    kept = {
        name: getattr(module, name)
        for name in names
        if hasattr(module, name) and not isinstance(getattr(module, name), types.ModuleType)
    }
    return types.SimpleNamespace(**kept)


_MODULES = {name: _public(module) for name, module in ALLOWED.items()}


def _import(
    name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
) -> Any:
    if level or name not in _MODULES:
        allowed = ", ".join(ALLOWED)
        raise ImportError(f"import of '{name}' is not allowed (allowed: {allowed})")
    return _MODULES[name]


_NONE = object()


def _getattr(target: Any, name: str, default: Any = _NONE) -> Any:
    if isinstance(target, types.ModuleType):
        raise AttributeError("modules are not reachable from a script")
    fallback = raise_ if default is _NONE else default
    found = safer_getattr(target, name, fallback)  # type: ignore[no-untyped-call]
    if isinstance(found, (types.ModuleType, types.FrameType, types.CodeType, types.TracebackType)):
        raise AttributeError(f'"{name}" is not reachable from a script')
    return found


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "<<=": operator.ilshift, ">>=": operator.irshift, "&=": operator.iand,
    "|=": operator.ior, "^=": operator.ixor,
}  # fmt: skip


def _inplace(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


def _print(*args: Any, **kwargs: Any) -> None:
    """Scripts may print; nothing is shown."""


_BUILTINS: dict[str, Any] = {
    **safe_builtins,
    "__import__": _import,
    "getattr": _getattr,
    "print": _print,
    **{
        name: getattr(builtins, name)
        for name in (
            "all", "any", "dict", "enumerate", "filter", "frozenset", "iter", "list", "map",
            "max", "min", "next", "reversed", "set", "sorted", "sum", "tuple", "zip",
        )
    },
}  # fmt: skip
for _unsafe in ("setattr", "delattr", "id", "hash", "issubclass"):
    _BUILTINS.pop(_unsafe, None)


def compile_files(files: list[tuple[str, str]]) -> list[Any] | str:
    """Code objects in order, or the first refusal (file and line)."""
    codes = []
    for name, text in files:
        compiled = compile_restricted_exec(text, filename=name)
        if compiled.errors:
            return f"{name}: {compiled.errors[0]}"
        codes.append(compiled.code)
    return codes


def _globals(context: Any) -> dict[str, Any]:
    return {
        "__builtins__": _BUILTINS,
        "__name__": "script",
        "__metaclass__": type,
        "_getattr_": _getattr,
        "_getitem_": operator.getitem,
        "_getiter_": iter,
        "_write_": full_write_guard,
        "_inplacevar_": _inplace,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "context": context,
    }


_LIMIT = [0.0]  # the running script's time limit, in seconds


def _alarm(signum: int, frame: types.FrameType | None) -> None:
    raise Stopped("timeout", f"exceeded the timeout limit ({int(_LIMIT[0] * 1000)} ms)")


def run(
    codes: list[Any], names: frozenset[str], context: Any, statements: int, timeout: float
) -> dict[str, Any]:
    """One run in fresh globals; what the parent is told."""
    counted = 0

    def line(frame: types.FrameType, event: str, arg: Any) -> Any:
        nonlocal counted
        if event == "line":
            counted += 1
            if counted > statements:
                raise Stopped("statements", f"exceeded the statement limit ({statements})")
        return line

    def call(frame: types.FrameType, event: str, arg: Any) -> Any:
        return line if frame.f_code.co_filename in names else None

    scope = _globals(context)
    _LIMIT[0] = timeout  # what the alarm (installed once, in main) says
    signal.setitimer(signal.ITIMER_REAL, timeout)
    sys.settrace(call)
    try:
        for code in codes:
            exec(code, scope)  # restricted code, restricted globals
    except Stopped as exc:
        return {"error": str(exc), "kind": exc.kind}
    except MemoryError:
        return {"error": "exceeded the memory limit", "kind": "memory"}
    except RecursionError:
        return {"error": "failed: maximum recursion depth exceeded", "kind": "failed"}
    except SyntaxError as exc:
        return {"error": f"failed: {exc.msg}", "kind": "failed"}
    except Exception as exc:  # the script's own error: its type, message and line
        return {
            "error": f"failed: {type(exc).__name__}: {exc}{_line(exc, names)}",
            "kind": "failed",
        }
    finally:
        sys.settrace(None)
        signal.setitimer(signal.ITIMER_REAL, 0)
    if "result" not in scope or scope["result"] is None:
        return {"ok": True}
    try:
        text = _serialised(scope["result"])
    except (TypeError, ValueError) as exc:
        return {"error": f"result cannot be serialised as JSON: {exc}", "kind": "result"}
    except RecursionError:
        return {"error": "result cannot be serialised as JSON: nested too deeply", "kind": "result"}
    if len(text) > RESULT_LIMIT:
        return {"error": f"result is larger than {RESULT_LIMIT} bytes as JSON", "kind": "result"}
    return {"ok": True, "result": orjson.Fragment(text)}  # sent as it is, parsed once


# what orjson would write in its own way is left to the standard library: dates, subclasses
# (an int flag, say) and dataclasses pass through to its refusal
_AS_STANDARD = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
_AS_STANDARD |= orjson.OPT_PASSTHROUGH_DATACLASS


def _serialised(value: Any) -> bytes:
    """``value`` as JSON, as `json.dumps(allow_nan=False)` decides, written by orjson when
    it can (about ten times faster). orjson writes NaN and infinities as null, so a text
    with a null in it is written again by the standard library, which refuses them."""
    try:
        text = orjson.dumps(value, option=_AS_STANDARD)
    except TypeError:  # beyond 64-bit integers, keys that are not strings, deep nesting
        text = b"null"
    if b"null" in text:
        text = json.dumps(value, allow_nan=False).encode()
        try:
            orjson.loads(text)
        except orjson.JSONDecodeError:
            raise ValueError("a string holds a lone surrogate") from None
    return text


def _line(exc: BaseException, names: frozenset[str]) -> str:
    """(file:line) of the deepest frame in the script's own files."""
    found = ""
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename in names:
            found = f" ({trace.tb_frame.f_code.co_filename}:{trace.tb_lineno})"
        trace = trace.tb_next
    return found


def _limit(memory: int) -> None:
    """What this process may do from now on, whatever runs in it."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))  # stdin, stdout, stderr: no new one
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    sys.setrecursionlimit(RECURSION)


def _read(stream: BinaryIO) -> Any:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    return orjson.loads(stream.read(_FRAME.unpack(head)[0]))


def _write(stream: BinaryIO, message: dict[str, Any]) -> None:
    data = orjson.dumps(message)
    stream.write(_FRAME.pack(len(data)) + data)
    stream.flush()


def main() -> None:
    incoming, outgoing = sys.stdin.buffer, sys.stdout.buffer
    hello = _read(incoming)
    _limit(int(hello.get("memory", 0)))
    scripts: dict[int, tuple[list[Any], frozenset[str]]] = {}
    signal.signal(signal.SIGALRM, _alarm)  # once: installing it costs more than a run
    _write(outgoing, {"ready": True})
    while (message := _read(incoming)) is not None:
        number = message["script"]
        if "files" in message:
            files = [(str(n), str(t)) for n, t in message["files"]]
            codes = compile_files(files)
            if isinstance(codes, str):
                _write(outgoing, {"error": codes, "kind": "failed"})
                continue
            scripts[number] = (codes, frozenset(n for n, _ in files))
        codes, names = scripts[number]
        _write(
            outgoing,
            run(codes, names, message["context"], message["statements"], message["timeout"]),
        )


if __name__ == "__main__":
    main()
