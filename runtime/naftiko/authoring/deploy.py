"""`naftiko deploy`: what it takes to run one capability as one container.

- docker: a Dockerfile that bakes the capability and the files it reads (imports, file binds)
  into an image based on ours, with those files under `capability/`;
- compose: that, plus a compose file (ports, the bound variables taken from the environment,
  read-only root, health check on the control port);
- kubernetes: a Deployment (probes on the control port, non-root, read-only root, resource
  requests), a Service per adapter port and a Secret named for the capability whose keys are
  the bound variables, passed as environment variables; files that `file://` binds read are
  a second Secret, mounted where the binds look. `replicas > 1` makes MCP stateless, and adds
  a HorizontalPodAutoscaler (from `replicas` to three times as many, on CPU) and a
  PodDisruptionBudget (one replica away at a time);
- `state`: the replicas share MCP sessions, limits and the response cache through Redis. The
  compose file adds a Redis service; Kubernetes takes the Redis URL (it may hold a password)
  from the capability's Secret, key NAFTIKO_STATE. MCP then keeps its sessions.

Secret values are never written, and bind files are never copied into an image: only their
names, with empty values to fill in.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from naftiko.errors import NaftikoError
from naftiko.openapi.importer import slug
from naftiko.spec.imports import files_read
from naftiko.spec.model import Capability

CONTROL_PORT = 9100
UID = 10001
_READY = (
    "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen("
    f"'http://127.0.0.1:{CONTROL_PORT}/health/ready', timeout=2).status == 200 else 1)"
)


@dataclass(frozen=True)
class Plan:
    name: str
    files: dict[Path, Path]  # source file -> path under capability/ (baked into the image)
    secret_files: tuple[Path, ...]  # file binds: under capability/, mounted at run time
    ports: dict[str, tuple[str, int]]  # adapter namespace -> (port name, port)
    variables: tuple[str, ...]  # bound environment variables
    stateless: bool
    state: bool = False  # replicas share their state through Redis


def plan(capability: Capability, replicas: int = 1, state: bool = False) -> Plan:
    root = capability.path.parent.resolve()
    files: dict[Path, Path] = {capability.path.resolve(): Path("capability.yaml")}
    imports, binds = files_read(capability)
    for source in imports:
        files[source] = _inside(source, root)
    secret_files = tuple(_inside(source, root) for source in binds)
    served = [
        a
        for a in capability.exposes
        if a.type in ("rest", "mcp", "skill") and a.port and a.transport != "stdio"
    ]
    ports = {a.namespace: (f"{a.type}{i}", int(a.port or 0)) for i, a in enumerate(served)}
    variables = tuple(
        dict.fromkeys(v for b in capability.binds if b.location is None for v in b.keys.values())
    )
    name = slug(capability.label) or slug(capability.path.stem) or "capability"
    return Plan(name, files, secret_files, ports, variables, replicas > 1 and not state, state)


def _inside(source: Path, root: Path) -> Path:
    try:
        return source.relative_to(root)
    except ValueError:
        raise NaftikoError(
            f"{source} lies outside {root}",
            hint="keep the files a capability reads beside it or below it",
        ) from None


def write(
    capability: Capability,
    target: str,
    out: Path,
    replicas: int = 1,
    *,
    force: bool = False,
    state: bool = False,
) -> tuple[list[Path], list[str]]:
    """Every file written, and what to do next. Nothing is written if any file exists
    already, unless ``force``: a deploy directory is often edited by hand."""
    found = plan(capability, replicas, state)
    copies: dict[Path, Path] = {}
    texts: dict[Path, str] = {}
    if target in ("docker", "compose"):
        for source, relative in found.files.items():
            copies[out / "capability" / relative] = source
        texts[out / "Dockerfile"] = _dockerfile()
        texts[out / ".dockerignore"] = "secrets/\n"
    if target == "compose":
        texts[out / "compose.yaml"] = _compose_header(found) + yaml.safe_dump(
            compose(found), sort_keys=False
        )
    if target == "kubernetes":
        texts[out / "kubernetes.yaml"] = yaml.safe_dump_all(
            kubernetes(found, replicas), sort_keys=False
        )
    existing = [path for path in [*copies, *texts] if path.exists()]
    if existing and not force:
        shown = ", ".join(str(path) for path in existing[:5])
        more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
        raise NaftikoError(
            f"{shown}{more} already {'exists' if len(existing) == 1 else 'exist'}; "
            "nothing was written",
            hint="pass --force to overwrite them, or -o DIR for another directory",
        )
    out.mkdir(parents=True, exist_ok=True)
    for destination, source in copies.items():
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, destination)
    for path, text in texts.items():
        _text(path, text)
    return [*copies, *texts], next_steps(found, target, out)


def next_steps(found: Plan, target: str, out: Path) -> list[str]:
    """What the operator still has to do, in order; the generated files cannot do it."""
    steps = [
        "build the naftiko base image once, from a naftiko-py checkout: "
        "docker build -t naftiko:latest . (or --build-arg NAFTIKO_IMAGE=IMAGE)"
    ]
    if target == "docker":
        steps.append(f"build this capability: docker build -t {found.name} {out}")
    for path in found.secret_files:
        if target == "compose":
            steps.append(
                f"put the bind file {path.as_posix()} at {out / 'secrets' / path} "
                "(compose mounts it; it is never baked into the image)"
            )
        elif target == "kubernetes":
            steps.append(f"fill the {found.name}-files Secret's key {path.name} (the bind file)")
        else:
            steps.append(f"mount the bind file {path.as_posix()} at /capability/{path.as_posix()}")
    if target == "kubernetes" and found.state:
        steps.append(
            f"fill the {found.name} Secret's key NAFTIKO_STATE with the Redis URL the replicas "
            "share (redis://:PASSWORD@HOST:6379/0)"
        )
    if found.variables:
        names = ", ".join(found.variables)
        if target == "kubernetes":
            steps.append(f"fill the {found.name} Secret: {names}")
        else:
            steps.append(f"set {names} in the environment (-e / env_file), never in the image")
    if target == "compose":
        steps.append(f"docker compose -f {out / 'compose.yaml'} up --build")
    if target == "kubernetes":
        steps.append(
            f"build and push the image {found.name}:latest (naftiko deploy --target docker), "
            f"then kubectl apply -f {out / 'kubernetes.yaml'}"
        )
    return steps


def _compose_header(found: Plan) -> str:
    lines = ["# Written by `naftiko deploy --target compose`."]
    if found.secret_files:
        lines.append(
            "# The bind files are mounted from ./secrets/ (create them; never commit them):"
        )
        lines.extend(f"#   ./secrets/{path.as_posix()}" for path in found.secret_files)
    if found.variables:
        lines.append(f"# Set in the environment before `up`: {', '.join(found.variables)}")
    return "\n".join(lines) + "\n"


def compose(found: Plan) -> dict[str, Any]:
    environment = {v: f"${{{v}:?set {v}}}" for v in found.variables}
    if found.stateless:
        environment["NAFTIKO_MCP_STATELESS"] = "1"
    ports = [f"{p}:{p}" for _, p in found.ports.values()] + [f"{CONTROL_PORT}:{CONTROL_PORT}"]
    service: dict[str, Any] = {
        "build": {"context": "."},
        "image": f"{found.name}:latest",
        "ports": ports,
        "read_only": True,
        "user": f"{UID}:{UID}",
        "healthcheck": {
            "test": ["CMD", "python3", "-c", _READY],
            "interval": "10s",
            "timeout": "3s",
            "retries": 3,
        },
        "stop_grace_period": "35s",
        "restart": "unless-stopped",
    }
    if environment:
        service["environment"] = environment
    if found.secret_files:  # secrets stay out of the image: mounted from ./secrets/
        service["volumes"] = [
            f"./secrets/{path.as_posix()}:/capability/{path.as_posix()}:ro"
            for path in found.secret_files
        ]
    services: dict[str, Any] = {found.name: service}
    if found.state:
        service.setdefault("environment", {})["NAFTIKO_STATE"] = "redis://redis:6379/0"
        service["depends_on"] = {"redis": {"condition": "service_healthy"}}
        services["redis"] = {
            "image": "redis:7-alpine",
            "command": ["redis-server", "--save", "", "--appendonly", "no"],
            "read_only": True,
            "tmpfs": ["/data"],
            "healthcheck": {
                "test": ["CMD", "redis-cli", "ping"],
                "interval": "5s",
                "timeout": "3s",
                "retries": 5,
            },
            "restart": "unless-stopped",
        }
    return {"services": services}


def kubernetes(found: Plan, replicas: int) -> list[dict[str, Any]]:
    """Secrets (bound files, then variables), the Deployment, scaling when ``replicas`` > 1,
    and one Service per adapter port."""
    labels = {"app.kubernetes.io/name": found.name}
    files_secret = f"{found.name}-files"
    documents: list[dict[str, Any]] = []
    if found.secret_files:
        documents.append(
            _secret(files_secret, labels, {path.name: "" for path in found.secret_files})
        )
    secret_keys = [*found.variables, *(["NAFTIKO_STATE"] if found.state else [])]
    if secret_keys:
        documents.append(_secret(found.name, labels, dict.fromkeys(secret_keys, "")))
    pod: dict[str, Any] = {
        "terminationGracePeriodSeconds": 35,
        "securityContext": {"runAsNonRoot": True},
        "containers": [_container(found)],
    }
    if found.secret_files:
        pod["volumes"] = [{"name": "bound-files", "secret": {"secretName": files_secret}}]
    documents.append(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": found.name, "labels": labels},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": pod},
            },
        }
    )
    if replicas > 1:
        documents.extend(_scaling(found.name, labels, replicas))
    for namespace, (port_name, port) in found.ports.items():
        documents.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": f"{found.name}-{slug(namespace)}"[:63], "labels": labels},
                "spec": {
                    "selector": labels,
                    "ports": [{"name": "http", "port": port, "targetPort": port_name}],
                },
            }
        )
    return documents


def _secret(name: str, labels: dict[str, str], keys: dict[str, str]) -> dict[str, Any]:
    """A Secret with every key empty: the operator fills them in."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "labels": labels},
        "type": "Opaque",
        "stringData": keys,
    }


def _container(found: Plan) -> dict[str, Any]:
    """The one container: its ports, probes on the control port, a locked-down context,
    secrets as variables, bound files mounted read-only."""
    env: list[dict[str, Any]] = [
        {"name": v, "valueFrom": {"secretKeyRef": {"name": found.name, "key": v}}}
        for v in found.variables
    ]
    if found.stateless:
        env.append({"name": "NAFTIKO_MCP_STATELESS", "value": "1"})
    if found.state:
        reference = {"secretKeyRef": {"name": found.name, "key": "NAFTIKO_STATE"}}
        env.append({"name": "NAFTIKO_STATE", "valueFrom": reference})
    probe = {"httpGet": {"path": "/health/live", "port": "control"}, "periodSeconds": 10}
    ready = {"httpGet": {"path": "/health/ready", "port": "control"}, "periodSeconds": 5}
    container: dict[str, Any] = {
        "name": found.name,
        "image": f"{found.name}:latest",
        "ports": [
            {"name": port_name, "containerPort": port} for port_name, port in found.ports.values()
        ]
        + [{"name": "control", "containerPort": CONTROL_PORT}],
        "livenessProbe": probe,
        "readinessProbe": ready,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": UID,
            "runAsGroup": UID,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    if env:
        container["env"] = env
    if found.secret_files:
        container["volumeMounts"] = [
            {
                "name": "bound-files",
                "mountPath": f"/capability/{path.as_posix()}",
                "subPath": path.name,
                "readOnly": True,
            }
            for path in found.secret_files
        ]
    return container


def _scaling(name: str, labels: dict[str, str], replicas: int) -> list[dict[str, Any]]:
    """More replicas under CPU load, and never more than one away for maintenance."""
    return [
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                "minReplicas": replicas,
                "maxReplicas": replicas * 3,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 70},
                        },
                    }
                ],
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": name, "labels": labels},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels}},
        },
    ]


def _dockerfile() -> str:
    return (
        "# The capability baked into the naftiko image; build it with `docker build -t NAME .`\n"
        "# naftiko:latest is not published: build it first from a naftiko-py checkout\n"
        "# (docker build -t naftiko:latest .), or pass --build-arg NAFTIKO_IMAGE=IMAGE.\n"
        "ARG NAFTIKO_IMAGE=naftiko:latest\n"
        "FROM ${NAFTIKO_IMAGE}\n"
        f"COPY --chown={UID}:{UID} capability/ /capability/\n"
    )


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
