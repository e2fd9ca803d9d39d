"""Mustache variables: escaping rules per destination (SEMANTICS.md, Binds and templates)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from naftiko.bind.secret import Secret
from naftiko.engine.scope import CallScope
from naftiko.template import (
    MISSING,
    DataTemplate,
    JsonTemplate,
    Template,
    TemplateSyntaxError,
)


def scope(binds: dict[str, str] | None = None, **params: Any) -> CallScope:
    secrets = {k: Secret(k, v) for k, v in (binds or {}).items()}
    return CallScope(params, secrets, frozenset({"tools", "rest"}))


def test_variables_render_without_html_escaping() -> None:
    assert Template("a {{x}} b").render(scope(x="<&>")) == "a <&> b"


def test_missing_variable_renders_empty_in_text() -> None:
    assert Template("hello {{name}}/{{missing}}").render(scope(name="alice")) == "hello alice/"


def test_whole_value_token_keeps_its_type() -> None:
    assert Template("{{ids}}").value(scope(ids=["a", "b"])) == ["a", "b"]
    assert Template("{{nope}}").value(scope()) is MISSING


def test_lists_render_as_json_inside_text() -> None:
    assert Template("ids={{ids}}").render(scope(ids=["a", "b"])) == 'ids=["a","b"]'


def test_bind_variables_resolve_plain_and_namespaced() -> None:
    context = scope({"KEY": "s3cret", "env.KEY": "s3cret"})
    assert Template("{{KEY}}|{{env.KEY}}").render(context) == "s3cret|s3cret"


def test_inputs_cannot_override_a_bind() -> None:
    assert Template("{{KEY}}").render(scope({"KEY": "bound"}, KEY="caller")) == "bound"


def test_adapter_prefixes_and_dashes_resolve_caller_inputs() -> None:
    context = scope(**{"integration-id": "abc"})
    assert Template("{{tools.integration_id}}").render(context) == "abc"


def test_dotted_names_walk_nested_values() -> None:
    context = scope(**{"get-ship": {"specs": {"year": 2015}, "crew": ["a", "b"]}})
    assert Template("{{get-ship.specs.year}}/{{get-ship.crew.1}}").render(context) == "2015/b"


def test_json_template_renders_values_as_json_and_escapes_in_strings() -> None:
    body = JsonTemplate('{"name": "{{name}}", "ids": {{ids}}, "n": {{n}}, "gone": {{gone}}}')
    rendered = body.render(scope(name='say "hi"\n', ids=["A", "B"], n=3))
    assert json.loads(rendered) == {"name": 'say "hi"\n', "ids": ["A", "B"], "n": 3, "gone": None}


def test_data_template_keeps_types_of_whole_value_tokens() -> None:
    data = DataTemplate({"a": "{{n}}", "b": "x-{{n}}", "c": ["{{missing}}"], "d": 1})
    assert data.render(scope(n=5)) == {"a": 5, "b": "x-5", "c": [None], "d": 1}


@pytest.mark.parametrize("source", ["{{unclosed", "{{}}", "{{#section}}x{{/section}}"])
def test_malformed_templates_fail_at_compile_time(source: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        Template(source)
