"""Path placeholders against the parameters that fill them, on both sides.

Upstream, a placeholder no parameter or caller fills leaves the request unbuildable; a
parameter declared `in: path` with no placeholder is sent as the next segment, as the
reference engine does (generated files rely on it), and said so. On a REST route, a
placeholder that is not an input, or a path input with no placeholder, is a route that
cannot work as written. A renamed placeholder is one mistake: it gives one finding.
Both conventions are README's "Conventions the file does not say".
"""

from __future__ import annotations

from typing import Any

from naftiko.names import norm
from naftiko.routes import variables
from naftiko.spec.document import Document
from naftiko.spec.params import consumed_params
from naftiko.spec.paths import operation_path
from naftiko.spec.scopes import Exposed, Names, Scope, params
from naftiko.spec.yaml import JsonPath


def consumed_path(
    doc: Document,
    resource: dict[str, Any],
    op: dict[str, Any],
    o_path: JsonPath,
    scope: Scope,
    absolute: bool,
) -> None:
    r_path = o_path[:-2]
    texts = [(resource.get("path"), (*r_path, "path"))]
    all_params = consumed_params(resource.get("inputParameters"))
    all_params += consumed_params(op.get("inputParameters"))
    route = operation_path(resource, op, absolute, all_params)
    if isinstance(op.get("path"), str) and op["path"].strip():
        texts.append((op["path"], (*o_path, "path")))
        doc.diag(
            "warning",
            (*o_path, "path"),
            "an operation's own `path` is not part of alpha2; read as the files that "
            f"use it mean it, requests go to {route}",
            hint="move the path to a resource of its own to say it in alpha2",
            code="path-convention",
        )
    placed: set[str] = set()
    unfilled: list[tuple[str, JsonPath]] = []
    for text, where in texts:
        for name in variables(text) if isinstance(text, str) else []:
            placed.add(norm(name))
            if not scope.defines(name):
                unfilled.append((name, where))
    loose: list[tuple[JsonPath, dict[str, Any]]] = []
    for holder, base in ((resource, r_path), (op, o_path)):
        for index, param in params(holder):
            if param.get("in") == "path" and norm(str(param["name"])) not in placed:
                placed.add(norm(str(param["name"])))
                loose.append(((*base, "inputParameters", index, "name"), param))
    for (name, where), (_, param) in zip(unfilled, loose, strict=False):
        doc.diag(
            "warning",
            where,
            f"path placeholder '{{{name}}}' has no parameter, and parameter "
            f"'{param['name']}' (in: path) has no placeholder",
            hint="rename one so that they match",
            code="path-parameter",
        )
    for name, where in unfilled[len(loose) :]:
        also = scope.closest(name)
        doc.diag(
            "warning",
            where,
            f"path placeholder '{{{name}}}' has no parameter: the request cannot be built",
            hint=f"declare an inputParameter '{name}' (in: path), or pass it in the caller's "
            "`with`" + (f"; did you mean '{also}'?" if also else ""),
            code="path-parameter",
        )
    for where, param in loose[len(unfilled) :]:
        doc.diag(
            "warning",
            where,
            f"path parameter '{param['name']}' has no placeholder; read as the files that "
            f"use it mean it, it is the next segment: {route}",
            hint="write the placeholder into the path to say where it goes",
            code="path-convention",
        )


def rest_route(doc: Document, found: Exposed, inherited: Names) -> None:
    """A REST operation's route placeholders and its path inputs name the same things.
    ``inherited``: the inputs of the function it refers to, when it declares none."""
    resource = found.resource or {}
    route = resource.get("path")
    if not isinstance(route, str):
        return
    r_path = found.path[:-2]
    placed = {norm(v): v for v in variables(route)}
    inputs: dict[str, tuple[JsonPath, dict[str, Any]]] = {}
    for index, param in params(resource):
        inputs[norm(str(param["name"]))] = ((*r_path, "inputParameters", index), param)
    for index, param in params(found.unit):
        inputs[norm(str(param["name"]))] = ((*found.path, "inputParameters", index), param)
    unknown = [name for key, name in placed.items() if key not in inputs and key not in inherited]
    unplaced = [
        (where, param)
        for key, (where, param) in inputs.items()
        if param.get("in") == "path" and key not in placed
    ]
    label = str(found.unit.get("name") or found.unit.get("method") or "operation")
    for name, (_, param) in zip(unknown, unplaced, strict=False):
        doc.diag(
            "warning",
            (*r_path, "path"),
            f"path placeholder '{{{name}}}' is not an input of '{label}', and its path "
            f"input '{param['name']}' has no placeholder",
            hint="rename one so that they match",
            code="path-parameter",
        )
    for name in unknown[len(unplaced) :]:
        doc.diag(
            "warning",
            (*r_path, "path"),
            f"path placeholder '{{{name}}}' is not an input of '{label}': the route cannot "
            "pass it on",
            hint=f"declare an inputParameter '{name}' with in: path",
            code="path-parameter",
        )
    for where, param in unplaced[len(unknown) :]:
        doc.diag(
            "warning",
            (*where, "name"),
            f"input '{param['name']}' is in: path, but the path '{route}' has no placeholder "
            "for it: no request can give it",
            hint=f"write '{{{param['name']}}}' into the path, or declare it in: query",
            code="path-parameter",
        )
