"""Load and start-up policy where files and the reference disagree: what we serve, refuse
or warn about, each with a fixture of our own (tests/fixtures/meant/)."""

from __future__ import annotations

import httpx

from conftest import FIXTURES
from naftiko.engine import ExposedPlan
from naftiko.openapi.exporter import export_openapi
from naftiko.pipeline import compile_plans, load

MEANT = FIXTURES / "meant"
AVRO = """\
naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: events
      type: http
      baseUri: "http://127.0.0.1:9"
      resources:
        - name: e
          path: /events
          operations:
            - name: list-events
              method: GET
              outputRawFormat: {fmt}
  exposes:
    - type: mcp
      namespace: events-mcp
      tools:
        - name: list-events
          description: Events.
          call: events.list-events
        - name: hello
          description: Hi.
          outputParameters:
            - name: hi
              type: string
              value: hi
"""


def test_units_calling_avro_or_protobuf_are_disabled_with_the_reason(tmp_path) -> None:
    for fmt in ("avro", "protobuf"):
        path = tmp_path / f"{fmt}.yaml"
        path.write_text(AVRO.format(fmt=fmt), encoding="utf-8")
        compiled = load(path)
        compile_plans(compiled, secrets=False)
        assert [p.target for p in compiled.disabled] == ["events-mcp.list-events"]
        assert f"whose answers are {fmt}" in compiled.disabled[0].disabled
        (warning,) = compiled.warnings
        assert warning.line == 20 and "does not decode" in warning.message  # the call


def test_ref_only_units_take_the_functions_description() -> None:
    compiled = load(MEANT / "ref-only.yaml")
    engine = compile_plans(compiled, secrets=False)
    assert engine is not None
    for target in ("greeter-rest.greet", "greeter-mcp.greet"):
        plan = engine.plans[target]
        assert isinstance(plan, ExposedPlan)
        assert plan.description == "Say hello to someone by name."
    adapter = next(a for a in engine.capability.exposes if a.type == "rest")
    document = export_openapi(engine, adapter, "http://127.0.0.1:1")
    assert document["paths"]["/greet/{who}"]["get"]["description"] == (
        "Say hello to someone by name."
    )


def test_a_ref_only_rest_operation_answers_from_its_function(serve_capability) -> None:
    url = serve_capability(MEANT / "ref-only.yaml")["greeter-rest"]
    assert httpx.get(f"{url}/greet/Ada").json() == {"greeting": "Hello, Ada!"}
