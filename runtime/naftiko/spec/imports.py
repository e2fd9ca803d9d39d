"""Resolve imports of shared consumes files (`location`, `import`, `as`).

Locations are relative to the importing file (``./shared/x.yaml``, ``file:///./shared/x.yaml``
and ``file://./x`` all work); imports may chain, and a cycle is reported with its chain.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from naftiko.errors import SpecError
from naftiko.spec import beta5
from naftiko.spec.document import Document
from naftiko.spec.model import Capability
from naftiko.spec.yaml import JsonPath, Source, read


def location_path(location: str, base_dir: Path) -> Path:
    """Turn an import or bind location into a file path relative to ``base_dir``."""
    text = location
    if text.startswith("file://"):
        text = text[len("file://") :]
        if text.startswith("/./") or text.startswith("/../"):
            text = text[1:]
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = base_dir / candidate
    return Path(candidate.resolve())


# Sections whose entries may be imported from another file. Consumes imports are alpha2's;
# exposes, aggregates and binds come from Ikanos beta files (split files), read the same way.
SECTIONS = ("consumes", "exposes", "aggregates", "binds")


def resolve(doc: Document, cache: dict[Path, Source] | None = None) -> None:
    """Splice every imported entry of ``doc`` into ``doc.data``, in place."""
    cache = {} if cache is None else cache
    if not isinstance(doc.data, dict):
        return
    capability = doc.data.get("capability")
    for section in SECTIONS:
        for holder, path in ((capability, ("capability",)), (doc.data, ())):
            if isinstance(holder, dict) and isinstance(found := holder.get(section), list):
                _resolve_list(doc, found, (*path, section), cache, section)


def _resolve_list(
    doc: Document, entries: list[Any], path: JsonPath, cache: dict[Path, Source], section: str
) -> None:
    for index, entry in enumerate(entries):
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("location"), str)
            and "import" in entry  # a file bind has a location too, and no import
        ):
            entry_path = (*path, index)
            found = _load_entry(doc, entry, entry_path, doc.base_dir, cache, [doc.path], section)
            if found is not None:
                entries[index] = found


def _load_entry(
    doc: Document,
    entry: dict[str, Any],
    entry_path: JsonPath,
    base_dir: Path,
    cache: dict[Path, Source],
    chain: list[Path],
    section: str = "consumes",
) -> dict[str, Any] | None:
    """Return the imported entry, recording its origin in ``doc.overlays``."""
    location = entry["location"]
    name = entry.get("import")
    target = location_path(location, base_dir)
    if target in chain:
        cycle = " -> ".join(str(p) for p in [*chain, target])
        doc.diag(
            "error",
            (*entry_path, "location"),
            f"import cycle: {cycle}",
            hint="remove one of the imports in the cycle",
            code="import-cycle",
        )
        return None
    shared = cache.get(target)
    if shared is None:
        try:
            shared = read(target)
            if beta5.is_beta(shared.data):  # an Ikanos file imported: read in its dialect
                shared = beta5.translate(shared).source
        except SpecError as exc:
            first = exc.diagnostics[0]
            doc.diag(
                "error",
                (*entry_path, "location"),
                f"cannot import {target}: {first.message}"
                + (f" at {first.location()}" if first.line else ""),
                hint="locations are relative to the importing file",
                code="import-missing",
            )
            return None
        cache[target] = shared
    consumes = shared.data.get(section) if isinstance(shared.data, dict) else None
    if not isinstance(consumes, list) or not consumes:
        doc.diag(
            "error",
            (*entry_path, "location"),
            f"{target} has no root '{section}' list to import from",
            hint=f"a shared {section} file has its version key and '{section}' at its root",
            code="import-not-shared",
        )
        return None
    for index, candidate in enumerate(consumes):
        if not isinstance(candidate, dict):
            continue
        inner_path: JsonPath = (section, index)
        if (
            isinstance(candidate.get("location"), str)
            and candidate.get("as", candidate.get("import")) == name
        ):
            nested = _load_entry(
                doc, candidate, entry_path, target.parent, cache, [*chain, target], section
            )
            if nested is None:
                return None
            result = copy.deepcopy(nested)
        elif candidate.get("namespace") == name:
            result = copy.deepcopy(candidate)
            doc.overlays[entry_path] = (shared, inner_path)
        else:
            continue
        if entry.get("as"):
            result["namespace"] = entry["as"]
        return result
    known = sorted(str(c.get("namespace")) for c in consumes if isinstance(c, dict))
    doc.diag(
        "error",
        (*entry_path, "import"),
        f"namespace '{name}' not found in {target}",
        hint=f"that file declares: {', '.join(known) or 'nothing'}",
        code="import-namespace",
    )
    return None


def files_read(capability: Capability) -> tuple[list[Path], list[Path]]:
    """Files the capability reads besides itself: imports and script files, and file binds
    (the secrets among them)."""
    base = capability.path.parent
    source = read(capability.path)
    data = beta5.translate(source).source.data if beta5.is_beta(source.data) else source.data
    body = data.get("capability") if isinstance(data, dict) else None
    entries = [
        entry
        for holder in (body, data)
        if isinstance(holder, dict)
        for section in SECTIONS
        for entry in holder.get(section) or []
        if isinstance(entry, dict) and "import" in entry
    ]
    imports = [
        location_path(entry["location"], base)
        for entry in entries
        if isinstance(entry.get("location"), str)
    ]
    binds = [location_path(b.location, base) for b in capability.binds if b.location]
    binds += [Path(f) for c in capability.consumes for f in c.tls.values()]  # keys and certs
    return list(dict.fromkeys([*imports, *_scripts(capability)])), list(dict.fromkeys(binds))


def _scripts(capability: Capability) -> list[Path]:
    """Every script step's files (dependencies, then the file), where they would be read."""
    declared = capability.scripting
    found = []
    units = [*capability.functions, *(u for a in capability.exposes for u in a.units)]
    for step in (s for u in units for s in u.steps if s.type == "script"):
        location = step.location or (declared.default_location if declared else None)
        if location is None:
            continue
        root = location_path(location, capability.base_dir)
        names = [*step.dependencies, *([step.file] if step.file else [])]
        found += [root.joinpath(*name.split("/")) for name in names if ".." not in name]
    return found
