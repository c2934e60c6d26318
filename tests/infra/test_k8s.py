"""infra/k8s/ validates offline against the Kubernetes JSON schemas of current releases (the PyPI package
kubernetes-validate ships them), passes tokku only settings tokku has, and wires what docs/operations.md
promises: probes from /readyz and /healthz, resource requests, autoscalers and disruption budgets for the API
and the workers, settings from one ConfigMap and one Secret, Temporal from its Helm chart on PostgreSQL."""

from __future__ import annotations

import copy
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from services.core.platform.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
MANIFESTS = sorted((K8S / "tokku").glob("*.yaml"))
SECRET_EXAMPLE = K8S / "tokku-secret.example.yaml"
TEMPORAL_VALUES = K8S / "temporal-values.yaml"
# Kubernetes supports its three newest minor releases; the manifests must be valid on each of them.
CURRENT_RELEASES = ("1.35.0", "1.36.0", "1.37.0")
SECRET_VALUES = {"TOKKU_SECRET_KEY": "k" * 48,
                 "TOKKU_DATABASE_URL": "postgresql+psycopg://tokku:pw@postgresql.example.invalid:5432/tokku"}


def load(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def objects() -> list[dict]:
    return [doc for path in [*MANIFESTS, SECRET_EXAMPLE] for doc in load(path)]


def named(docs: list[dict], kind: str, name: str) -> dict:
    found = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


def pod_specs(docs: list[dict]) -> dict[str, dict]:
    """Deployment or Job name -> its pod spec."""
    return {doc["metadata"]["name"]: doc["spec"]["template"]["spec"] for doc in docs
            if doc["kind"] in ("Deployment", "Job")}


def tokku_settings_passed(docs: list[dict]) -> set[str]:
    """Every TOKKU_* name the manifests hand to a process: ConfigMap and Secret keys, container env."""
    names = set()
    for doc in docs:
        if doc["kind"] in ("ConfigMap", "Secret"):
            names |= set(doc.get("data") or {}) | set(doc.get("stringData") or {})
    for spec in pod_specs(docs).values():
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            names |= {variable["name"] for variable in container.get("env", [])}
    return {name for name in names if name.startswith("TOKKU_")}


def unknown_settings(docs: list[dict]) -> set[str]:
    return tokku_settings_passed(docs) - {f"TOKKU_{field.upper()}" for field in Settings.model_fields}


def environment_of(docs: list[dict], workload: str) -> dict[str, str]:
    """What a workload's container gets: envFrom ConfigMaps and Secrets, then its own env (which wins)."""
    (container,) = pod_specs(docs)[workload]["containers"]
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            environment |= named(docs, "ConfigMap", source["configMapRef"]["name"])["data"]
        else:
            environment |= named(docs, "Secret", source["secretRef"]["name"])["stringData"]
    environment |= {variable["name"]: variable["value"] for variable in container.get("env", [])}
    return environment


@pytest.mark.parametrize("release", CURRENT_RELEASES)
def test_the_manifests_validate_against_the_kubernetes_schemas(release):
    docs = objects()
    assert {doc["kind"] for doc in docs} == {"ConfigMap", "Secret", "Job", "Deployment", "Service",
                                             "HorizontalPodAutoscaler", "PodDisruptionBudget"}
    for doc in docs:
        # strict: a field the schema does not know (a typo, a field of another API version) is an error
        kubernetes_validate.validate(doc, release, strict=True)


def test_the_validation_bites():
    api = copy.deepcopy(named(objects(), "Deployment", "tokku-api"))
    api["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(api, CURRENT_RELEASES[-1], strict=True)
    autoscaler = copy.deepcopy(named(objects(), "HorizontalPodAutoscaler", "tokku-api"))
    autoscaler["spec"]["targetCPUUtilizationPercentage"] = 70  # autoscaling/v1's field, not v2's
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(autoscaler, CURRENT_RELEASES[-1], strict=True)


def test_every_tokku_setting_the_manifests_pass_is_a_real_setting():
    docs = objects()
    assert unknown_settings(docs) == set()
    assert {"TOKKU_MODE", "TOKKU_SECRET_KEY", "TOKKU_DATABASE_URL", "TOKKU_TEMPORAL_ADDRESS",
            "TOKKU_API_WORKERS"} <= tokku_settings_passed(docs)
    # The check bites: a setting tokku does not have, in the ConfigMap or in a container's env, is reported.
    changed = copy.deepcopy(docs)
    named(changed, "ConfigMap", "tokku-config")["data"]["TOKKU_TEMPORAL_HOST"] = "temporal-frontend"
    pod_specs(changed)["tokku-worker"]["containers"][0]["env"] = [{"name": "TOKKU_WORKERS", "value": "4"}]
    assert unknown_settings(changed) == {"TOKKU_TEMPORAL_HOST", "TOKKU_WORKERS"}


@pytest.mark.parametrize("workload", ["tokku-migrate", "tokku-api", "tokku-worker"])
def test_each_pod_gets_settings_tokku_accepts_from_one_configmap_and_one_secret(workload):
    docs = objects()
    (container,) = pod_specs(docs)[workload]["containers"]
    assert container["envFrom"] == [{"configMapRef": {"name": "tokku-config"}},
                                    {"secretRef": {"name": "tokku-secrets"}}]
    secret = named(docs, "Secret", "tokku-secrets")["stringData"]
    assert set(SECRET_VALUES) <= set(secret)
    assert not set(secret) & set(named(docs, "ConfigMap", "tokku-config")["data"])  # each setting in one place
    environment = environment_of(docs, workload) | SECRET_VALUES  # the operator's real secrets
    settings = Settings(**{key.removeprefix("TOKKU_").lower(): value for key, value in environment.items()
                           if key.startswith("TOKKU_") and value != ""})
    assert settings.mode == "production" and settings.resolved_database_url.startswith("postgresql+psycopg://")
    assert settings.temporal_address == "temporal-frontend:7233"  # the chart's frontend Service, release `temporal`
    # The example's placeholder key is refused in production: applying the example as it is cannot go live.
    with pytest.raises(ValueError, match="TOKKU_SECRET_KEY"):
        Settings(mode="production", secret_key=secret["TOKKU_SECRET_KEY"])


def test_one_image_runs_every_part_as_the_images_user():
    specs = pod_specs(objects())
    images = {spec["containers"][0]["image"] for spec in specs.values()}
    assert len(images) == 1, images
    assert {name: spec["containers"][0]["args"] for name, spec in specs.items()} == {
        "tokku-migrate": ["migrate"], "tokku-api": ["api"], "tokku-worker": ["worker"]}
    for spec in specs.values():
        assert spec["securityContext"]["runAsNonRoot"] and spec["securityContext"]["runAsUser"] == 10001
        container = spec["containers"][0]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), container["name"]
    dockerfile = (ROOT / "infra" / "Dockerfile").read_text(encoding="utf-8")
    assert "useradd --system --uid 10001" in dockerfile and 'ENTRYPOINT ["tokku"]' in dockerfile


def test_the_api_is_probed_on_readyz_and_healthz_and_stops_gracefully():
    docs = objects()
    spec = pod_specs(docs)["tokku-api"]
    (container,) = spec["containers"]
    port = int(environment_of(docs, "tokku-api")["TOKKU_API_PORT"])
    assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # /readyz gives up on a dependency after 3 s: the probe waits longer than that.
    assert container["readinessProbe"]["timeoutSeconds"] > 3
    grace = float(environment_of(docs, "tokku-api")["TOKKU_SHUTDOWN_GRACE_SECONDS"])
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
    assert spec["terminationGracePeriodSeconds"] > grace + pause
    service = named(docs, "Service", "tokku-api")
    assert service["spec"]["selector"] == spec_labels(docs, "tokku-api")
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def spec_labels(docs: list[dict], deployment: str) -> dict[str, str]:
    return named(docs, "Deployment", deployment)["spec"]["template"]["metadata"]["labels"]


def test_the_worker_is_ready_when_tokku_check_passes_and_stops_gracefully():
    docs = objects()
    spec = pod_specs(docs)["tokku-worker"]
    (container,) = spec["containers"]
    assert container["readinessProbe"]["exec"]["command"] == ["tokku", "check"]
    assert "livenessProbe" not in container  # why: the comment at the top of 40-worker.yaml
    grace = float(environment_of(docs, "tokku-worker")["TOKKU_SHUTDOWN_GRACE_SECONDS"])
    assert spec["terminationGracePeriodSeconds"] > grace


@pytest.mark.parametrize("deployment", ["tokku-api", "tokku-worker"])
def test_the_api_and_the_workers_autoscale_and_survive_drains(deployment):
    docs = objects()
    labels = spec_labels(docs, deployment)
    assert named(docs, "Deployment", deployment)["spec"]["selector"]["matchLabels"] == labels
    autoscaler = named(docs, "HorizontalPodAutoscaler", deployment)["spec"]
    assert autoscaler["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment}
    assert 2 <= autoscaler["minReplicas"] < autoscaler["maxReplicas"]
    assert autoscaler["metrics"][0]["resource"]["name"] == "cpu"  # needs the cpu request checked above
    budget = named(docs, "PodDisruptionBudget", deployment)["spec"]
    assert budget["selector"]["matchLabels"] == labels
    assert 1 <= budget["minAvailable"] < autoscaler["minReplicas"]  # a drain can always evict one


def test_the_migration_job_runs_once_and_cleans_up():
    job = named(objects(), "Job", "tokku-migrate")["spec"]
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert job["backoffLimit"] >= 1 and job["ttlSecondsAfterFinished"] > 0


def test_temporal_from_its_helm_chart_runs_on_postgresql():
    values = yaml.safe_load(TEMPORAL_VALUES.read_text(encoding="utf-8"))
    docs = objects()
    persistence = values["server"]["config"]["persistence"]
    assert (persistence["defaultStore"], persistence["visibilityStore"]) == ("default", "visibility")
    databases = {}
    for store in ("default", "visibility"):
        sql = persistence["datastores"][store]["sql"]
        assert sql["pluginName"] == "postgres12" and sql["connectAddr"].endswith(":5432")
        assert sql["manageSchema"] is True  # the chart's schema Job sets up and updates it before the server
        password = named(docs, "Secret", sql["existingSecret"])["stringData"]
        assert sql["secretKey"] in password and "password" not in sql  # no password in the values file
        databases[store] = sql["databaseName"]
    assert databases == {"default": "temporal", "visibility": "temporal_visibility"}
    # tokku's namespace, with the same retention as Compose's default.
    namespaces = values["server"]["config"]["namespaces"]
    configmap = named(docs, "ConfigMap", "tokku-config")["data"]
    assert namespaces["create"] is True
    assert namespaces["namespace"] == [{"name": configmap["TOKKU_TEMPORAL_NAMESPACE"], "retention": "365d"}]
    compose = (ROOT / "infra" / "docker-compose.yml").read_text(encoding="utf-8")
    assert "TEMPORAL_RETENTION: ${TEMPORAL_RETENTION:-365d}" in compose
    # The same dynamic configuration as Compose's server.
    dynamic = yaml.safe_load((ROOT / "infra" / "temporal" / "dynamicconfig.yaml").read_text(encoding="utf-8"))
    assert values["server"]["dynamicConfig"] == dynamic
    assert values["schema"]["useHelmHooks"] is True
    assert (values["server"]["image"]["repository"], values["admintools"]["image"]["repository"],
            values["web"]["image"]["repository"]) == ("temporalio/server", "temporalio/admin-tools", "temporalio/ui")
