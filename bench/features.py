"""What each per-request feature costs, in instructions: `python bench/features.py`.

Pay for what you use: every per-request feature is decided when the file loads, so that a
capability that does not use it runs none of its code. This counts, with callgrind (server
process only, like bench/instructions.py), the REST GET of bench/peer.yaml with its defaults
and then with one feature turned on at a time, in one run against one nginx upstream:

- the access log off (`--no-access-log`: what the default line costs);
- the docs page off (`--no-docs`: what `/docs` costs the capability's routes);
- CORS for one origin (`--cors-origin`), the request sending that Origin;
- bearer authentication on the adapter (`authentication` in the file), the request sending
  the token;
- a declared per-header limit on the upstream (`x-naftiko-resilience.perHeader`), the request
  naming its key;
- the response cache (`x-naftiko-cache`): every request after the first is a hit.

Tracing has its own counter (bench/tracing_instructions.py). Prints instructions per request
and each variant's difference from the defaults. Needs valgrind and nginx; about 5 minutes.
Options: --requests N (default 500).
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rest  # noqa: E402  (bench/rest.py: ports, readiness)
import tracing_instructions as counter  # noqa: E402  (callgrind's last dump)

TOKEN = "bench-token-0123456789"


@dataclass
class Variant:
    name: str
    flags: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    # which change `capability` makes to bench/peer.yaml ("": none)
    edit: str = ""


VARIANTS = [
    Variant("defaults"),
    Variant("access log off", ["--no-access-log"]),
    Variant("docs page off", ["--no-docs"]),
    Variant(
        "CORS, one origin", ["--cors-origin=https://app.example"], {"Origin": "https://app.example"}
    ),
    Variant("bearer authentication", [], {"Authorization": f"Bearer {TOKEN}"}, "auth"),
    Variant("declared per-header limit", [], {"X-Tenant": "t-1"}, "limit"),
    Variant("response cache (hits)", [], {}, "cache"),
]


def capability(scratch: Path, edit: str) -> Path:
    """bench/peer.yaml, changed for one variant."""
    document = yaml.safe_load((HERE / "peer.yaml").read_text(encoding="utf-8"))
    consumed = document["capability"]["consumes"][0]
    exposed = document["capability"]["exposes"][0]
    if edit == "auth":
        document["binds"] = [{"namespace": "bench-env", "keys": {"BENCH_TOKEN": "BENCH_TOKEN"}}]
        exposed["authentication"] = {"type": "bearer", "token": "{{BENCH_TOKEN}}"}
    elif edit == "limit":
        consumed["x-naftiko-resilience"] = {
            "perHeader": {"header": "X-Tenant", "limit": 10, "methods": ["GET"]}
        }
        operation = consumed["resources"][0]["operations"][0]
        operation["inputParameters"].append({"name": "X-Tenant", "in": "header"})
        rest_operation = exposed["resources"][0]["operations"][0]
        rest_operation["inputParameters"].append(
            {"name": "X-Tenant", "in": "header", "type": "string", "description": "Tenant"}
        )
        rest_operation["with"]["X-Tenant"] = "bench-rest.X-Tenant"
    elif edit == "cache":
        consumed["x-naftiko-cache"] = {"ttl": 600}
    path = scratch / f"capability-{edit or 'plain'}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def drive(port: int, headers: dict[str, str], count: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(count):
        connection.request("GET", "/items/42", headers=headers)
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            raise SystemExit(f"naftiko answered {answer.status}")
    connection.close()


def count(scratch: Path, upstream: str, variant: Variant, requests: int) -> float:
    port = rest.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "NAFTIKO_"))}
    env["BENCH_TOKEN"] = TOKEN
    env["PYTHONHASHSEED"] = "0"  # the same dictionary layouts in every run: steadier counts
    command = [
        sys.executable,
        "-m",
        "naftiko",
        "run",
        str(capability(scratch, variant.edit)),
        "--mcp-stateless",
        f"--port=bench-rest={port}",
        "--port=bench-mcp=0",
        f"--base-uri=bench={upstream}",
        *variant.flags,
    ]
    return counter.counted(
        scratch,
        command,
        env,
        lambda process: ready(process, port, variant),
        lambda n: drive(port, variant.headers, n),
        requests,
    )


def ready(process: subprocess.Popen[bytes], port: int, variant: Variant) -> None:
    deadline = time.monotonic() + 600
    while True:
        if process.poll() is not None:
            raise SystemExit(f"{variant.name}: naftiko exited {process.returncode}")
        try:
            drive(port, variant.headers, 1)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"{variant.name}: naftiko did not answer in time") from None
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    options = parser.parse_args()
    with counter.nginx_upstream("bench/features.py") as (scratch, upstream):
        print(f"REST GET, instructions per request, {options.requests} requests, callgrind")
        base = None
        for variant in VARIANTS:
            found = count(scratch, upstream, variant, options.requests)
            base = base or found
            print(f"{variant.name:28} {found:>10,.0f}  {(found - base) / base:+.1%}")


if __name__ == "__main__":
    main()
