"""Every MCP tool and REST operation of every alpha2 corpus file, called once with inputs
sampled from its signature, reaches a recording upstream without an error of our own.

"Right" means the upstream got a request whose path has every placeholder filled (no `{`,
no empty segment). Units refused by our own
input checks are counted with the reason; any other error fails the test. The counts are
printed (`pytest -s`).
"""

from __future__ import annotations

import asyncio
import collections
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from aiohttp import web

from naftiko.engine import Engine, ExposedPlan, Timeouts
from naftiko.errors import InputError, UpstreamInvalid
from naftiko.pipeline import compile_plans, load

SAMPLES: dict[str, Any] = {
    "string": "s1",
    "integer": 7,
    "number": 1.5,
    "boolean": True,
    "array": ["a1"],
    "object": {"k": "v"},
}


def alpha2_files(corpus: Path) -> list[Path]:
    found = []
    for path in sorted(corpus.rglob("*")):
        if path.suffix not in (".yaml", ".yml"):
            continue
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        if (
            isinstance(data, dict)
            and data.get("naftiko") == "1.0.0-alpha2"
            and data.get("capability")
        ):
            found.append(path)
    return found


def sample(plan: ExposedPlan) -> dict[str, Any]:
    inputs = {}
    for index, item in enumerate(plan.signature):
        value = SAMPLES.get(item.type, "s1")
        inputs[item.name] = f"v{index}x" if item.type == "string" else value
    return inputs


def answer(request: web.Request) -> web.Response:
    return web.json_response({})


class Tally:
    def __init__(self) -> None:
        self.called = self.right = self.unreached = self.without_upstream = 0
        self.refused: collections.Counter[str] = collections.Counter()
        self.wrong: list[str] = []
        self.ours: list[str] = []


async def call_all(path: Path, upstream: Any, tally: Tally) -> None:
    compiled = load(path)
    if compiled.capability is None:
        return
    bases = {c.namespace: upstream.url for c in compiled.capability.consumes}
    # every bound variable set, so that `{{env.ORG}}` values render; file binds read as written
    environ = {v: f"e-{v}" for b in compiled.capability.binds for v in b.keys.values()}
    timeouts = Timeouts(total=5, connect=2)
    engine = compile_plans(compiled, environ=environ, base_uris=bases, timeouts=timeouts)
    if engine is None:  # a bind file the corpus does not ship: placeholders instead
        compiled = load(path)
        engine = compile_plans(compiled, secrets=False, base_uris=bases, timeouts=timeouts)
    if engine is None:
        return
    try:
        for plan in engine.plans.values():
            if not isinstance(plan, ExposedPlan) or plan.disabled:
                continue
            if plan.unit.kind not in ("tool", "operation"):
                continue
            await call_one(engine, plan, upstream, tally, path)
    finally:
        await engine.close()


async def call_one(engine: Engine, plan: ExposedPlan, upstream: Any, tally: Tally, path: Path):
    inputs = sample(plan)
    before = len(upstream.requests)
    where = f"{path.parent.name}/{path.name} {plan.target}"
    tally.called += 1
    try:
        await engine.invoke(plan, inputs)
    except InputError as exc:
        tally.refused[str(exc).split(":")[0][:60]] += 1
        return
    except UpstreamInvalid:
        pass  # the stand-in answers JSON where the file expects XML, CSV...: it was reached
    except Exception as exc:  # every other failure is reported
        tally.ours.append(f"{where}: {type(exc).__name__}: {exc}"[:300])
        return
    sent = upstream.requests[before:]
    if not sent:
        if plan.call is None and plan.orchestration is None and plan.function is None:
            tally.without_upstream += 1
        else:
            tally.unreached += 1
            tally.wrong.append(f"{where}: no request reached the upstream")
        return
    first = sent[0].path
    if "{" in unquote(first) or "//" in first:
        tally.wrong.append(f"{where}: {first}")
        return
    tally.right += 1


def test_every_unit_of_every_alpha2_file_reaches_the_upstream(corpus, serve) -> None:
    upstream = serve(answer)
    tally = Tally()
    files = alpha2_files(corpus)
    assert len(files) > 200

    async def run() -> None:
        for path in files:
            await call_all(path, upstream, tally)

    asyncio.run(run())
    print(
        f"\ncorpus reach: {len(files)} files, {tally.called} units called, {tally.right} right, "
        f"{tally.without_upstream} answered without an upstream, {len(tally.wrong)} wrong, "
        f"{sum(tally.refused.values())} refused by input checks {dict(tally.refused)}, "
        f"{len(tally.ours)} errors of our own"
    )
    assert not tally.ours, "\n".join(tally.ours[:40])
    assert tally.called > 2000
    assert not tally.wrong, "\n".join(tally.wrong[:40])
