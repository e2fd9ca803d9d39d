"""`naftiko init NAME`: a commented, valid starter that runs at once against `naftiko mock`.

Writes NAME.yaml (consumes, a bind, a REST and an MCP adapter), NAME.openapi.yaml (the upstream
it consumes, with examples, so `--mock` can stand in for it) and capability.schema.json, which
the first line of NAME.yaml points editors at. With an OpenAPI document, the capability is
imported from it instead (every operation, one REST and one MCP adapter).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from naftiko.authoring.dialect import in_dialect, schema_beside
from naftiko.errors import NaftikoError
from naftiko.jsontypes import JSON
from naftiko.openapi.importer import import_openapi, slug

SCHEMA_FILE = "capability.schema.json"
HEADER = "# yaml-language-server: $schema=./" + SCHEMA_FILE + "\n"

_STARTER = """{header}# {name}: a starter capability. Run it at once, offline, against a mock:
#
#   {env}=any naftiko run {name}.yaml --mock {ns}={name}.openapi.yaml
#   curl http://127.0.0.1:8080/items/42
#
# Then point `baseUri` at the real API (or use --base-uri {ns}=URL) and set {env}.
naftiko: "1.0.0-alpha2"
info:
  label: {title}
  description: What {title} does, in one sentence an agent can act on.
binds:
  # Secrets come from the environment (or `location: file:///./secrets.yaml`).
  - namespace: {ns}-env
    keys:
      {env}: {env}
capability:
  consumes:
    # The upstream API: its base URI, credentials and the operations used.
    - namespace: {ns}
      type: http
      description: The upstream API {title} calls.
      baseUri: "https://api.example.com/v1"
      authentication:
        type: bearer
        token: "{{{{{env}}}}}"
      resources:
        - name: item
          path: "/items/{{{{id}}}}"
          operations:
            - name: get-item
              method: GET
              inputParameters:
                - name: id
                  in: path
  exposes:
    # REST for programs: GET /items/{{id}} answers the shaped item.
    - type: rest
      namespace: {ns}-rest
      port: 8080
      resources:
        - name: item
          path: "/items/{{id}}"
          operations:
            - name: get-item
              method: GET
              description: One item by id.
              inputParameters:
                - name: id
                  in: path
                  type: string
                  description: The item id.
              call: {ns}.get-item
              with:
                id: {ns}-rest.id
              outputParameters:
                - type: object
                  properties:
                    id:
                      type: string
                      mapping: "$.id"
                    name:
                      type: string
                      mapping: "$.name"
    # MCP for AI agents: the same call as a tool at http://127.0.0.1:9090/mcp.
    - type: mcp
      namespace: {ns}-mcp
      port: 9090
      description: Tools of {title}.
      tools:
        - name: get-item
          description: One item by id.
          inputParameters:
            - name: id
              type: string
              description: The item id.
          call: {ns}.get-item
          with:
            id: {ns}-mcp.id
          hints:
            readOnly: true
            idempotent: true
          outputParameters:
            - type: object
              properties:
                id:
                  type: string
                  mapping: "$.id"
                name:
                  type: string
                  mapping: "$.name"
"""

_UPSTREAM = {
    "openapi": "3.1.0",
    "info": {"title": "Example upstream", "version": "1"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/items/{id}": {
            "get": {
                "summary": "Get an item",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "The item",
                        "content": {
                            "application/json": {
                                "example": {"id": "42", "name": "The answer", "price": 4.2}
                            }
                        },
                    }
                },
            }
        }
    },
}


def write_starter(
    name: str,
    directory: Path,
    openapi: dict[str, JSON] | None = None,
    dialect: str = "alpha2",
    source: Path | None = None,
) -> list[Path]:
    """The files written (the capability in ``dialect``, then the upstream's document beside
    it, so that `--mock` can stand in for it); refuses to overwrite one. ``source`` is the
    OpenAPI document ``openapi`` was read from."""
    ns = slug(name)
    if not ns:
        raise NaftikoError(f"'{name}' gives no usable name", hint="use letters and digits")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{ns}.yaml"
    if target.exists():
        raise NaftikoError(f"{target} exists", hint="choose another name or directory")
    written = [target]
    if openapi is None:
        title = " ".join(part.capitalize() for part in ns.split("-"))
        env = ns.upper().replace("-", "_") + "_API_KEY"
        text = _STARTER.format(header=HEADER, name=ns, ns=ns, env=env, title=title)
        upstream = directory / f"{ns}.openapi.yaml"
        upstream.write_text(yaml.safe_dump(_UPSTREAM, sort_keys=False), encoding="utf-8")
        written.append(upstream)
    else:
        capability = import_openapi(openapi, None)
        text = HEADER + f"# {ns}: imported from an OpenAPI document by `naftiko init`.\n"
        text += yaml.safe_dump(capability, sort_keys=False, allow_unicode=True, width=100)
        if source is not None:
            beside = directory / source.name
            if beside.resolve() != source.resolve():
                if beside.exists():
                    raise NaftikoError(f"{beside} exists", hint="choose another directory")
                shutil.copyfile(source, beside)
                written.append(beside)
    target.write_text(in_dialect(text, dialect), encoding="utf-8")
    schema = schema_beside(directory, dialect)
    if schema is not None:
        written.append(schema)
    return written


def next_steps(target: Path, upstream: Path | None) -> list[str]:
    """The commands that serve what `init` wrote, offline, then check it."""
    from naftiko.spec import load

    capability = load(target)
    env = " ".join(
        f"{key}=any" for b in capability.binds if b.location is None for key in b.keys.values()
    )
    mocks = (
        " ".join(f"--mock {c.namespace}={upstream}" for c in capability.consumes)
        if upstream is not None
        else ""
    )
    run = " ".join(part for part in (env, "naftiko run", str(target), mocks) if part)
    return [run, f"naftiko validate {target}", f"naftiko inspect {target}"]
