"""What the schema cannot say: versions, references, unique names, distinct ports, JSONPath.

Severity follows SEMANTICS.md: what breaks the whole file is an error; what breaks one tool
or operation is a warning naming it (the unit answers an error when called); ``--strict``
turns every warning into an error.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from naftiko.errors import Diagnostic
from naftiko.spec.document import Document
from naftiko.spec.exposes import check_exposes, outputs
from naftiko.spec.sections import items
from naftiko.spec.yaml import JsonPath

SUPPORTED = "1.0.0-alpha2"


def strict(diagnostic: Diagnostic) -> Diagnostic:
    if diagnostic.severity == "warning":
        return dataclasses.replace(diagnostic, severity="error")
    return diagnostic


def version(doc: Document) -> bool:
    """Check the document kind and version; False when nothing else is worth checking."""
    data = doc.data
    if not isinstance(data, dict):
        doc.diag(
            "error",
            (),
            "a capability file must be a YAML mapping",
            hint="start with 'naftiko: \"1.0.0-alpha2\"'",
            code="not-mapping",
        )
        return False
    declared = data.get("naftiko")
    if declared is None:
        doc.diag(
            "error",
            (),
            "missing 'naftiko' version key",
            hint=f"add 'naftiko: \"{SUPPORTED}\"' at the top",
            code="version",
        )
        return False
    if str(declared) == "1.0.0-alpha1":
        doc.diag(
            "error",
            ("naftiko",),
            "this file declares naftiko 1.0.0-alpha1; naftiko-py runs 1.0.0-alpha2",
            hint="alpha2 renamed the workflow layout: move operations under "
            "capability.consumes[].resources[] and adapters under capability.exposes[], "
            'then set naftiko: "1.0.0-alpha2"',
            code="version",
        )
        return False
    if str(declared) != SUPPORTED:
        doc.diag(
            "error",
            ("naftiko",),
            f"unsupported naftiko version {declared!r}",
            hint=f'naftiko-py runs "{SUPPORTED}"',
            code="version",
        )
        return False
    has_capability = "capability" in data
    has_consumes = "consumes" in data
    if has_capability and has_consumes:
        doc.diag(
            "error",
            ("consumes",),
            "a file is either a capability or a shared consumes file, not both",
            hint="move the root 'consumes' into capability.consumes",
            code="document-kind",
        )
    elif not has_capability and not has_consumes:
        doc.diag(
            "error",
            (),
            "nothing to run: no 'capability' and no root 'consumes'",
            hint="add a 'capability' with consumes and exposes",
            code="document-kind",
        )
    return True


def check(doc: Document) -> None:
    data = doc.data
    capability = data.get("capability") if isinstance(data, dict) else None
    consumes_root: JsonPath = ("consumes",)
    consumes = data.get("consumes") if isinstance(data, dict) else None
    if isinstance(capability, dict):
        consumes_root = ("capability", "consumes")
        consumes = capability.get("consumes")
    namespaces = _consumes(doc, consumes if isinstance(consumes, list) else [], consumes_root)
    if isinstance(data, dict) and isinstance(capability, dict):
        _binds(doc, data, capability)
        aggregates = _aggregates(doc, capability)
        check_exposes(doc, capability, namespaces, aggregates, _consumes_slipped(doc))


def _consumes_slipped(doc: Document) -> bool:
    """Whether the consumes section has a slip of its own (`consume:`, `namspace:`,
    `operation:`): then the calls into it cannot be judged, and are not, so that the one
    mistake is said once. The units are disabled all the same."""
    return any(
        (d.code == "unknown-key" and len(d.path) == 2 and "'consumes'" in d.hint)
        or (
            d.code in ("unknown-key", "schema", "unit-invalid")
            and d.path[:2] == ("capability", "consumes")
            and any(f"'{key}'" in d.message + d.hint for key in _WHAT_CALLS_NAME)
        )
        for d in doc.diagnostics
    )


# the keys a call's target is read from: a slip in one of them hides the target
_WHAT_CALLS_NAME = ("namespace", "resources", "operations", "name")


# --- consumes ------------------------------------------------------------------------------


def _consumes(doc: Document, entries: list[Any], root: JsonPath) -> dict[str, dict[str, Any]]:
    """Unique namespaces; identical repeats are a warning (the model keeps the first),
    different ones an error. The document is read, never changed, so every later mark
    still points at what the author wrote."""
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("namespace"), str):
            continue
        if entry.get("type", "http") != "http":
            continue
        name = entry["namespace"]
        path = (*root, index, "namespace")
        if name in seen:
            first_index, first = seen[name]
            file, line, _ = doc.where((*root, first_index, "namespace"))
            if _same(first, entry):
                doc.diag(
                    "warning",
                    path,
                    f"consumes namespace '{name}' is declared twice with identical content; "
                    "one declaration is kept",
                    hint=f"remove the repeat (first at {file}:{line})",
                    code="duplicate-same",
                )
                continue
            doc.diag(
                "error",
                path,
                f"consumes namespace '{name}' is declared twice with different content",
                hint=f"rename one of them (first at {file}:{line})",
                code="duplicate-namespace",
            )
            continue
        seen[name] = (index, entry)
        base = entry.get("baseUri")
        if isinstance(base, str) and not base.startswith(("http://", "https://", "{{")):
            doc.diag(
                "warning",
                (*root, index, "baseUri"),
                f"namespace '{name}' has no usable baseUri ({base!r}); its calls fail "
                "until one is given",
                hint=f"set an http(s) URL, or run with --base-uri {name}=URL",
                code="base-uri",
            )
        _credentials(doc, entry.get("authentication"), (*root, index, "authentication"))
        for res_i, resource in items(entry, "resources"):
            for op_i, operation in items(resource, "operations"):
                outputs(
                    doc,
                    operation.get("outputParameters"),
                    (*root, index, "resources", res_i, "operations", op_i, "outputParameters"),
                    consumed=True,
                )
    return {name: entry for name, (_, entry) in seen.items()}


_NEEDED = {
    "bearer": ("token",),
    "basic": ("username", "password"),
    "digest": ("username", "password"),
}


def _credentials(doc: Document, auth: Any, path: JsonPath) -> None:
    """Credentials with a part missing are sent all the same (`Authorization: Bearer `
    with nothing after it): every call of the namespace would fail its authentication."""
    if not isinstance(auth, dict):
        return
    kind = auth.get("type")
    missing = [k for k in _NEEDED.get(str(kind), ()) if not auth.get(k)]
    if kind == "apikey" and not auth.get("headers") and not (auth.get("key") and auth.get("value")):
        missing = [k for k in ("key", "value") if not auth.get(k)]
    if missing:
        doc.diag(
            "warning",
            path,
            f"{kind} authentication without {' and '.join(repr(m) for m in missing)}: the "
            "upstream would receive an empty credential",
            hint='bind the secret and write it, e.g. token: "{{MY_TOKEN}}"',
            code="auth-incomplete",
        )


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


# --- binds ---------------------------------------------------------------------------------


def _binds(doc: Document, data: dict[str, Any], capability: dict[str, Any]) -> None:
    for root in (("binds",), ("capability", "binds")):
        holder = data if len(root) == 1 else capability
        seen: set[str] = set()
        for index, bind in items(holder, "binds"):
            name = bind.get("namespace")
            if name in seen:
                doc.diag(
                    "error",
                    (*root, index, "namespace"),
                    f"bind namespace '{name}' is declared twice",
                    hint="merge the two binds or rename one",
                    code="duplicate-namespace",
                )
            if isinstance(name, str):
                seen.add(name)
            location = bind.get("location")
            if isinstance(location, str) and not location.startswith("file:"):
                doc.diag(
                    "error",
                    (*root, index, "location"),
                    f"bind location scheme of {location!r} is not supported",
                    hint="use file:// (YAML, JSON, .env or a directory of files) or omit "
                    "location to read environment variables",
                    code="bind-scheme",
                )


# --- aggregates ----------------------------------------------------------------------------


def _aggregates(doc: Document, capability: dict[str, Any]) -> dict[str, dict[str, Any]]:
    functions: dict[str, dict[str, Any]] = {}
    for index, aggregate in items(capability, "aggregates"):
        for f_index, function in items(aggregate, "functions"):
            key = f"{aggregate.get('namespace')}.{function.get('name')}"
            if key in functions:
                doc.diag(
                    "error",
                    ("capability", "aggregates", index, "functions", f_index, "name"),
                    f"aggregate function '{key}' is declared twice",
                    hint="rename one of them",
                    code="duplicate-name",
                )
            functions[key] = function
    return functions
