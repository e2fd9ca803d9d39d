"""The REST route table: templates, declaration order, raw-path matching."""

from __future__ import annotations

from naftiko.routes import Router, openapi_path, variables


def table(*templates: str) -> Router[str]:
    router: Router[str] = Router()
    for template in templates:
        router.add(template, template)
    return router


def test_single_and_double_brace_variables_match_one_segment() -> None:
    router = table("/ships/{{imo}}", "/crew/{id}")
    assert router.match("/ships/IMO-1").values == {"imo": "IMO-1"}
    assert router.match("/crew/7").values == {"id": "7"}
    assert router.match("/ships/a/b") is None


def test_names_with_dashes_are_kept() -> None:
    found = table("/v1/integrations/{integration-id}").match("/v1/integrations/abc")
    assert found is not None
    assert found.values == {"integration-id": "abc"}


def test_first_declared_route_wins_over_a_later_static_one() -> None:
    router = table("/ships/{{imo}}", "/ships/search")
    assert router.match("/ships/search").target == "/ships/{{imo}}"


def test_static_route_declared_first_wins() -> None:
    router = table("/ships/search", "/ships/{{imo}}")
    assert router.match("/ships/search").target == "/ships/search"


def test_encoded_slash_stays_inside_its_segment_and_is_decoded_once() -> None:
    found = table("/items/{id}").match("/items/a%2Fb")
    assert found is not None
    assert found.values == {"id": "a/b"}


def test_path_variable_spans_segments_for_forward() -> None:
    found = table("/notion/{{path}}").match("/notion/v1/pages/a%20b")
    assert found is not None
    assert found.segments == ("v1", "pages", "a b")


def test_trailing_slash_is_tolerated() -> None:
    router = table("/ships", "/ships/{{imo}}")
    assert router.match("/ships/").target == "/ships"
    assert router.match("/ships/x/").values == {"imo": "x"}


def test_openapi_path_and_variables() -> None:
    assert openapi_path("/ships/{{imo}}/crew/{id}") == "/ships/{imo}/crew/{id}"
    assert variables("/a/{{x}}/{y-z}") == ["x", "y-z"]
