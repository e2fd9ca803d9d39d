"""The package root is lazy: asking for the version or the help loads no schema validator,
YAML parser, HTTP stack or event loop; the public names still import from the root."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("jsonschema", "aiohttp", "yaml", "asyncio", "referencing")
PROBE = """
import sys
from naftiko.cli import main
try:
    main({args!r})
except SystemExit:
    pass
print("LOADED", sorted({{m.split(".")[0] for m in sys.modules}}))
"""


@pytest.mark.parametrize("args", [["--version"], ["--help"]], ids=["version", "help"])
def test_version_and_help_load_nothing_heavy(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = done.stdout.split("LOADED", 1)[1]
    assert not [name for name in HEAVY if f"'{name}'" in loaded], loaded


def test_public_names_still_import_from_the_root() -> None:
    import naftiko
    from naftiko import Capability, SpecError, load

    assert callable(load) and Capability.__name__ == "Capability"
    assert issubclass(SpecError, naftiko.NaftikoError)
    with pytest.raises(AttributeError):
        naftiko.nothing_here  # noqa: B018
