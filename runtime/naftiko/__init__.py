"""naftiko: run Naftiko capability files (spec 1.0.0-alpha2) as live servers.

The public surface is small on purpose: load a file, check it, bind its secrets, and
invoke its targets through one engine that every adapter shares.
"""

from typing import TYPE_CHECKING, Any

from naftiko.version import __version__

if TYPE_CHECKING:
    from naftiko.errors import (
        BindError,
        Diagnostic,
        InputError,
        NaftikoError,
        SpecError,
        TargetError,
        UpstreamError,
        UpstreamUnavailable,
    )
    from naftiko.spec import Capability, load

# imported on first use, so that `import naftiko.jsonio` or `naftiko --version` loads no
# schema validator, YAML parser or HTTP stack
_LAZY = {
    "BindError": "naftiko.errors",
    "Diagnostic": "naftiko.errors",
    "InputError": "naftiko.errors",
    "NaftikoError": "naftiko.errors",
    "SpecError": "naftiko.errors",
    "TargetError": "naftiko.errors",
    "UpstreamError": "naftiko.errors",
    "UpstreamUnavailable": "naftiko.errors",
    "Capability": "naftiko.spec",
    "load": "naftiko.spec",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'naftiko' has no attribute {name!r}")
    import importlib

    found = getattr(importlib.import_module(module), name)
    globals()[name] = found
    return found


def check(*files: str, lenient: bool = False, strict: bool = False) -> list["Diagnostic"]:
    """Every finding `naftiko validate FILES` prints, in the order it prints them.

    Files are checked together, as `run` serves them. Without a flag, whatever would not
    serve as written is an error; ``lenient`` keeps disabled units and unknown keys as
    warnings (files written for other engines); ``strict`` makes every warning an error.
    """
    from naftiko.serve.assembly import check as assembled
    from naftiko.spec.verdict import mode_of

    found = assembled(files, mode_of(lenient=lenient, strict=strict))
    return [d for file in files for d in found.get(file, [])]


__all__ = [
    "BindError",
    "Capability",
    "Diagnostic",
    "InputError",
    "NaftikoError",
    "SpecError",
    "TargetError",
    "UpstreamError",
    "UpstreamUnavailable",
    "__version__",
    "check",
    "load",
]
