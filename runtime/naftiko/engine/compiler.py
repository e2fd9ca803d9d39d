"""Compile every consumed operation and every exposed tool/operation into plans, once, at load.

Problems found while compiling (a bad template or JSONPath) are collected and reported
together, each at its line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace

from naftiko.bind.secret import Secret
from naftiko.consume.auth import CompiledAuth
from naftiko.consume.cache import CachePolicy, ResponseCache
from naftiko.consume.circuit import Circuit
from naftiko.consume.client import DEFAULT_TIMEOUTS, Timeouts, UpstreamClient
from naftiko.consume.oauth2 import ClientCredentials
from naftiko.consume.request import RequestRecipe
from naftiko.consume.resilience import Overrides, Resilience, from_block
from naftiko.consume.tls import tls_context
from naftiko.engine.compiled import (
    CallStep,
    ConsumedPlan,
    ExposedPlan,
    LookupStep,
    Orchestration,
    Plan,
    Runtime,
    ScriptStep,
    script_shape,
    step_shape,
)
from naftiko.engine.inputs import InputCheck
from naftiko.engine.pages import Pagination, PaginationError
from naftiko.engine.scope import CallScope
from naftiko.engine.signature import Input, signature, sources
from naftiko.engine.steps import compile_lookup, compile_mappings
from naftiko.engine.withs import compile_with
from naftiko.errors import Diagnostic, NaftikoError, SpecError
from naftiko.jsonpath import JsonPathSyntaxError
from naftiko.location import Location
from naftiko.names import GENERIC_PREFIXES, norm
from naftiko.observe.redact import SENSITIVE_HEADERS
from naftiko.routes import variables
from naftiko.scripting.load import Scripts
from naftiko.scripting.settings import Governance
from naftiko.shaping import Shaper, named_outputs, output_check, output_schema
from naftiko.spec.model import Capability, ConsumedOperation, Consumes, Unit
from naftiko.template import TemplateSyntaxError


def base_uri_overrides(
    namespaces: list[str], flags: Mapping[str, str], environ: Mapping[str, str]
) -> dict[str, str]:
    """Flag beats NAFTIKO_BASE_URI_<NS> beats the file."""
    found: dict[str, str] = {}
    for namespace in namespaces:
        variable = "NAFTIKO_BASE_URI_" + namespace.upper().replace("-", "_")
        if namespace in flags:
            found[namespace] = flags[namespace]
        elif environ.get(variable):
            found[namespace] = environ[variable]
    return found


def compile_capability(
    capability: Capability,
    binds: Mapping[str, Secret],
    *,
    base_uris: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    resilience: Overrides | None = None,
) -> tuple[dict[str, Plan], Runtime]:
    """Every target of the capability, keyed ``namespace.name``, and the runtime they share
    (which holds every consumes namespace, those without operations included: forward
    resources use them). ``resilience`` holds Resilience fields set by flags; they win
    over each consumes entry's block."""
    env = os.environ if environ is None else environ
    namespaces = [c.namespace for c in capability.consumes]
    overrides = base_uri_overrides(namespaces, base_uris or {}, env)
    unknown = sorted(set(base_uris or {}) - set(namespaces))
    problems: list[Diagnostic] = []
    if unknown:
        problems.append(
            Diagnostic(
                "error",
                f"--base-uri names unknown namespace(s): {', '.join(unknown)}",
                file=str(capability.path),
                hint=f"consumes namespaces: {', '.join(namespaces) or 'none'}",
                code="base-uri",
            )
        )
    runtime = Runtime(binds=binds)
    if any(s.type == "script" for u in _units(capability) for s in u.steps):
        runtime.scripts = Scripts(capability, Governance.of(capability.scripting, env))
    plans: dict[str, Plan] = {}
    label = _slug(capability.label or capability.path.stem)
    for consumes in capability.consumes:
        policy = replace(from_block(consumes.resilience), **(resilience or {}))
        _compile_consumes(consumes, overrides, runtime, timeouts, policy, plans, problems, label)
    functions: dict[str, ExposedPlan] = {}
    for function in capability.functions:
        plan = _compile_unit(function, runtime, plans, {}, problems)
        if plan is not None:
            functions[function.target] = _contract(plan)
    for adapter in capability.exposes:
        for unit in adapter.units:
            found = _compile_unit(unit, runtime, plans, functions, problems)
            if found is not None:
                plans.setdefault(unit.target, _contract(found))
    if any(p.severity == "error" for p in problems):
        raise SpecError(problems)
    runtime.findings = [p for p in problems if p.severity == "warning"]
    return plans, runtime


def _compile_consumes(
    consumes: Consumes,
    overrides: Mapping[str, str],
    runtime: Runtime,
    timeouts: Timeouts,
    policy: Resilience,
    plans: dict[str, Plan],
    problems: list[Diagnostic],
    label: str,
) -> None:
    base = overrides.get(consumes.namespace, consumes.base_uri)
    middleware = None
    if consumes.auth is not None and consumes.auth.type == "digest":
        middleware = CompiledAuth(consumes.auth).digest(CallScope({}, runtime.binds))
    oauth = None
    if consumes.auth is not None and consumes.auth.type == "oauth2":
        try:
            scope = CallScope({}, runtime.binds)
            oauth = ClientCredentials(consumes.namespace, consumes.auth, scope, timeouts.total)
        except NaftikoError as exc:
            problems.append(_located(consumes.where, exc.message, "oauth2", exc.hint))
    tls = None
    try:
        tls = tls_context(consumes.namespace, consumes.tls)
    except NaftikoError as exc:
        problems.append(_located(consumes.where, exc.message, "tls", exc.hint))
    circuit = Circuit.of(consumes.namespace, consumes.resilience.get("circuit"))
    propagate = _propagated(consumes, problems)
    prefix = f"naftiko:{label}:{consumes.namespace}:"
    client = UpstreamClient(
        consumes.namespace, timeouts, middleware, policy, oauth, tls, circuit, propagate, prefix
    )
    runtime.clients[consumes.namespace] = client
    runtime.consumes.setdefault(consumes.namespace, consumes)
    runtime.bases.setdefault(consumes.namespace, base)
    for operation in consumes.operations:
        target = f"{consumes.namespace}.{operation.name}"
        if target in plans:
            continue
        try:
            recipe = RequestRecipe(consumes, operation, base)
        except TemplateSyntaxError as exc:
            problems.append(_located(operation.where, f"{target}: {exc}", "template"))
            continue
        cache = _cache(consumes, operation, prefix)
        block = operation.extensions.get("pagination")
        pages = None
        if isinstance(block, Mapping):
            try:
                declared = frozenset(norm(p.name) for p in recipe.params)
                pages = Pagination.of(block, declared, client.resilience)
            except (PaginationError, JsonPathSyntaxError) as exc:
                message = f"{target}: x-naftiko-pagination: {exc}"
                problems.append(_located(operation.where, message, "pagination"))
                continue
        plans[target] = ConsumedPlan(target, recipe, client, operation, runtime, cache, pages)


def _slug(text: str) -> str:
    """A capability's name as a key part: lower case, words joined by '-'."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())) or "capability"


def _propagated(consumes: Consumes, problems: list[Diagnostic]) -> tuple[str, ...]:
    """The names `x-naftiko-propagate` lists; a credential's name is refused, so that the
    caller's credentials never reach an upstream."""
    names = consumes.extensions.get("propagate") or []
    own = str((consumes.auth.fields if consumes.auth else {}).get("key") or "").lower()
    kept: list[str] = []
    for name in names if isinstance(names, list) else []:
        text = str(name)
        if text.lower() in SENSITIVE_HEADERS or (own and text.lower() == own):
            problems.append(
                Diagnostic.at(
                    consumes.where,
                    "error",
                    f"consumes '{consumes.namespace}': x-naftiko-propagate lists '{text}', "
                    "a credential; the caller's credentials are never passed on",
                    hint="remove it; upstream credentials come from `authentication` and binds",
                    code="propagate",
                )
            )
        else:
            kept.append(text)
    return tuple(kept)


def _cache(consumes: Consumes, operation: ConsumedOperation, prefix: str) -> ResponseCache | None:
    """The operation's response cache, when its block or its namespace's asks for one."""
    policy = CachePolicy.of(consumes.extensions.get("cache"), operation.extensions.get("cache"))
    if policy is None:
        return None
    if operation.method != "GET":
        return None  # lint says so: only GET answers are kept
    return ResponseCache(policy, f"{prefix}{operation.name}:")


def _contract(plan: ExposedPlan) -> ExposedPlan:
    """What adapters read instead of deciding it themselves: inputs and output schema."""
    unit = (plan.function or plan).unit
    call = (plan.function or plan).call
    outputs = plan.unit.outputs or unit.outputs
    spelled = {norm(v): v for v in variables(plan.unit.path or "")}
    accepted = signature(
        plan.unit, plan.inputs, call.operation if call is not None else None, frozenset(spelled)
    )
    schema = output_schema(outputs)
    return replace(
        plan,
        signature=tuple(accepted),
        check_inputs=InputCheck.of(
            plan.inputs, tuple(accepted), "" if plan.unit.adapter_type == "rest" else "arguments"
        ),
        output_schema=schema,
        output_check=output_check(schema) if schema is not None else None,
        sources=sources(plan.unit.inputs, spelled),
        paging=_paging(call, accepted),
    )


def _paging(call: ConsumedPlan | None, accepted: list[Input]) -> str:
    if call is None or call.pages is None:
        return ""
    wanted = norm(call.pages.param)
    return call.pages.note(any(norm(i.name) == wanted for i in accepted))


def _located(at: Location, message: str, code: str, hint: str = "") -> Diagnostic:
    return Diagnostic.at(at, "error", message, code=code, hint=hint)


def _compile_unit(
    unit: Unit,
    runtime: Runtime,
    plans: Mapping[str, Plan],
    functions: Mapping[str, ExposedPlan],
    problems: list[Diagnostic],
) -> ExposedPlan | None:
    aliases = frozenset({unit.adapter, unit.adapter_type, *GENERIC_PREFIXES})
    base = ExposedPlan(unit.target, unit, runtime, aliases, unit.inputs)
    if unit.disabled:
        return replace(base, disabled=unit.disabled)
    try:
        withs = compile_with(unit.with_, aliases)
        shapers = tuple(Shaper(o, f"{unit.target}.output") for o in unit.outputs)
    except (TemplateSyntaxError, JsonPathSyntaxError) as exc:
        problems.append(_located(unit.where, f"{unit.target}: {exc}", "template"))
        return None
    ready = replace(base, withs=withs, shapers=shapers, named=named_outputs(shapers))
    if unit.ref:
        function = functions.get(unit.ref)
        if function is None:
            return replace(base, disabled=f"aggregate function '{unit.ref}' is unknown")
        inputs = unit.inputs if unit.inputs is not None else function.inputs
        return replace(ready, function=function, inputs=inputs)
    if unit.steps:
        try:
            orchestration = _orchestration(unit, aliases, plans, runtime.scripts, problems)
        except (TemplateSyntaxError, JsonPathSyntaxError) as exc:
            problems.append(_located(unit.where, f"{unit.target}: {exc}", "template"))
            return None
        if isinstance(orchestration, str):
            return replace(base, disabled=orchestration)
        return replace(ready, orchestration=orchestration)
    if unit.call:
        call = plans.get(unit.call)
        if not isinstance(call, ConsumedPlan):
            return replace(base, disabled=f"'{unit.target}' calls unknown '{unit.call}'")
        identity = len(shapers) == 1 and shapers[0].identity and not shapers[0].name
        json_answer = call.operation.output_format == "json"
        # the answer is the upstream's JSON body itself: checked, and decoded only when read
        verbatim = json_answer and (identity or not shapers)
        return replace(ready, call=call, verbatim=verbatim)
    if any(o.mock for o in shapers):
        return replace(ready, mock=True)
    return replace(base, disabled=f"'{unit.target}' has no call, steps, ref or mock outputs")


def _orchestration(
    unit: Unit,
    aliases: frozenset[str],
    plans: Mapping[str, Plan],
    scripts: Scripts | None,
    problems: list[Diagnostic],
) -> Orchestration | str:
    """The compiled steps, or why the unit cannot run (a script's problems are errors)."""
    steps: list[CallStep | LookupStep | ScriptStep] = []
    for step in unit.steps:
        if step.type == "lookup":
            steps.append(compile_lookup(step))
            continue
        if step.type == "script" and scripts is not None:
            script = scripts.add(step, unit.target, problems)
            if script is None:
                return f"script step '{step.name}' of '{unit.target}' did not load"
            withs = compile_with(step.with_, aliases)
            steps.append(ScriptStep(step.name, script, scripts, withs, script_shape(script)))
            continue
        if step.type != "call":
            return f"'{unit.target}' has a {step.type} step, which naftiko does not run"
        call = plans.get(step.call or "")
        if not isinstance(call, ConsumedPlan):
            return f"step '{step.name}' of '{unit.target}' calls unknown '{step.call}'"
        projection = tuple(
            Shaper(o, f"{call.target}.{o.name or 'output'}")
            for o in call.operation.outputs
            if o.mapping
        )
        withs = compile_with(step.with_, aliases)
        steps.append(CallStep(step.name, call, withs, projection, step_shape(step.name, "call")))
    return Orchestration(tuple(steps), compile_mappings(unit.mappings))


def _units(capability: Capability) -> list[Unit]:
    return [*capability.functions, *(u for a in capability.exposes for u in a.units)]
