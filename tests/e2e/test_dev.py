"""`naftiko dev FILE`: serves with the upstreams an OpenAPI document beside it describes
mocked, reloads on every save, and waits for a file that does not load yet to be fixed."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import _LISTENING, ROOT, Running, clean_env, naftiko_command


@pytest.fixture
def quickstart(tmp_path: Path) -> Path:
    for name in ("quickstart.yaml", "quickstart.env", "registry.openapi.yaml"):
        shutil.copyfile(ROOT / "examples" / name, tmp_path / name)
    text = (tmp_path / "quickstart.yaml").read_text(encoding="utf-8")
    (tmp_path / "quickstart.yaml").write_text(
        text.replace("port: 8080", "port: 0").replace("port: 3001", "port: 0"), encoding="utf-8"
    )
    return tmp_path / "quickstart.yaml"


@pytest.fixture
def dev(tmp_path: Path):
    started: list[Running] = []

    def start(file: Path) -> Running:
        log = tmp_path / f"dev-{len(started)}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*naftiko_command(), "dev", str(file)],
                stdout=subprocess.DEVNULL,
                stderr=sink,
                env=clean_env(),
            )
        running = Running(process, log, {})
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def wait_for(running: Running, text: str, count: int = 1) -> str:
    deadline = time.monotonic() + 20
    while running.log().count(text) < count:
        assert running.process.poll() is None, running.log()
        assert time.monotonic() < deadline, running.log()[-3000:]
        time.sleep(0.05)
    running.urls = dict(_LISTENING.findall(running.log()))
    return running.log()


def test_dev_mocks_the_described_upstream_and_reloads_on_save(dev, quickstart: Path) -> None:
    running = dev(quickstart)
    log = wait_for(running, "ready:")
    assert "'registry' is mocked from" in log
    rest = running.urls["quickstart-rest"]
    answer = httpx.get(f"{rest}/ships/IMO-9321483")
    assert answer.status_code == 200
    wait_for(running, "naftiko.access")  # the access log is on
    text = quickstart.read_text(encoding="utf-8")
    quickstart.write_text(text.replace('"/hello/{name}"', '"/hi/{name}"'), encoding="utf-8")
    wait_for(running, "reloaded (a file changed)")
    assert httpx.get(f"{rest}/hi/Ada").status_code == 200


def test_dev_waits_for_a_broken_file_to_be_fixed(dev, quickstart: Path) -> None:
    good = quickstart.read_text(encoding="utf-8")
    quickstart.write_text(good.replace("naftiko:", "naftiko: [", 1), encoding="utf-8")
    running = dev(quickstart)
    wait_for(running, "does not serve yet")
    assert "quickstart.yaml:" in running.log()  # the error names the file and line
    quickstart.write_text(good, encoding="utf-8")
    wait_for(running, "ready:")
    assert httpx.get(f"{running.urls['quickstart-rest']}/hello/Ada").status_code == 200


def test_dev_keeps_watching_after_a_save_that_does_not_parse(dev, quickstart: Path) -> None:
    good = quickstart.read_text(encoding="utf-8")
    running = dev(quickstart)
    wait_for(running, "ready:")
    assert "'registry' is mocked from" in running.log()
    quickstart.write_text(good + "  oops: [\n", encoding="utf-8")
    wait_for(running, "not applied, the previous files keep serving")
    assert "YAML syntax error" in running.log()
    quickstart.write_text(good.replace('"/hello/{name}"', '"/hi/{name}"'), encoding="utf-8")
    wait_for(running, "reloaded (a file changed)")
    assert httpx.get(f"{running.urls['quickstart-rest']}/hi/Ada").status_code == 200
    assert "Traceback" not in running.log()


def test_dev_names_the_upstreams_it_calls_for_real(dev, quickstart: Path, tmp_path: Path) -> None:
    (tmp_path / "registry.openapi.yaml").unlink()
    running = dev(quickstart)
    log = wait_for(running, "ready:")
    assert "'registry' calls the real upstream at https://" in log


def test_a_reload_that_disables_a_unit_says_so_as_a_start_does(dev, quickstart: Path) -> None:
    good = quickstart.read_text(encoding="utf-8")
    running = dev(quickstart)
    wait_for(running, "ready:")
    quickstart.write_text(good.replace("method: GET", "method: GETT", 1), encoding="utf-8")
    log = wait_for(running, "reloaded (a file changed)")
    log = wait_for(running, "'GETT' is not one of")  # each finding is its own line, after
    assert "quickstart.yaml: 1 warning(s), 2 unit(s) disabled" in log  # both callers of it


def test_dev_says_that_saving_cannot_set_a_missing_variable(dev, tmp_path: Path) -> None:
    from naftiko.authoring.starter import write_starter

    write_starter("shop", tmp_path / "shop")
    running = dev(tmp_path / "shop" / "shop.yaml")
    log = wait_for(running, "does not serve yet")
    assert "SHOP_API_KEY" in log
    assert "saving the file cannot fix that" in log
