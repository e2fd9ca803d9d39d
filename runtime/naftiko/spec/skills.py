"""A skill adapter's `skills`, as its catalog and detail pages read them."""

from __future__ import annotations

from typing import Any

from naftiko.spec.model import Skill, SkillTool

# what a skill's detail page repeats as written
DETAIL_KEYS = (
    "license",
    "compatibility",
    "argument-hint",
    "allowed-tools",
    "user-invocable",
    "disable-model-invocation",
    "metadata",
)


def skills(written: Any) -> tuple[Skill, ...]:
    """Every named skill, the first of a name kept (validation has said the rest)."""
    found: dict[str, Skill] = {}
    for raw in written if isinstance(written, list) else []:
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            found.setdefault(raw["name"], _skill(raw))
    return tuple(found.values())


def _skill(raw: dict[str, Any]) -> Skill:
    location = raw.get("location")
    return Skill(
        name=raw["name"],
        description=raw.get("description", ""),
        details={k: raw[k] for k in DETAIL_KEYS if k in raw},
        location=str(location) if location else None,
        tools=tuple(_tool(t) for t in raw.get("tools") or [] if _described(t)),
    )


def _described(tool: Any) -> bool:
    """A tool says where it comes from or what to do (a load warning names one that does
    neither)."""
    return isinstance(tool, dict) and ("from" in tool or "instruction" in tool)


def _tool(tool: dict[str, Any]) -> SkillTool:
    source = tool.get("from")
    if isinstance(source, dict):
        return SkillTool(
            name=tool.get("name"),
            description=tool.get("description", ""),
            derived=True,
            source=str(source.get("sourceNamespace")),
            action=source.get("action"),
        )
    return SkillTool(
        name=tool.get("name"),
        description=tool.get("description", ""),
        instruction=tool.get("instruction"),
    )
