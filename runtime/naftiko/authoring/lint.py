"""`naftiko lint`: advice the schema cannot express, for editors and CI.

Rules (after REFERENCE.md section 8, plus what authors trip on):
- naming: step names; a baseUri without a trailing slash; resource paths without `?` or a
  trailing slash; no `example.com` left in a baseUri or address;
- descriptions where agents read them: MCP tools and aggregate functions;
- unused binds (a variable the file never names) and unreachable consumed operations (no
  tool, operation, step, function or forward reaches them);
- secrets written in plain text (an `authentication` value that is neither a `{{template}}`
  nor a bound variable's name);
- safety: no `<script` or `eval(` in descriptions; an MCP stdio adapter has no authentication;
  at most one control adapter, on its own port;
- consistency: tool hints that contradict themselves, the method they call, or the
  `semantics` of the aggregate function they refer to; a REST method that writes on a
  function whose semantics say `safe`; a response cache on an operation that is not a GET;
- OAuth2 on an adapter: an authorization server or resource not in https (loopback aside),
  no scopes.
Findings carry file:line:col and a rule id; errors only for the safety rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from naftiko.errors import Diagnostic, Severity
from naftiko.pipeline import load
from naftiko.serve.assembly import check
from naftiko.spec.document import Document
from naftiko.spec.sections import items
from naftiko.spec.yaml import JsonPath
from naftiko.template import TemplateSyntaxError, variables_of

# how a rule reports: add(severity, path, rule, message, hint="")
Add = Callable[..., None]
_STEP_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_SECRET_FIELDS = ("token", "password", "value")


def lint_file(file: str) -> list[Diagnostic]:
    """What `run` would refuse, then the advice; the file is checked as `validate` does."""
    found = [d for d in check([file], "lenient")[file] if d.severity == "error"]
    doc = load(file).document
    if doc is not None and not doc.errors:
        found.extend(lint(doc))
    return found


def lint(doc: Document) -> list[Diagnostic]:
    data: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}
    capability: dict[str, Any] = _mapping(data.get("capability"))
    found: list[Diagnostic] = []

    def add(severity: Severity, path: JsonPath, rule: str, message: str, hint: str = "") -> None:
        file, line, col = doc.where(path)
        found.append(
            Diagnostic(
                severity,
                message,
                file=file,
                line=line,
                col=col,
                field=".".join(str(p) for p in path),
                hint=hint,
                code=rule,
                path=path,
            )
        )

    info = _mapping(data.get("info"))
    bound = {
        str(variable)
        for _, bind in _entries(data, capability, "binds")
        for variable in _mapping(bind.get("keys"))
    }
    consumes = list(_entries(data, capability, "consumes"))
    _consumed(consumes, add, bound)
    _adapters(capability, add, bound)
    _functions(capability, add)
    _steps(capability, add)
    _contradictions(capability, consumes, add)
    _unused_binds(data, capability, add)
    _unreachable(consumes, capability, add)
    for field in ("description", "label"):
        if _unsafe(info.get(field)):
            add("error", ("info", field), "unsafe-markup", "description holds <script or eval(")
    return found


def _consumed(consumes: list[tuple[JsonPath, dict[str, Any]]], add: Add, bound: set[str]) -> None:
    """Consumed namespaces: base URIs, secrets, query strings in paths, caches off GET."""
    for path, entry in consumes:
        base = str(entry.get("baseUri") or "")
        if base.endswith("/"):
            add("warning", (*path, "baseUri"), "baseuri-trailing-slash", "baseUri ends with '/'")
        if "example.com" in base:
            add(
                "warning",
                (*path, "baseUri"),
                "baseuri-example",
                "baseUri still points at example.com",
            )
        _secrets(entry.get("authentication"), (*path, "authentication"), add, bound)
        for r_index, resource in items(entry, "resources"):
            if "?" in str(resource.get("path", "")):
                add(
                    "warning",
                    (*path, "resources", r_index, "path"),
                    "consumed-path-query",
                    "a consumed resource path holds a query string",
                    "declare query parameters",
                )
            for o_index, operation in items(resource, "operations"):
                method = str(operation.get("method") or "GET").upper()
                if "x-naftiko-cache" in operation and method != "GET":
                    add(
                        "warning",
                        (*path, "resources", r_index, "operations", o_index, "x-naftiko-cache"),
                        "cache-not-get",
                        f"x-naftiko-cache on a {method} operation: only GET answers are kept",
                        "remove the block from this operation",
                    )


def _adapters(capability: dict[str, Any], add: Add, bound: set[str]) -> None:
    """Exposed adapters: addresses, auth, descriptions, safety; one control adapter."""
    for a_index, adapter in items(capability, "exposes"):
        path = ("capability", "exposes", a_index)
        kind = adapter.get("type")
        address = str(adapter.get("address") or "")
        if address.endswith("example.com"):
            add(
                "warning",
                (*path, "address"),
                "address-example",
                "address still points at example.com",
            )
        if kind == "mcp" and adapter.get("transport") == "stdio" and adapter.get("authentication"):
            add(
                "warning",
                (*path, "authentication"),
                "mcp-auth-stdio",
                "a stdio MCP adapter has no HTTP to authenticate",
                "remove `authentication`",
            )
        _secrets(adapter.get("authentication"), (*path, "authentication"), add, bound)
        _oauth(adapter.get("authentication"), (*path, "authentication"), add)
        _descriptions(adapter, path, add)
        _safety(adapter, path, add)
    controls = [(i, a) for i, a in items(capability, "exposes") if a.get("type") == "control"]
    if len(controls) > 1:
        add(
            "error",
            ("capability", "exposes", controls[1][0]),
            "control-singleton",
            "more than one control adapter",
        )


def _functions(capability: dict[str, Any], add: Add) -> None:
    """Aggregate functions say what they do."""
    for g_index, group in items(capability, "aggregates"):
        for f_index, function in items(group, "functions"):
            if not function.get("description"):
                add(
                    "warning",
                    ("capability", "aggregates", g_index, "functions", f_index),
                    "function-description",
                    f"function '{function.get('name')}' has no description",
                )


def _entries(
    data: dict[str, Any], capability: dict[str, Any], key: str
) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    for index, entry in items(capability, key):
        yield ("capability", key, index), entry
    for index, entry in items(data, key):
        yield (key, index), entry


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _secrets(auth: Any, path: JsonPath, add: Add, bound: set[str]) -> None:
    if not isinstance(auth, dict):
        return
    for field in _SECRET_FIELDS:
        value = auth.get(field)
        if isinstance(value, str) and value and not _is_template(value) and value not in bound:
            add(
                "warning",
                (*path, field),
                "plain-secret",
                f"`{field}` is written in plain text",
                "bind it: token: '{{MY_TOKEN}}' with a bind",
            )


def _oauth(auth: Any, path: JsonPath, add: Add) -> None:
    """An exposed oauth2 resource server: its URLs in https, and scopes that say something."""
    if not isinstance(auth, dict) or auth.get("type") != "oauth2":
        return
    for field in ("authorizationServerUri", "resource"):
        value = str(auth.get(field) or "")
        local = any(host in value for host in ("://localhost", "://127.0.0.1", "://[::1]"))
        if value and not _is_template(value) and not value.startswith("https://") and not local:
            add(
                "warning",
                (*path, field),
                "oauth2-https",
                f"{field} is not an https URL: tokens would cross in clear",
                "use https:// (plain http is for loopback only)",
            )
    if not auth.get("scopes"):
        add(
            "warning",
            path,
            "oauth2-scopes",
            "oauth2 without scopes admits any token the authorization server issues for it",
            "list the scopes every request needs (scopes: [...])",
        )


def _descriptions(adapter: dict[str, Any], path: JsonPath, add: Add) -> None:
    if adapter.get("type") == "rest":
        for r_index, resource in items(adapter, "resources"):
            r_path = (*path, "resources", r_index)
            text = str(resource.get("path", ""))
            if text.endswith("/") and text != "/":
                add("warning", (*r_path, "path"), "rest-path-trailing-slash", "path ends with '/'")
            if "?" in text:
                add("warning", (*r_path, "path"), "rest-path-query", "path holds a query string")
    if adapter.get("type") == "mcp":
        for t_index, tool in items(adapter, "tools"):
            if not tool.get("description") and not tool.get("ref"):
                add(
                    "warning",
                    (*path, "tools", t_index),
                    "tool-description",
                    f"tool '{tool.get('name')}' has no description",
                    "agents choose tools by it",
                )


def _safety(adapter: dict[str, Any], path: JsonPath, add: Add) -> None:
    if _unsafe(adapter.get("description")):
        add("error", (*path, "description"), "unsafe-markup", "description holds <script or eval(")
    for key in ("tools", "resources", "skills"):
        for index, unit in items(adapter, key):
            if _unsafe(unit.get("description")):
                add(
                    "error",
                    (*path, key, index, "description"),
                    "unsafe-markup",
                    "description holds <script or eval(",
                )


def _unsafe(text: Any) -> bool:
    return isinstance(text, str) and ("<script" in text.lower() or "eval(" in text)


def _steps(capability: dict[str, Any], add: Add) -> None:
    for path, unit in _units(capability):
        for s_index, step in items(unit, "steps"):
            name = str(step.get("name", ""))
            if not _STEP_NAME.match(name):
                add(
                    "warning",
                    (*path, "steps", s_index, "name"),
                    "step-name",
                    f"step name '{name}' should use letters, digits, '-' and '_'",
                )


def _units(capability: dict[str, Any]) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    for a_index, adapter in items(capability, "exposes"):
        base: JsonPath = ("capability", "exposes", a_index)
        for t_index, tool in items(adapter, "tools"):
            yield (*base, "tools", t_index), tool
        for r_index, resource in items(adapter, "resources"):
            yield (*base, "resources", r_index), resource
            for o_index, operation in items(resource, "operations"):
                yield (*base, "resources", r_index, "operations", o_index), operation
    for g_index, group in items(capability, "aggregates"):
        for f_index, function in items(group, "functions"):
            yield ("capability", "aggregates", g_index, "functions", f_index), function


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _contradictions(
    capability: dict[str, Any], consumes: list[tuple[JsonPath, dict[str, Any]]], add: Add
) -> None:
    """Hints and methods that say the opposite of what the unit does or refers to."""
    safe = {
        f"{group.get('namespace')}.{function.get('name')}"
        for _, group in items(capability, "aggregates")
        for _, function in items(group, "functions")
        if _mapping(function.get("semantics")).get("safe") is True
    }
    methods = {
        f"{entry.get('namespace')}.{op.get('name')}": str(op.get("method") or "GET").upper()
        for _, entry in consumes
        for _, resource in items(entry, "resources")
        for _, op in items(resource, "operations")
    }
    for path, unit in _units(capability):
        ref, hints = unit.get("ref"), _mapping(unit.get("hints"))
        if "tools" in path and hints.get("readOnly") is True and hints.get("destructive") is True:
            add(
                "warning",
                (*path, "hints"),
                "hints-contradict",
                "hints say readOnly and destructive",
            )
        if hints.get("readOnly") is True and methods.get(str(unit.get("call"))) in _WRITES:
            add(
                "warning",
                (*path, "hints", "readOnly"),
                "hints-contradict-method",
                f"readOnly, but '{unit.get('call')}' is {methods[str(unit.get('call'))]}",
                "set readOnly: false, or call a read operation",
            )
        if ref not in safe:
            continue
        if hints.get("readOnly") is False or hints.get("destructive") is True:
            add(
                "warning",
                (*path, "hints"),
                "hints-contradict-semantics",
                f"the hints say it writes, but '{ref}' is declared safe",
                "drop the hints to inherit them from the function's semantics",
            )
        if "operations" in path and str(unit.get("method") or "").upper() in _WRITES:
            add(
                "warning",
                (*path, "method"),
                "method-contradicts-semantics",
                f"{str(unit.get('method')).upper()} on '{ref}', which is declared safe",
                "serve a safe function with GET",
            )


def _unused_binds(data: dict[str, Any], capability: dict[str, Any], add: Add) -> None:
    rest = {k: v for k, v in data.items() if k != "binds"}
    rest["capability"] = {k: v for k, v in capability.items() if k != "binds"}
    text = _all_text(rest)
    for path, bind in _entries(data, capability, "binds"):
        for variable in _mapping(bind.get("keys")):
            if not re.search(rf"\b{re.escape(str(variable))}\b", text):
                add(
                    "warning",
                    (*path, "keys", variable),
                    "unused-bind",
                    f"bind variable {variable} is never used",
                    "use {{" + str(variable) + "}} or remove it",
                )


def _unreachable(
    consumes: list[tuple[JsonPath, dict[str, Any]]], capability: dict[str, Any], add: Add
) -> None:
    calls, forwarded = _calls(capability)
    for path, entry in consumes:
        namespace = entry.get("namespace")
        if namespace in forwarded:
            continue  # a forward reaches every path of it
        for r_index, resource in items(entry, "resources"):
            for o_index, operation in items(resource, "operations"):
                target = f"{namespace}.{operation.get('name')}"
                if target not in calls:
                    add(
                        "warning",
                        (*path, "resources", r_index, "operations", o_index),
                        "unreachable-operation",
                        f"no tool, operation, step or function calls {target}",
                    )


def _calls(node: Any) -> tuple[set[str], set[str]]:
    """Every `call` value, and every namespace a `forward` targets."""
    calls: set[str] = set()
    forwarded: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if isinstance(current.get("call"), str):
                calls.add(current["call"])
            forward = current.get("forward")
            if isinstance(forward, dict) and isinstance(forward.get("targetNamespace"), str):
                forwarded.add(forward["targetNamespace"])
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return calls, forwarded


def _all_text(node: Any) -> str:
    if isinstance(node, dict):
        return " ".join(_all_text(v) for v in node.values())
    if isinstance(node, list):
        return " ".join(_all_text(v) for v in node)
    return node if isinstance(node, str) else ""


def _is_template(value: str) -> bool:
    try:
        return bool(variables_of(value))
    except TemplateSyntaxError:
        return True  # a broken template is still meant as one
