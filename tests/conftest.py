"""Shared fixtures: the corpus beside the project (when present) and real upstream servers.

Upstreams are aiohttp applications on 127.0.0.1, port 0, run on a background thread so that
both async tests and CLI subprocesses can call them.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
# third-party capability files, kept outside the repository; NAFTIKO_CORPUS points elsewhere
CORPUS = Path(os.environ.get("NAFTIKO_CORPUS") or ROOT.parent / "shared" / "corpus")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# the Kombo files ship with the project, so a plain clone tests them too
KOMBO = ROOT / "capabilities" / "kombo"


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus of third-party capability files at {CORPUS} (NAFTIKO_CORPUS=DIR)")
    return CORPUS


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    query_string: str = ""


@dataclass
class Upstream:
    """A running upstream: its base URL and every request it has received."""

    url: str
    requests: list[Seen] = field(default_factory=list)

    @property
    def last(self) -> Seen:
        return self.requests[-1]


class _ServerThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runners: list[web.AppRunner] = []

    def start(self, app: web.Application, tls: Any = None) -> str:
        async def boot() -> str:
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
            await site.start()
            self.runners.append(runner)
            sockets = site._server.sockets  # type: ignore[union-attr]
            scheme = "https" if tls is not None else "http"
            return f"{scheme}://127.0.0.1:{sockets[0].getsockname()[1]}"

        return asyncio.run_coroutine_threadsafe(boot(), self.loop).result(10)

    def stop(self) -> None:
        async def shutdown() -> None:
            for runner in self.runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[web.Request], Any]], Upstream]]:
    """Start an upstream whose every request goes to ``handler`` (recorded first)."""
    server = _ServerThread()

    def start(handler: Callable[[web.Request], Any]) -> Upstream:
        upstream = Upstream(url="")

        async def record(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            upstream.requests.append(
                Seen(
                    request.method,
                    request.raw_path.split("?")[0],
                    dict(request.query),
                    dict(request.headers),
                    body,
                    request.query_string,
                )
            )
            result = handler(request)
            if asyncio.iscoroutine(result):
                result = await result
            return result  # type: ignore[no-any-return]

        app = web.Application()
        app.router.add_route("*", r"/{tail:[\s\S]*}", record)  # newlines too
        upstream.url = server.start(app)
        return upstream

    yield start
    server.stop()


def naftiko_command() -> list[str]:
    """The installed console script (what users run), or the module beside this interpreter."""
    script = shutil.which("naftiko", path=str(Path(sys.executable).parent)) or shutil.which(
        "naftiko"
    )
    return [script] if script else [sys.executable, "-m", "naftiko"]


def naftiko_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the `naftiko` command to completion, capturing its text."""
    return subprocess.run(
        [*naftiko_command(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or clean_env(),
        cwd=cwd,
        check=False,
    )


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAFTIKO_")}
    env.update(extra)
    return env


_LISTENING = re.compile(r"adapter '([^']+)' listening on (http://\S+)")


@dataclass
class Running:
    """A `naftiko run` process: adapter URLs by namespace, and what it logged."""

    process: subprocess.Popen[bytes]
    log_path: Path
    urls: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)


def start_naftiko(args: list[str], log_path: Path, env: dict[str, str] | None = None) -> Running:
    """Start `naftiko run ARGS` and wait (bounded) until it logs that it is ready."""
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            [*naftiko_command(), "run", *args],
            stdout=subprocess.DEVNULL,
            stderr=sink,
            env=env or clean_env(),
        )
    running = Running(process, log_path, {})
    deadline = time.monotonic() + 20
    ready = "workers ready" if any(a.startswith("--workers") for a in args) else "ready:"
    while time.monotonic() < deadline:
        text = running.log()
        if ready in text:
            running.urls = dict(_LISTENING.findall(text))
            return running
        if process.poll() is not None:
            raise AssertionError(f"naftiko run exited {process.returncode}:\n{text}")
        time.sleep(0.05)
    running.stop()
    raise AssertionError(f"naftiko run did not become ready:\n{running.log()}")


@pytest.fixture
def naftiko_run(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """Start `naftiko run` processes; each is stopped (SIGTERM) at the end of the test."""
    started: list[Running] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Running:
        running = start_naftiko(list(args), tmp_path / f"naftiko-{len(started)}.log", env)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def serve_capability() -> Iterator[Callable[..., dict[str, str]]]:
    """Serve capability files in this process (real sockets, a background loop)."""
    from naftiko.serve.assembly import ServeOptions, prepare
    from naftiko.serve.server import Service

    server = _ServerThread()
    services: list[Service] = []

    def start(*files: str | Path, **options: Any) -> dict[str, str]:
        service = prepare([str(f) for f in files], ServeOptions(**options))

        async def boot() -> dict[str, str]:
            await service.start()
            return service.urls

        urls = asyncio.run_coroutine_threadsafe(boot(), server.loop).result(10)
        services.append(service)
        return urls

    yield start
    for service in services:
        asyncio.run_coroutine_threadsafe(service.stop(), server.loop).result(30)
    server.stop()


def raw_request(url: str, request_line: str, headers: str = "") -> bytes:
    """Send one request exactly as written (what httpx would refuse to send)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(
            f"{request_line}\r\nHost: {host}:{port}\r\n{headers}Connection: close\r\n\r\n".encode(
                "latin-1"
            )
        )
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def naftiko_mock() -> Iterator[Callable[[Path], str]]:
    """Start `naftiko mock SPEC` processes; the URL of each once it listens."""
    started: list[subprocess.Popen[str]] = []

    def start(spec: Path) -> str:
        process = subprocess.Popen(
            [*naftiko_command(), "mock", str(spec)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=clean_env(),
        )
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.match(r"listening (\d+)", line)
        assert match, f"naftiko mock did not start: {line!r}"
        return f"http://127.0.0.1:{match.group(1)}"

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stdout is not None:
            process.stdout.close()


class RedisServer:
    """A real redis-server on a free loopback port, which a test may stop and start again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of its own for the test (skipped where the Debian package is absent)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def on_loop() -> Iterator[Callable[[Coroutine[Any, Any, Any]], Any]]:
    """Run a coroutine on the module's loop and wait for its result (bounded)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(work: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(work, loop).result(60)

    yield run
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


SHOP_TOKEN = "shop-upstream-secret-9d2e"


@pytest.fixture
def shop(serve: Any, serve_capability: Any, monkeypatch: Any) -> tuple[str, Upstream]:
    """fixtures/shop.yaml served in this process, in front of an echoing upstream: the REST
    adapter's URL and the upstream (modules that need another shop define their own)."""
    from upstreams import echo

    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", SHOP_TOKEN)
    upstream = serve(echo)
    urls = serve_capability(FIXTURES / "shop.yaml", base_uris={"echo": upstream.url})
    return urls["shop"], upstream
