"""Script steps served: a JavaScript filter and Python statistics over upstream answers,
called over MCP and REST, with the context, results, errors and statistics they promise."""

from __future__ import annotations

import httpx
import pytest

from conftest import FIXTURES
from mcp_client import wire, with_client
from upstreams import members_and_readings as upstream

SCRIPTING = FIXTURES / "scripting" / "scripting.yaml"


@pytest.fixture
def reporting(serve, serve_capability) -> dict[str, str]:
    mock = serve(upstream)
    return serve_capability(SCRIPTING, base_uris={"github": mock.url, "sensors": mock.url})


def test_a_javascript_step_filters_a_call_over_rest(reporting) -> None:
    answer = httpx.get(reporting["reports"] + "/orgs/naftiko/active-members")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "active-members": [{"login": "ada", "id": 1}, {"login": "cyd", "id": 3}]
    }


def test_a_python_step_computes_statistics_over_rest(reporting) -> None:
    answer = httpx.get(reporting["reports"] + "/devices/d-1/summary")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"average": 3.0, "count": 3}


def test_both_tools_answer_over_mcp(reporting) -> None:
    async def work(client):
        members = await client.call_tool("active-members", {"org": "naftiko"})
        summary = await client.call_tool("readings-summary", {"device-id": "d-1"})
        return wire(members), wire(summary)

    members, summary = with_client(reporting["reporting"] + "/mcp", work)
    assert members.get("isError") is not True, members
    assert members["structuredContent"] == {
        "active-members": [{"login": "ada", "id": 1}, {"login": "cyd", "id": 3}]
    }
    assert summary["structuredContent"] == {"average": 3.0, "min": 1.5, "max": 5.0, "count": 3}


def test_the_control_port_counts_the_runs(reporting) -> None:
    httpx.get(reporting["reports"] + "/devices/d-1/summary")
    view = httpx.get(reporting["control"] + "/scripting").json()
    assert view["enabled"] is True
    assert view["defaultLanguage"] == "javascript"
    assert view["timeout"] == 3000 and view["statementLimit"] == 50000
    assert view["allowedLanguages"] == ["javascript", "python"]
    assert view["stats"]["totalExecutions"] >= 1
    assert view["stats"]["totalErrors"] == 0
    assert "lastExecutionAt" in view["stats"]


def test_a_put_changes_the_settings_for_the_next_run(reporting) -> None:
    changed = httpx.put(reporting["control"] + "/scripting", json={"allowedLanguages": ["python"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["allowedLanguages"] == ["python"]
    refused = httpx.get(reporting["reports"] + "/orgs/naftiko/active-members")
    assert refused.status_code == 500
    problem = refused.json()
    assert problem["step"] == "filter-active"
    assert "not among the allowed languages" in problem["detail"]
    assert httpx.get(reporting["reports"] + "/devices/d-1/summary").status_code == 200


def test_a_bad_put_is_refused_whole(reporting) -> None:
    answer = httpx.put(
        reporting["control"] + "/scripting",
        json={"timeout": 0, "defaultLanguage": "groovy", "enabled": False, "colour": "red"},
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert any("timeout" in e for e in errors) and any("defaultLanguage" in e for e in errors)
    assert any("colour" in e for e in errors)
    assert httpx.get(reporting["control"] + "/scripting").json()["enabled"] is True


def test_scripting_disabled_at_run_time_refuses_the_step_by_name(reporting) -> None:
    assert (
        httpx.put(reporting["control"] + "/scripting", json={"enabled": False}).status_code == 200
    )

    async def work(client):
        return wire(await client.call_tool("readings-summary", {"device-id": "d-1"}))

    result = with_client(reporting["reporting"] + "/mcp", work)
    assert result["isError"] is True
    assert "analyze" in result["content"][0]["text"]
    assert "disabled" in result["content"][0]["text"]


def test_a_script_that_throws_is_a_500_naming_the_step(reporting) -> None:
    answer = httpx.get(reporting["reports"] + "/failing/js")
    assert answer.status_code == 500
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["step"] == "boom"
    assert "script step 'boom' failed" in problem["detail"]
    assert "boom.js:2" in problem["detail"] and "the device is offline" in problem["detail"]
    assert "Traceback" not in answer.text


def test_a_python_script_past_its_statement_limit_is_stopped(reporting) -> None:
    answer = httpx.post(reporting["reports"] + "/failing/py")
    assert answer.status_code == 500
    problem = answer.json()
    assert problem["step"] == "spin" and problem["limit"] == "statements"
    assert "exceeded the statement limit (50000)" in problem["detail"]


def test_runs_are_counted_in_metrics(reporting) -> None:
    httpx.get(reporting["reports"] + "/devices/d-1/summary")
    httpx.get(reporting["reports"] + "/failing/js")
    metrics = httpx.get(reporting["control"] + "/metrics").text
    assert (
        'naftiko_script_executions_total{language="python",outcome="ok",step="analyze"}' in metrics
    )
    assert 'naftiko_script_executions_total{language="javascript",outcome="error",step="boom"}' in (
        metrics
    )
    assert 'naftiko_script_duration_seconds_count{language="python"}' in metrics
