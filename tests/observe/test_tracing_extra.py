"""Without the `otel` extra: `naftiko run` in an interpreter that refuses to import
`opentelemetry` (as if the extra were not installed) serves as before. With tracing off it
never even tries to load the SDK; asked for traces, it says how to get them and serves
without."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from aiohttp import web

from conftest import KOMBO, clean_env
from upstreams import KOMBO_KEY, kombo

# loaded at interpreter start through PYTHONPATH: each attempt to import the SDK is written
# down, then refused as a missing package would be
REFUSER = """
import sys


class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "opentelemetry":
            with open({attempts!r}, "a", encoding="utf-8") as seen:
                seen.write(name + "\\n")
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)


sys.meta_path.insert(0, Missing())
"""


@pytest.fixture
def without_extra(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose interpreter lacks the SDK, and the file of import attempts."""
    site = tmp_path / "site"
    site.mkdir()
    attempts = tmp_path / "attempts"
    (site / "sitecustomize.py").write_text(REFUSER.format(attempts=str(attempts)))
    return clean_env(PYTHONPATH=str(site), KOMBO_API_KEY=KOMBO_KEY), attempts


def kombo_run(naftiko_run, upstream, env: dict[str, str]):
    return naftiko_run(
        str(KOMBO / "kombo-general.yaml"),
        f"--base-uri=kombo-general={upstream.url}/v1",
        "--port=kombo-general-rest=0",
        "--port=kombo-general-mcp=0",
        env=env,
    )


def test_tracing_off_never_loads_the_sdk(serve, naftiko_run, without_extra) -> None:
    env, attempts = without_extra
    upstream = serve(kombo)
    running = kombo_run(naftiko_run, upstream, env)
    answer = httpx.get(running.urls["kombo-general-rest"] + "/v1/integrations/abc")
    assert answer.status_code == 200
    running.stop()
    assert not attempts.exists(), attempts.read_text()


def test_an_endpoint_without_the_extra_says_how_to_install_it(
    serve, naftiko_run, without_extra
) -> None:
    env, attempts = without_extra
    otlp, upstream = serve(lambda request: web.Response()), serve(kombo)
    running = kombo_run(naftiko_run, upstream, {**env, "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.url})
    answer = httpx.get(running.urls["kombo-general-rest"] + "/v1/integrations/abc")
    assert answer.status_code == 200
    assert "traceparent" not in upstream.last.headers
    assert "pip install 'naftiko-py[otel]'" in running.log()
    assert "opentelemetry" in attempts.read_text()  # the SDK was asked for, and refused
    assert otlp.requests == []
