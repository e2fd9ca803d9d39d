"""One path from a file to runnable plans: `validate`, `lint`, `call` and `run` all take it.

    read -> import -> schema -> rules -> model -> variables -> binds -> plans -> served?

Every finding lands in one list of diagnostics with file:line:col, so whatever `run` would
refuse at start-up, `validate` reports first. The one difference: `validate` never reads
secrets, so binds are placeholders there and a missing variable is only `run`'s to report.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from naftiko.bind import placeholders, resolve
from naftiko.engine import DEFAULT_TIMEOUTS, Engine, ExposedPlan, Overrides, Timeouts
from naftiko.errors import Diagnostic, NaftikoError, Severity, SpecError, of_severity
from naftiko.location import Location
from naftiko.spec import check
from naftiko.spec.build import build
from naftiko.spec.document import Document
from naftiko.spec.model import Capability
from naftiko.spec.verdict import DEAD

_SERVED = frozenset({"rest", "mcp", "skill", "control"})
log = logging.getLogger("naftiko.load")

# per file: its load warnings, and (target, why) for each unit that will not run
Finding = tuple[str, tuple[Diagnostic, ...], tuple[tuple[str, str], ...]]


@dataclass
class Compiled:
    """One file on its way to serving: what was built so far and everything found."""

    file: str
    capability: Capability | None = None
    document: Document | None = None
    engine: Engine | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # where `capability:` is written, for findings about the whole capability
    anchor: Location = field(default_factory=Location)
    # a root `consumes` file, made to be imported by capabilities
    shared: bool = False

    def add(self, found: list[Diagnostic]) -> None:
        """Findings join the list at their natural severity (``spec.verdict`` judges them)."""
        self.diagnostics.extend(found)

    @property
    def errors(self) -> list[Diagnostic]:
        return of_severity(self.diagnostics, "error")

    @property
    def warnings(self) -> list[Diagnostic]:
        return of_severity(self.diagnostics, "warning")

    @property
    def disabled(self) -> list[ExposedPlan]:
        """The units that will not run, each with its reason in ``disabled``."""
        if self.engine is None:
            return []
        return [p for p in self.engine.plans.values() if isinstance(p, ExposedPlan) and p.disabled]


def load(file: str | Path) -> Compiled:
    """Read, check and model one file; never raises for what is wrong in the file."""
    found = Compiled(str(file))
    try:
        doc = check(file)
    except SpecError as exc:
        found.add(list(exc.diagnostics))
        return found
    except NaftikoError as exc:
        found.add([Diagnostic("error", exc.message, file=str(file), code="load", hint=exc.hint)])
        return found
    found.document = doc
    found.shared = isinstance(doc.data, dict) and "capability" not in doc.data
    found.add(doc.diagnostics)
    if doc.errors:
        return found
    found.anchor = Location(*doc.where(("capability",)))
    found.capability = build(doc)
    return found


def compile_plans(
    compiled: Compiled,
    *,
    secrets: bool = True,
    environ: Mapping[str, str] | None = None,
    base_uris: Mapping[str, str] | None = None,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    resilience: Overrides | None = None,
) -> Engine | None:
    """Bind and compile the plans of a loaded file; problems join its diagnostics."""
    capability = compiled.capability
    if capability is None or compiled.errors:
        return None
    try:
        binds = resolve(capability, environ) if secrets else placeholders(capability)
        mine = {c.namespace for c in capability.consumes}
        engine = Engine(
            capability,
            base_uris={k: v for k, v in (base_uris or {}).items() if k in mine},
            environ=environ,
            timeouts=timeouts,
            binds=binds,
            resilience=resilience,
        )
    except SpecError as exc:
        compiled.diagnostics.extend(d for d in exc.diagnostics if d.severity == "error")
        return None
    except NaftikoError as exc:
        compiled.diagnostics.append(
            Diagnostic("error", exc.message, file=compiled.file, code="bind", hint=exc.hint)
        )
        return None
    compiled.engine = engine
    compiled.add(list(engine.runtime.findings))  # the script steps that cannot run
    compiled.add(_unexplained(compiled))
    if not compiled.shared:
        compiled.add(_serves_nothing(compiled))
    elif secrets:  # valid to import; nothing to run on its own
        compiled.add(
            [
                Diagnostic(
                    "error",
                    "a shared consumes file serves nothing on its own",
                    file=compiled.file,
                    hint="run a capability that imports it (consumes: - location: ...)",
                    code="serves-nothing",
                )
            ]
        )
    return engine


def finding(compiled: Compiled) -> Finding:
    return (
        compiled.file,
        tuple(compiled.warnings),
        tuple((p.target, p.disabled) for p in compiled.disabled),
    )


def tell(findings: Sequence[Finding]) -> None:
    """Every load warning, once, grouped by file, with what it disables: what `run` and
    `call` say before they serve or call."""
    for file, warnings, disabled in findings:
        if not warnings and not disabled:
            continue
        off = f", {len(disabled)} unit(s) disabled" if disabled else ""
        log.warning("%s: %d warning(s)%s", file, len(warnings), off)
        for warning in warnings:
            log.warning("  %s", warning)
        for target, why in disabled:
            log.warning("  disabled: %s: %s", target, why)


def _unexplained(compiled: Compiled) -> list[Diagnostic]:
    """A unit disabled while compiling is the consequence of a finding made before (a call
    to an operation that is itself disabled); should none explain it, it is said here, so
    that no unit is ever disabled in silence."""
    if any(d.code in DEAD or d.severity == "error" for d in compiled.diagnostics):
        return []
    return [
        Diagnostic.at(
            plan.unit.where,
            "warning",
            f"'{plan.target}' is disabled: {plan.disabled}",
            field=plan.target,
            code="unit-disabled",
        )
        for plan in compiled.disabled
        if not plan.unit.disabled
    ]


def _serves_nothing(compiled: Compiled) -> list[Diagnostic]:
    capability, engine = compiled.capability, compiled.engine
    assert capability is not None and engine is not None
    for adapter in capability.exposes:
        if adapter.type not in _SERVED:
            continue
        if adapter.type in ("skill", "control") or adapter.mcp_resources or adapter.prompts:
            return []
        if any(r.forward is not None for r in adapter.resources):
            return []
        for unit in adapter.units:
            plan = engine.plans.get(unit.target)
            if isinstance(plan, ExposedPlan) and not plan.disabled:
                return []
    if capability.exposes:
        # The generated dialect has files whose every call dangles; the reference starts
        # them, so they start here too, loudly: each disabled unit answers why it cannot run.
        severity: Severity = "warning"
        message = "every tool and operation it exposes is disabled; the adapters answer errors"
        hint = "fix the warnings that disable them"
    else:
        severity = "error"
        message = "the capability serves nothing: it exposes no rest, mcp, skill or control adapter"
        hint = "declare them under capability.exposes"
    return [
        Diagnostic.at(
            compiled.anchor,
            severity,
            message,
            field="capability.exposes",
            hint=hint,
            code="serves-nothing",
        )
    ]
