"""`naftiko migrate`: alpha2 files of the corpus (each provider's) to beta5 and back load to
an equal model; the Ikanos tutorial migrated to alpha2 serves the same; comments and order
survive."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import clean_env, naftiko_cli
from naftiko.authoring.migrate import migrate
from naftiko.errors import Diagnostic
from naftiko.location import Location
from naftiko.spec import check, load
from tutorial_pairs import answers, pair, surface
from upstreams import registry


def alpha2_files(corpus: Path) -> list[Path]:
    found = []
    for path in sorted(corpus.rglob("*.y*ml")):
        if "ikanos" in path.parts:
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue
        if isinstance(data, dict) and data.get("naftiko") == "1.0.0-alpha2":
            found.append(path)
    return found


def model(path: Path) -> Any:
    """The loaded model, without what only says where things were written."""

    def strip(value: Any) -> Any:
        if isinstance(value, Location):
            return None
        if isinstance(value, Diagnostic):  # where it was found differs; what was found not
            return (value.severity, value.message, value.field, value.code)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {
                f.name: strip(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.name not in ("where", "path", "raw")
            }
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [strip(v) for v in value]
        return value

    return strip(load(path))


def round_trip(source: Path, corpus: Path, root: Path) -> str:
    """One file to beta5 and back, in its copy of the corpus under ``root``: "skipped" (alpha2
    refuses it), "renamed" (a name changed, and the note says so) or "equal"."""
    if check(source).errors:
        return "skipped"  # a file alpha2 itself refuses proves nothing here
    home = root / source.parent.relative_to(corpus)
    beta = migrate(source.read_text(encoding="utf-8"), "beta5")
    there = home / f"{source.stem}.beta5.yml"
    there.write_text(beta.text, encoding="utf-8")
    assert check(there).errors == [], source
    back = migrate(beta.text, "alpha2")
    again = home / f"{source.stem}.again.yml"
    again.write_text(back.text, encoding="utf-8")
    if any("is used twice" in note or "has no name" in note for note in beta.notes):
        assert check(again).errors == [], source  # a map cannot say it; the note says which
        return "renamed"
    assert model(again) == model(home / source.name), source
    return "equal"


def one_per_provider(files: list[Path], corpus: Path) -> list[Path]:
    """Every file written by hand, and the first of each API Evangelist provider (their
    files are made by one generator, alike in shape: one per provider covers the shapes, at
    a third of the round trips, which ruamel.yaml makes slow)."""
    seen: set[str] = set()
    found = []
    for path in files:
        top = path.relative_to(corpus).parts[0]
        if top.startswith("api-evangelist-") and top in seen:
            continue
        seen.add(top)
        found.append(path)
    return found


def test_alpha2_corpus_files_go_to_beta5_and_back_to_an_equal_model(
    corpus: Path, tmp_path: Path
) -> None:
    files = one_per_provider(alpha2_files(corpus), corpus)
    assert len(files) > 75
    for top in {source.relative_to(corpus).parts[0] for source in files}:
        shutil.copytree(corpus / top, tmp_path / top)  # its imports and bind files, beside it
    # the round trips are independent: one process per core (a failure re-raises here)
    with ProcessPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        outcomes = list(pool.map(round_trip, files, repeat(corpus), repeat(tmp_path)))
    assert outcomes.count("equal") > 0.8 * len(files)
    assert outcomes.count("renamed") < 0.1 * len(files)


def test_the_ikanos_tutorial_migrated_to_alpha2_serves_the_same(
    corpus: Path, tmp_path: Path, serve
) -> None:

    upstream = serve(registry)
    home = tmp_path / "tutorial"
    shutil.copytree(corpus / "ikanos-beta5" / "tutorial", home)
    for number in range(1, 12):
        _, beta = pair(corpus, number)
        alpha = home / f"step-{number}.alpha2.yml"
        alpha.write_text(migrate(beta.read_text(encoding="utf-8"), "alpha2").text, "utf-8")
        doc = check(alpha)
        assert doc.dialect == "1.0.0-alpha2" and doc.errors == [], number
        assert surface(alpha) == surface(beta), number
        assert answers(alpha, upstream.url) == answers(beta, upstream.url), number


def test_comments_and_key_order_survive() -> None:
    text = (
        'naftiko: "1.0.0-alpha2"  # the version\n'
        "info:\n  label: Mini  # what it is called\n  description: One tool.\n"
        "capability:\n  exposes:\n  - type: mcp\n    namespace: mini\n    port: 0\n"
        "    tools:\n    # the greeting\n    - name: hello\n      description: Says hello.\n"
    )
    beta = migrate(text, "beta5").text
    assert re.match(r'ikanos: "1.0.0-beta5" +# the version\n', beta)
    assert re.search(r"display: Mini +# what it is called", beta)
    assert "hello:" in beta and "# the greeting" in beta
    assert beta.index("display") < beta.index("description")
    assert migrate(beta, "alpha2").text.count("name: hello") == 1


def test_what_alpha2_cannot_say_is_listed(corpus: Path) -> None:
    source = corpus / "ikanos-beta5" / "examples" / "capability-binary-content.yml"
    notes = migrate(source.read_text(encoding="utf-8"), "alpha2").notes
    assert any("'maxBinarySize' dropped" in n for n in notes)


def test_the_command_writes_whole_or_not_at_all(corpus: Path, tmp_path: Path) -> None:
    beta = next((corpus / "ikanos-beta5" / "tutorial").glob("step-2-*.yml"))
    out = tmp_path / "step-2.yml"
    done = naftiko_cli("migrate", str(beta), "--to", "alpha2", "-o", str(out), env=clean_env())
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith('naftiko: "1.0.0-alpha2"')
    again = naftiko_cli("migrate", str(beta), "--to", "alpha2", "-o", str(out), env=clean_env())
    assert again.returncode == 1 and "already exists; nothing was written" in again.stderr


@pytest.mark.parametrize("to", ["beta5", "alpha2"])
def test_a_file_already_in_that_dialect_is_refused(corpus: Path, to: str) -> None:
    source = (
        next((corpus / "naftiko-tutorial").glob("step-2-*.yml"))
        if to == "alpha2"
        else next((corpus / "ikanos-beta5" / "tutorial").glob("step-2-*.yml"))
    )
    from naftiko.errors import NaftikoError

    with pytest.raises(NaftikoError):
        migrate(source.read_text(encoding="utf-8"), to)
