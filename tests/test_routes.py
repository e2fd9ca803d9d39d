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


def test_a_literal_route_beats_a_variable_declared_before_it() -> None:
    router = table("/ships/{{imo}}", "/ships/search")
    assert router.match("/ships/search").target == "/ships/search"
    assert router.match("/ships/IMO-1").target == "/ships/{{imo}}"


def test_literal_segments_win_from_the_left() -> None:
    router = table("/a/{x}/c", "/a/b/{y}")
    assert router.match("/a/b/c").target == "/a/b/{y}"


def test_a_segment_with_literal_text_beats_a_bare_variable() -> None:
    router = table("/files/{name}", "/files/{name}.json")
    assert router.match("/files/x.json").target == "/files/{name}.json"


def test_a_spanning_path_comes_after_every_one_segment_route() -> None:
    router = table("/proxy/{path}", "/proxy/{id}")
    assert router.match("/proxy/one").target == "/proxy/{id}"
    assert router.match("/proxy/one/two").target == "/proxy/{path}"


def test_every_fitting_route_is_yielded_best_first() -> None:
    router = table("/c/{k}", "/c/delete", "/c/{key}")
    assert [m.target for m in router.matches("/c/delete")] == ["/c/delete", "/c/{k}", "/c/{key}"]


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
