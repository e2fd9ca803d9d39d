"""Units that run without an upstream (mocks, refs) and units a load warning disabled."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from naftiko.engine import Engine
from naftiko.errors import TargetError
from naftiko.spec import load

CAPABILITY = """\
naftiko: "1.0.0-alpha2"
capability:
  aggregates:
    - label: Fleet
      namespace: fleet
      functions:
        - name: describe
          description: Describe a ship.
          inputParameters:
            - {name: imo, type: string, description: IMO number}
          outputParameters:
            - {name: imo, type: string, value: "{{imo}}"}
            - {name: active, type: boolean, value: "true"}
  exposes:
    - type: mcp
      namespace: tools-ns
      port: 3001
      tools:
        - name: describe-ship
          ref: fleet.describe
        - name: echo
          description: Echo a number.
          inputParameters:
            - {name: n, type: number, description: a number}
          outputParameters:
            - {name: doubled, type: string, value: "n={{n}}"}
        - name: broken
          description: Calls what is not declared.
          call: nowhere.op
"""


def invoke(tmp_path: Path, target: str, inputs: dict[str, Any]) -> Any:
    path = tmp_path / "cap.yaml"
    path.write_text(CAPABILITY, encoding="utf-8")

    async def run() -> Any:
        engine = Engine(load(path), environ={})
        try:
            return (await engine.invoke(target, inputs)).data
        finally:
            await engine.close()

    return asyncio.run(run())


def test_ref_runs_the_aggregate_function_with_its_inputs(tmp_path: Path) -> None:
    assert invoke(tmp_path, "tools-ns.describe-ship", {"imo": "IMO-1"}) == {
        "imo": "IMO-1",
        "active": True,
    }


def test_mock_outputs_render_inputs_converted_to_declared_types(tmp_path: Path) -> None:
    assert invoke(tmp_path, "tools-ns.echo", {"n": "2.5"}) == {"doubled": "n=2.5"}


def test_a_disabled_unit_answers_a_clear_error_naming_the_cause(tmp_path: Path) -> None:
    with pytest.raises(TargetError) as caught:
        invoke(tmp_path, "tools-ns.broken", {})
    assert "nowhere" in str(caught.value)
    assert caught.value.http_status == 501
    assert "cap.yaml:" in caught.value.hint
