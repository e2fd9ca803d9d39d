"""Every command README.md shows works as written, so the README cannot drift from the code.

Each ```sh block runs in order, as a reader would type it, in a sandbox holding copies of
`examples/`, `capabilities/` and `schemas/` (HOME is the sandbox too). `naftiko run` and
`naftiko mock` start in the background ("in another terminal") and keep serving until the
next one starts; `curl URL  # {json}` checks the answer against the JSON in its comment.
Only setup lines that this very run already stands on are skipped, each for a stated reason.
```text blocks are synopses: each command they name must exist.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from conftest import ROOT, clean_env, naftiko_cli, naftiko_command

README = ROOT / "README.md"
SKIPPED = {
    "docker run --rm -p 16686": "a tracing backend; tests/observe/test_tracing.py receives spans",
    "python3 -m venv": "the tests run inside a virtual environment already",
    ". .venv/bin/activate": "the tests run inside a virtual environment already",
    "pip install": "the package under test is installed already",
    "python -m pytest": "this is that run",
    "docker ": "tests/deploy/test_image.py builds and runs the image (podman)",
}
SERVERS = {"run": "ready:", "mock": "listening"}


@dataclass
class Line:
    number: int
    command: str
    comment: str


def blocks(language: str) -> list[list[Line]]:
    """The fenced blocks of ``language``, continuation lines joined, comments split off."""
    found: list[list[Line]] = []
    current: list[Line] | None = None
    pending = ""
    start = 0
    for number, text in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if current is None:
            if text.strip() == f"```{language}":
                current = []
            continue
        if text.strip() == "```":
            found.append(current)
            current = None
            continue
        if not pending:
            start = number
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        command, comment = split_comment(pending + text)
        pending = ""
        if command:
            current.append(Line(start, command, comment))
    return found


def split_comment(text: str) -> tuple[str, str]:
    """`command   # comment`, a `#` inside quotes being part of the command."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1].isspace()):
            return text[:index].strip(), text[index + 1 :].strip()
    return text.strip(), ""


class Reader:
    """Types README's commands into a sandbox, one after another."""

    def __init__(self, sandbox: Path) -> None:
        self.sandbox = sandbox
        bin_dir = str(Path(naftiko_command()[0]).parent)
        self.env = clean_env(HOME=str(sandbox), XDG_CONFIG_HOME=str(sandbox / ".config"))
        self.env["PATH"] = bin_dir + os.pathsep + self.env.get("PATH", "")
        self.server: subprocess.Popen[bytes] | None = None
        self.skipped: list[str] = []
        self.ran: list[str] = []

    def type(self, line: Line) -> None:
        for part in (p.strip() for p in line.command.split(" && ")):
            self.one(line, part)

    def one(self, line: Line, command: str) -> None:
        where = f"README.md:{line.number}: {command}"
        for prefix, reason in SKIPPED.items():
            if command.startswith(prefix):
                self.skipped.append(f"{where} ({reason})")
                return
        self.ran.append(command)
        words = shlex.split(command)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            self.env[name] = value
            return
        extra = {}
        while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
            name, _, value = words.pop(0).partition("=")
            extra[name] = value
        if words[0] == "curl":
            self.curl(where, words, line.comment)
        elif words[0] == "naftiko" and words[1] in SERVERS:
            self.serve(where, words, extra)
        else:
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=self.sandbox,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, f"{where}\n{done.stdout}\n{done.stderr}"

    def serve(self, where: str, words: list[str], extra: dict[str, str]) -> None:
        self.stop()
        log = self.sandbox / f"server-{len(self.ran)}.log"
        with log.open("wb") as sink:
            self.server = subprocess.Popen(
                words, cwd=self.sandbox, env={**self.env, **extra}, stdout=sink, stderr=sink
            )
        deadline = time.monotonic() + 30
        while SERVERS[words[1]] not in log.read_text(errors="replace"):
            assert self.server.poll() is None, f"{where}\n{log.read_text(errors='replace')}"
            assert time.monotonic() < deadline, f"{where}: not ready in 30 s"
            time.sleep(0.05)

    def curl(self, where: str, words: list[str], comment: str) -> None:
        url = next(w for w in reversed(words) if not w.startswith("-"))
        answer = httpx.get(url, timeout=30)
        assert answer.status_code < 400, f"{where}: {answer.status_code} {answer.text}"
        if comment.startswith(("{", "[")):
            assert answer.json() == json.loads(comment), f"{where}: {answer.text}"

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(30)
        self.server = None


def test_every_sh_block_of_readme_runs_as_written(tmp_path: Path) -> None:
    for folder in ("examples", "capabilities", "schemas"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    reader = Reader(tmp_path)
    try:
        for block in blocks("sh"):
            for line in block:
                reader.type(line)
    finally:
        reader.stop()
    assert any(c.startswith("naftiko run") for c in reader.ran)
    assert any(c.startswith("curl") for c in reader.ran)
    assert len(reader.skipped) <= 9, reader.skipped  # setup lines and docker only


def test_commands_in_the_synopsis_exist() -> None:
    synopsis = [line.command for block in blocks("text") for line in block]
    assert synopsis, "README has no ```text synopsis"
    for command in synopsis:
        words = command.split()
        assert words[0] == "naftiko", command
        path = [w for w in words[1:3] if re.fullmatch(r"[a-z][a-z-]+", w)]
        done = naftiko_cli(*path, "--help")
        assert done.returncode == 0, f"{command}: {done.stderr}"
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", command):
            if option not in ("--help", "--version"):
                assert option in done.stdout, f"{command}: {option} is not an option"


def test_a_comment_with_a_hash_inside_quotes_is_part_of_the_command() -> None:
    assert split_comment("curl 'http://x/#a'  # note") == ("curl 'http://x/#a'", "note")
