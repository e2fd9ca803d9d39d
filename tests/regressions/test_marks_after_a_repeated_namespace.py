"""A repeated identical consumes namespace was dropped from the document itself, so every
entry after it was reported one entry too early: the error below pointed at the repeat."""

from __future__ import annotations

from pathlib import Path

from naftiko.pipeline import compile_plans, load

ENTRY = """    - namespace: {name}
      type: http
      baseUri: "http://127.0.0.1:9"
      resources:
        - name: r
          path: /{name}
          operations:
            - name: get
              method: GET
              inputParameters:
                - name: h
                  in: header
                  value: "{value}"
"""
EXPOSES = """  exposes:
    - type: rest
      namespace: api
      port: 0
      resources:
        - name: r
          path: /r
          operations:
            - name: get
              method: GET
              call: b.get
"""


def test_an_error_after_a_repeated_namespace_names_its_own_line(tmp_path: Path) -> None:
    text = (
        'naftiko: "1.0.0-alpha2"\ninfo:\n  label: Marks\n  description: marks\n'
        "capability:\n  consumes:\n"
        + ENTRY.format(name="a", value="x")
        + ENTRY.format(name="a", value="x")
        + ENTRY.format(name="b", value="{{unclosed")
        + EXPOSES
    )
    path = tmp_path / "marks.yaml"
    path.write_text(text, encoding="utf-8")
    compiled = load(path)
    assert compile_plans(compiled, secrets=False) is None
    (error,) = compiled.errors
    lines = text.splitlines()
    value_of_b = next(i + 1 for i, line in enumerate(lines) if "{{unclosed" in line)
    assert error.line == value_of_b, error
