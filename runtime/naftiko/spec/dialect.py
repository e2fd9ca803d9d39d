"""How the successor's dialect (Ikanos `1.0.0-beta1` to `beta5`) differs from alpha2: the one
table the loader (`beta5.py`), the editor schema (`beta_schema.py`) and `naftiko migrate`
(`authoring/migrate.py`) all read, so that the three cannot drift apart.

Keys are the alpha2 schema's definitions (`Definition.field` for the entries of a field that
defines them inline). For each: the fields that hold named entries (a
list with `name` in alpha2, a map keyed by the name in beta), the fields renamed, the beta
fields alpha2 says through a naftiko-py extension, and the beta fields alpha2 cannot say
(with their beta schema; going to alpha2 they are dropped, and the loader says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ALPHA2 = "1.0.0-alpha2"
VERSIONS = tuple(f"1.0.0-beta{n}" for n in range(1, 6))  # the beta versions read
BETA = VERSIONS[-1]  # the one written

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class Difference:
    named: tuple[str, ...] = ()  # lists of named entries in alpha2, maps keyed by name in beta
    renamed: Mapping[str, str] = field(default_factory=dict)  # alpha2 name -> beta name
    extended: Mapping[str, str] = field(default_factory=dict)  # beta name -> alpha2 x-naftiko-*
    beta_only: Mapping[str, Schema] = field(default_factory=dict)  # beta fields, their schema

    def dropped(self) -> tuple[str, ...]:
        """The beta fields alpha2 has no way to say."""
        return tuple(k for k in self.beta_only if k not in self.extended)

    def to_alpha2(self) -> dict[str, str]:
        """Beta field names as alpha2 writes them."""
        return {**{beta: alpha for alpha, beta in self.renamed.items()}, **self.extended}

    def to_beta(self) -> dict[str, str]:
        """Alpha2 field names as beta writes them."""
        return {**self.renamed, **{alpha: beta for beta, alpha in self.extended.items()}}


_LABEL = {"label": "display"}
_STRING: Schema = {"type": "string"}
_OBJECT: Schema = {"type": "object"}
_TAGS: Schema = {"type": "array", "items": {"type": "string"}}
_SIZE: Schema = {"type": ["integer", "string"], "description": "Bytes, or a size such as 25MiB."}
_UNIT = ("inputParameters", "steps", "outputParameters")

DIALECT: dict[str, Difference] = {
    "Info": Difference(renamed=_LABEL, beta_only={"version": _STRING}),
    "ImportedConsumes": Difference(renamed={"location": "from"}),
    "ConsumesHttp": Difference(
        named=("inputParameters", "resources"), renamed=_LABEL, beta_only={"tunnel": _OBJECT}
    ),
    "ConsumedResource": Difference(
        named=("inputParameters", "operations"), renamed=_LABEL, beta_only={"tags": _TAGS}
    ),
    "ConsumedOperation": Difference(
        named=("inputParameters", "outputParameters"),
        renamed=_LABEL,
        extended={
            "outputMediaType": "x-naftiko-outputMediaType",
            "maxBinarySize": "x-naftiko-maxBinarySize",
        },
        beta_only={"tags": _TAGS, "outputMediaType": _STRING, "maxBinarySize": _SIZE},
    ),
    "OutputParameter": Difference(renamed=_LABEL),
    "StepMapping": Difference(renamed={"targetName": "target"}),
    "ExposesRest": Difference(named=("resources",), beta_only={"maxBinarySize": _SIZE}),
    "ExposedResource": Difference(
        named=("inputParameters", "operations"), renamed=_LABEL, beta_only={"tags": _TAGS}
    ),
    "ExposedOperation": Difference(
        named=_UNIT,
        renamed=_LABEL,
        beta_only={"tags": _TAGS, "responses": _OBJECT, "responseBinary": _OBJECT},
    ),
    "ExposesMcp": Difference(
        named=("tools", "resources", "prompts"),
        extended={"ttlMs": "x-naftiko-ttlMs", "cacheScope": "x-naftiko-cacheScope"},
        beta_only={
            "maxBinarySize": _SIZE,
            "ttlMs": {"type": "integer", "minimum": 0},
            "cacheScope": {"enum": ["public", "private"]},
        },
    ),
    "McpTool": Difference(named=_UNIT, renamed=_LABEL, beta_only={"tags": _TAGS}),
    "McpResource": Difference(
        named=("steps", "outputParameters"),
        renamed=_LABEL,
        beta_only={"binary": {"type": "boolean"}},
    ),
    "McpPrompt": Difference(named=("arguments",), renamed=_LABEL),
    "McpPrompt.arguments": Difference(renamed=_LABEL),  # an inline definition: its entries
    "ExposesSkill": Difference(named=("skills",)),
    "Skill": Difference(named=("tools",)),
    "Aggregate": Difference(named=("functions",), renamed={**_LABEL, "functions": "flows"}),
    "AggregateFunction": Difference(
        named=_UNIT, beta_only={"tags": _TAGS, "outputMediaType": _STRING}
    ),
}
NONE = Difference()


def of(kind: str) -> Difference:
    """The difference for definition ``kind`` (none for one the dialects write alike)."""
    return DIALECT.get(kind, NONE)
