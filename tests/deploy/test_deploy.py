"""`naftiko deploy`: Docker, compose and Kubernetes output for one capability, no secrets."""

from __future__ import annotations

import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from compose_spec import PyCompose

from conftest import ROOT, clean_env, naftiko_command

KOMBO = ROOT / "capabilities" / "kombo" / "kombo-general.yaml"
SECRET = "kombo-live-secret-value-1"


def deploy(path: Path, target: str, out: Path, *extra: str) -> None:
    done = subprocess.run(
        [*naftiko_command(), "deploy", str(path), "--target", target, "-o", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(KOMBO_API_KEY=SECRET),
        check=False,
    )
    assert done.returncode == 0, done.stderr


def every_text(out: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())


def test_kubernetes_manifests_validate_and_carry_probes_and_security(tmp_path: Path) -> None:
    deploy(KOMBO, "kubernetes", tmp_path, "--replicas", "3")
    documents = list(yaml.safe_load_all((tmp_path / "kubernetes.yaml").read_text("utf-8")))
    for document in documents:
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)
    kinds = [d["kind"] for d in documents]
    assert kinds == [
        "Secret",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Service",
        "Service",
    ]
    scaler, budget = documents[2]["spec"], documents[3]["spec"]
    assert (scaler["minReplicas"], scaler["maxReplicas"]) == (3, 9)
    assert budget["maxUnavailable"] == 1
    secret = documents[0]
    assert secret["stringData"] == {"KOMBO_API_KEY": ""}
    deployment = documents[1]["spec"]
    assert deployment["replicas"] == 3
    container = deployment["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["runAsNonRoot"] is True
    assert {p["containerPort"] for p in container["ports"]} == {8080, 9090, 9100}
    assert {"name": "NAFTIKO_MCP_STATELESS", "value": "1"} in container["env"]
    assert SECRET not in every_text(tmp_path)


def test_one_replica_has_no_autoscaler_or_budget(tmp_path: Path) -> None:
    deploy(KOMBO, "kubernetes", tmp_path)
    documents = list(yaml.safe_load_all((tmp_path / "kubernetes.yaml").read_text("utf-8")))
    kinds = {d["kind"] for d in documents}
    assert not kinds & {"HorizontalPodAutoscaler", "PodDisruptionBudget"}


def test_shared_state_on_kubernetes_reads_the_redis_url_from_the_secret(tmp_path: Path) -> None:
    deploy(KOMBO, "kubernetes", tmp_path, "--replicas", "2", "--state")
    documents = list(yaml.safe_load_all((tmp_path / "kubernetes.yaml").read_text("utf-8")))
    for document in documents:
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)
    secret = next(d for d in documents if d["kind"] == "Secret")
    assert secret["stringData"] == {"KOMBO_API_KEY": "", "NAFTIKO_STATE": ""}
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    names = [e["name"] for e in env]
    assert "NAFTIKO_STATE" in names
    assert "NAFTIKO_MCP_STATELESS" not in names  # the sessions are shared instead


def test_shared_state_on_compose_adds_a_redis_service(tmp_path: Path) -> None:
    deploy(KOMBO, "compose", tmp_path, "--state")
    text = (tmp_path / "compose.yaml").read_text("utf-8")
    assert PyCompose.from_yaml(text).service_names() == ["kombo-api", "redis"]
    services = yaml.safe_load(text)["services"]
    assert services["kombo-api"]["environment"]["NAFTIKO_STATE"] == "redis://redis:6379/0"
    assert services["kombo-api"]["depends_on"] == {"redis": {"condition": "service_healthy"}}


def test_compose_file_is_valid_compose(tmp_path: Path) -> None:
    deploy(KOMBO, "compose", tmp_path, "--replicas", "2")
    text = (tmp_path / "compose.yaml").read_text("utf-8")
    assert PyCompose.from_yaml(text).service_names() == ["kombo-api"]
    with pytest.raises(ValueError):  # the validator does refuse what the spec forbids
        PyCompose.from_yaml(text.replace("read_only: true", "read_only: maybe"))


def test_compose_takes_secrets_from_the_environment(tmp_path: Path) -> None:
    deploy(KOMBO, "compose", tmp_path)
    service = yaml.safe_load((tmp_path / "compose.yaml").read_text("utf-8"))["services"]
    [(_, config)] = service.items()
    assert config["read_only"] is True
    assert config["environment"] == {"KOMBO_API_KEY": "${KOMBO_API_KEY:?set KOMBO_API_KEY}"}
    assert set(config["ports"]) == {"8080:8080", "9090:9090", "9100:9100"}
    assert (tmp_path / "capability" / "capability.yaml").is_file()
    assert SECRET not in every_text(tmp_path)


def test_bind_files_are_mounted_never_baked(tmp_path: Path, corpus: Path) -> None:
    step10 = corpus / "naftiko-tutorial" / "step-10-shipyard-rest-adapter.yml"
    deploy(step10, "compose", tmp_path / "compose")
    out = tmp_path / "compose"
    assert (out / "capability" / "shared" / "step7-registry-consumes.yml").is_file()
    assert not (out / "capability" / "shared" / "secrets.yaml").exists()
    service = next(
        iter(yaml.safe_load((out / "compose.yaml").read_text("utf-8"))["services"].values())
    )
    assert service["volumes"] == [
        "./secrets/shared/secrets.yaml:/capability/shared/secrets.yaml:ro"
    ]
    assert "dummy-token" not in every_text(out)
    deploy(step10, "kubernetes", tmp_path / "k8s")
    documents = list(yaml.safe_load_all((tmp_path / "k8s" / "kubernetes.yaml").read_text("utf-8")))
    files = next(d for d in documents if d["metadata"]["name"].endswith("-files"))
    assert files["stringData"] == {"secrets.yaml": ""}
    for document in documents:
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def test_files_outside_the_capability_directory_are_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared.yaml"
    shared.write_text("KOMBO_API_KEY: x\n", encoding="utf-8")
    inner = tmp_path / "inner"
    inner.mkdir()
    text = KOMBO.read_text(encoding="utf-8").replace(
        "- namespace: env\n", "- namespace: env\n  location: file:///../shared.yaml\n"
    )
    path = inner / "cap.yaml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [*naftiko_command(), "deploy", str(path), "--target", "docker", "-o", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 1
    assert "outside" in done.stderr


@pytest.mark.parametrize("target", ["docker", "compose"])
def test_dockerfile_builds_on_our_image(target: str, tmp_path: Path) -> None:
    deploy(KOMBO, target, tmp_path)
    dockerfile = (tmp_path / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM ${NAFTIKO_IMAGE}" in dockerfile
    assert "COPY --chown=10001:10001 capability/ /capability/" in dockerfile


def run_deploy(path: Path, target: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*naftiko_command(), "deploy", str(path), "--target", target, "-o", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )


def test_existing_files_are_left_alone_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("# edited by hand\n", encoding="utf-8")
    done = run_deploy(KOMBO, "compose", tmp_path)
    assert done.returncode == 1
    assert "Dockerfile already exists; nothing was written" in done.stderr
    assert "--force" in done.stderr
    assert (tmp_path / "Dockerfile").read_text(encoding="utf-8") == "# edited by hand\n"
    assert not (tmp_path / "compose.yaml").exists()


def test_force_overwrites_what_a_previous_deploy_wrote(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("# old\n", encoding="utf-8")
    done = run_deploy(KOMBO, "docker", tmp_path, "--force")
    assert done.returncode == 0, done.stderr
    assert "FROM ${NAFTIKO_IMAGE}" in (tmp_path / "Dockerfile").read_text(encoding="utf-8")


def test_next_steps_say_the_base_image_must_be_built_first(tmp_path: Path) -> None:
    done = run_deploy(KOMBO, "docker", tmp_path)
    assert "docker build -t naftiko:latest" in done.stderr
    assert f"docker build -t kombo-api {tmp_path}" in done.stderr
    assert "KOMBO_API_KEY" in done.stderr
    assert "naftiko-py checkout" in (tmp_path / "Dockerfile").read_text(encoding="utf-8")


def test_compose_says_which_secret_files_to_create(tmp_path: Path) -> None:
    done = run_deploy(ROOT / "examples" / "quickstart.yaml", "compose", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert f"{tmp_path / 'out' / 'secrets' / 'quickstart.env'}" in done.stderr
    text = (tmp_path / "out" / "compose.yaml").read_text(encoding="utf-8")
    assert "#   ./secrets/quickstart.env" in text
    service = yaml.safe_load(text)["services"]["quickstart"]
    assert service["volumes"] == ["./secrets/quickstart.env:/capability/quickstart.env:ro"]


def test_tls_files_are_mounted_not_baked(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    text = KOMBO.read_text(encoding="utf-8").replace(
        "    baseUri: https://api.kombo.dev/v1\n",
        "    baseUri: https://api.kombo.dev/v1\n    x-naftiko-tls:\n      ca: ./ca.pem\n",
    )
    assert "x-naftiko-tls" in text
    (source / "cap.yaml").write_text(text, encoding="utf-8")
    done = run_deploy(source / "cap.yaml", "compose", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    service = yaml.safe_load((tmp_path / "out" / "compose.yaml").read_text("utf-8"))
    volumes = next(iter(service["services"].values()))["volumes"]
    assert "./secrets/ca.pem:/capability/ca.pem:ro" in volumes
    assert not (tmp_path / "out" / "capability" / "ca.pem").exists()


@pytest.mark.parametrize("target", ["docker", "compose", "kubernetes"])
def test_deployments_keep_the_docs_page(target: str, tmp_path: Path) -> None:
    deploy(KOMBO, target, tmp_path)
    written = every_text(tmp_path)
    assert "--no-docs" not in written and "NAFTIKO_DOCS" not in written
