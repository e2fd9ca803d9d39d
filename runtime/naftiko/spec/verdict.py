"""How a finding counts: the same findings, judged for `validate`, `--lenient` or `--strict`.

The loader records what it finds at its natural severity: an error breaks the file, a
warning leaves the rest of the file serving. `run` starts on warnings, as the reference
engine does, so that foreign files keep working. `validate` tells the truth instead: a
warning that means something declared will not serve as written (a disabled unit, an
ignored key, a variable that renders empty, a dead route) is an error there. `--lenient`
keeps those warnings, for files written for other engines; `--strict` makes every warning
an error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Literal

from naftiko.errors import Diagnostic

Mode = Literal["plain", "lenient", "strict"]

# Each of these says that something the file declares is not served as written.
DEAD = frozenset(
    {
        "auth-incomplete",
        "base-uri",
        "duplicate-name",
        "port-clash",
        "script",
        "skill-tool",
        "undecoded-format",
        "undefined-variable",
        "unit-disabled",
        "unit-invalid",
        "unknown-call",
        "unknown-forward",
        "unknown-input",
        "unknown-key",
        "unknown-ref",
        "unknown-with",
        "unsupported-step",
        "unsupported-type",
        "path-parameter",
    }
)
# A consequence of findings that are errors under `validate`: said once, by its causes.
_CONSEQUENCES = frozenset({"serves-nothing"})


def judged(found: Sequence[Diagnostic], mode: Mode = "plain") -> list[Diagnostic]:
    """The findings as `validate` in ``mode`` reports them, in order."""
    if mode == "lenient":
        return list(found)
    # `expose:` for `exposes:` is one slip: the capability serving nothing follows from it
    slipped = any(d.code == "unknown-key" and "'exposes'" in d.hint for d in found)
    out: list[Diagnostic] = []
    for diagnostic in found:
        if slipped and diagnostic.code == "serves-nothing":
            continue
        if diagnostic.severity != "warning":
            out.append(diagnostic)
        elif mode == "strict" or diagnostic.code in DEAD:
            out.append(dataclasses.replace(diagnostic, severity="error"))
        elif diagnostic.code not in _CONSEQUENCES:
            out.append(diagnostic)
    return out


def mode_of(*, lenient: bool, strict: bool) -> Mode:
    """The mode the flags ask for; both at once is the caller's usage error."""
    return "strict" if strict else "lenient" if lenient else "plain"
