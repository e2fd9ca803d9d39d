"""`naftiko call` prints no credential an upstream echoes back, as the servers do not."""

from __future__ import annotations

import json

from conftest import FIXTURES, clean_env, naftiko_cli
from upstreams import echo

SECRET = "shop-upstream-secret-4321"


def test_call_prints_no_credential_the_upstream_echoes(serve) -> None:
    upstream = serve(echo)
    done = naftiko_cli(
        "call",
        str(FIXTURES / "shop.yaml"),
        "shop.get-whole",
        "-p",
        "id=1",
        "--base-uri",
        f"echo={upstream.url}",
        env=clean_env(SHOP_UPSTREAM_TOKEN=SECRET),
    )
    assert done.returncode == 0, done.stderr
    assert upstream.last.headers["Authorization"] == f"Bearer {SECRET}"  # it was sent
    assert SECRET not in done.stdout + done.stderr
    assert json.loads(done.stdout)["headers"]["Authorization"] == "Bearer ***"
