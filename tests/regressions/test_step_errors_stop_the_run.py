"""Reference bug (REFERENCE.md 5.5, 6.1): a failing call step is ignored and the run goes on,
answering 200 with whatever mapped. Here (SEMANTICS.md, Orchestration) it stops the run and
the caller gets the upstream's error."""

from __future__ import annotations

import httpx

from upstreams import registry


def test_failing_step_answers_with_the_upstream_error(corpus, serve, naftiko_run) -> None:
    upstream = serve(registry)
    step10 = corpus / "naftiko-tutorial" / "step-10-shipyard-rest-adapter.yml"
    running = naftiko_run(
        str(step10),
        "--host=127.0.0.1",
        "--port=shipyard-api=0",
        "--port=shipyard-tools=0",
        "--port=shipyard-skills=0",
        f"--base-uri=registry={upstream.url}",
        f"--base-uri=legacy={upstream.url}",
    )
    answer = httpx.get(running.urls["shipyard-api"] + "/ships/IMO-0000000/crew")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
    assert [seen.path for seen in upstream.requests] == ["/ships/IMO-0000000"]
