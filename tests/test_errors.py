"""The error tree: each error carries what every face needs, in one shape."""

from __future__ import annotations

from naftiko.errors import (
    FieldProblem,
    InputError,
    NaftikoError,
    TargetError,
    UpstreamError,
    UpstreamResponse,
    UpstreamUnavailable,
)


def test_an_input_error_lists_every_field_for_rest_and_mcp_alike() -> None:
    exc = InputError([FieldProblem("page_size", "must be a string", "query")])
    assert exc.http_status == 400
    assert exc.as_dict()["errors"] == [
        {"name": "page_size", "in": "query", "problem": "must be a string"}
    ]


def test_an_upstream_error_keeps_the_upstream_status_and_body() -> None:
    response = UpstreamResponse(409, {}, b'{"error": {"code": "X"}}', "application/json")
    response.data = {"error": {"code": "X"}}
    exc = UpstreamError("conflict", response)
    assert exc.http_status == 409
    assert exc.details() == {"status": 409, "body": {"error": {"code": "X"}}}


def test_an_unreachable_upstream_is_502_and_a_timeout_504() -> None:
    assert UpstreamUnavailable("down", timeout=False).as_dict()["status"] == 502
    assert UpstreamUnavailable("slow", timeout=True).http_status == 504


def test_every_error_exits_1_and_says_what_to_do() -> None:
    exc = TargetError("unknown target 'x'", hint="did you mean y?")
    assert isinstance(exc, NaftikoError)
    assert (exc.exit_code, exc.http_status) == (1, 501)
    assert exc.as_dict() == {
        "error": "Unknown or disabled target",
        "message": "unknown target 'x'",
        "hint": "did you mean y?",
    }
