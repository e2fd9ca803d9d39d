"""How long `naftiko --version` takes, end to end: `python bench/startup.py`.

Runs the installed command N times (default 20) after two warm-ups and prints the median
and the fastest wall time (target: under 0.15 s), beside a bare `python -c pass` measured in
the same run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rest  # noqa: E402  (bench/rest.py: how to find the command)


def timed(command: list[str], runs: int) -> list[float]:
    for _ in range(2):
        subprocess.run(command, capture_output=True, check=True)
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        found.append(time.perf_counter() - started)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    version = timed([*rest.naftiko_command(), "--version"], options.runs)
    bare = timed([sys.executable, "-c", "pass"], options.runs)
    print(
        f"naftiko --version: median {statistics.median(version):.3f} s, "
        f"fastest {min(version):.3f} s"
    )
    print(f"python -c pass:    median {statistics.median(bare):.3f} s, fastest {min(bare):.3f} s")
    verdict = "within" if statistics.median(version) < 0.15 else "over"
    print(f"{verdict} the 0.15 s target")


if __name__ == "__main__":
    main()
