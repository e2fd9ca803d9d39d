"""naftiko: run Naftiko capability files (spec 1.0.0-alpha2) as live servers.

The public surface is small on purpose: load a file, check it, bind its secrets, and
invoke its targets through one engine that every adapter shares.
"""

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
from naftiko.spec import Capability, check, load

__version__ = "0.1.0"

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
