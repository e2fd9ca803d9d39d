"""Where a consumed operation's requests go, as generated files mean it.

Two loose conventions meet the alpha2 shape: an operation may carry its own `path` (whole,
or under its resource's), and a parameter declared `in: path` may have no placeholder in
the path at all (it is then the next segment). Both are read once, at load.
"""

from __future__ import annotations

from typing import Any

from naftiko.names import norm
from naftiko.routes import variables
from naftiko.spec.model import ConsumedParam


def absolute_paths(resources: Any) -> bool:
    """Whether a namespace's operation `path`s are whole paths under the baseUri (GitHub's
    generated files: resource `/app/hook`, operation `/app/hook/config`) rather than paths
    under their resource (Salesforce's: `/sobjects` and `/{sobjectType}/{id}`). One
    operation that starts with its resource's path decides for the whole namespace."""
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict):
            continue
        base = str(resource.get("path") or "").rstrip("/")
        for op in resource.get("operations") or []:
            own = op.get("path") if isinstance(op, dict) else None
            if base and isinstance(own, str) and (own == base or own.startswith(base + "/")):
                return True
    return False


def operation_path(
    resource: dict[str, Any], op: dict[str, Any], absolute: bool, params: tuple[ConsumedParam, ...]
) -> str:
    """The path an operation's requests take, placeholders included."""
    return _with_path_params(_own_path(resource, op, absolute), params)


def _own_path(resource: dict[str, Any], op: dict[str, Any], absolute: bool) -> str:
    base = str(resource.get("path", ""))
    own = op.get("path")
    if not isinstance(own, str) or not own.strip():
        return base
    if absolute:
        return own
    if own.strip() == "/":
        return base
    return base.rstrip("/") + "/" + own.lstrip("/")


def _with_path_params(path: str, params: tuple[ConsumedParam, ...]) -> str:
    """A declared `in: path` parameter that the path has no placeholder for is its next
    segment: generated files write resource `/issue` and parameter `issueIdOrKey` (in
    path) for `/issue/{issueIdOrKey}`."""
    present = {norm(name) for name in variables(path)}
    for param in params:
        if param.in_ == "path" and norm(param.name) not in present:
            present.add(norm(param.name))
            path = path.rstrip("/") + "/{" + param.name + "}"
    return path
