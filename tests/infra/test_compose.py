"""infra/docker-compose.yml validates offline (Debian's docker-compose, no engine) and matches what
docs/operations.md promises: each service with its health check, its dependencies, its environment, and
every variable documented in .env.example."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from services.core.platform.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "infra" / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
OPERATIONS = ROOT / "docs" / "operations.md"
TOKKU_SERVICES = ("migrate", "api", "worker")
ONE_SHOT = ("temporal-schema", "temporal-namespace", "migrate")  # run to completion; others wait for exit 0
ALL_SERVICES = ("postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "migrate", "api",
                "worker", "mailpit")
REQUIRED = {"TOKKU_SECRET_KEY": "s" * 40, "POSTGRES_PASSWORD": "pg-superuser-pw", "TOKKU_DB_PASSWORD": "tokku-pw",
            "TEMPORAL_DB_PASSWORD": "temporal-pw"}


def docker_compose() -> str:
    path = shutil.which("docker-compose")
    if path is None:
        pytest.fail("docker-compose is not installed: run scripts/ensure-system-packages (scripts/test does)")
    return path


def compose_config(env_file: Path, *extra: str) -> subprocess.CompletedProcess:
    # A clean environment: only the env file decides, as on an operator's host.
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([docker_compose(), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", *extra],
                          capture_output=True, text=True, env=env, timeout=60)


def example_variables() -> dict[str, str | None]:
    """Every variable .env.example names: required ones (`NAME=`) and optional ones (`# NAME=default`)."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            found[match.group(1)] = None if line.startswith("#") else match.group(2)
    return found


def documented_services() -> dict[str, dict[str, object]]:
    """The services table between the markers in docs/operations.md."""
    text = OPERATIONS.read_text(encoding="utf-8")
    table = text.split("<!-- services:", 1)[1].split("<!-- /services -->", 1)[0]
    services = {}
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        check = re.findall(r"`([^`]+)`", cells[2])
        services[name] = {"check": check[0] if check else None, "waits_for": set(re.findall(r"`([^`]+)`", cells[3]))}
    return services


@pytest.fixture(scope="module")
def env_file(tmp_path_factory) -> Path:
    """.env.example with the required values filled in, as the docs tell operators to do."""
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for name, value in REQUIRED.items():
        text = re.sub(rf"^{name}=$", f"{name}={value}", text, flags=re.M)
    path = tmp_path_factory.mktemp("compose") / ".env"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def config(env_file: Path) -> dict:
    result = compose_config(env_file)
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}"
    return yaml.safe_load(result.stdout)


def test_the_compose_file_validates_and_has_every_documented_service(config):
    documented = documented_services()
    assert set(documented) == set(ALL_SERVICES)
    assert set(config["services"]) == set(documented)


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_each_service_has_its_health_check_and_dependencies(config, name):
    service, promised = config["services"][name], documented_services()[name]
    depends_on = service.get("depends_on", {})
    assert set(depends_on) == promised["waits_for"], f"{name} waits for {set(depends_on)}, docs say {promised}"
    for dependency, condition in depends_on.items():
        expected = "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
        assert condition == {"condition": expected}, (name, dependency, condition)
    if name in ONE_SHOT:  # no health check, never restarted, the others wait for its exit
        assert "healthcheck" not in service and service["restart"] == "no"
        return
    check = service["healthcheck"]
    command = " ".join(check["test"][1:])
    assert promised["check"].split()[0].lstrip("/") in command, (name, command)
    assert check["interval"] and check["retries"] >= 3 and check["timeout"]
    assert service["restart"] == "unless-stopped"


def test_tokku_services_get_their_settings_from_the_environment(config):
    fields = {f"TOKKU_{name.upper()}" for name in Settings.model_fields}
    for name in TOKKU_SERVICES:
        service = config["services"][name]
        environment = service["environment"]
        assert service["build"]["dockerfile"] == "infra/Dockerfile" and service["image"] == "tokku:latest"
        unknown = {key for key in environment if key.startswith("TOKKU_")} - fields
        assert not unknown, f"{name} sets variables tokku does not read: {unknown}"
        assert environment["TOKKU_MODE"] == "production"
        assert environment["TOKKU_SECRET_KEY"] == REQUIRED["TOKKU_SECRET_KEY"]
        assert environment["TOKKU_DATABASE_URL"] == (
            f"postgresql+psycopg://tokku:{REQUIRED['TOKKU_DB_PASSWORD']}@postgresql:5432/tokku")
        assert environment["TOKKU_TEMPORAL_ADDRESS"] == "temporal:7233"
        assert environment["TOKKU_SMTP_HOST"] == "mailpit" and environment["TOKKU_SMTP_PORT"] == "1025"
        # The settings load from exactly this environment (production mode accepts the secret).
        settings = Settings(**{key.removeprefix("TOKKU_").lower(): value for key, value in environment.items()
                               if key.startswith("TOKKU_") and value != ""})
        assert settings.resolved_database_url.startswith("postgresql+psycopg://")
    assert config["services"]["migrate"]["command"] == ["migrate"]
    assert config["services"]["api"]["command"] == ["api"]
    assert config["services"]["worker"]["command"] == ["worker"]
    api = config["services"]["api"]["environment"]
    assert api["TOKKU_API_HOST"] == "0.0.0.0" and int(api["TOKKU_API_WORKERS"]) > 1  # several uvicorn workers
    assert config["services"]["worker"]["deploy"]["replicas"] >= 2


def test_temporal_runs_on_postgresql_and_data_lives_in_volumes(config):
    services = config["services"]
    temporal = services["temporal"]
    assert temporal["image"].startswith("temporalio/server:")
    assert temporal["environment"]["DB"] == "postgres12"
    assert temporal["environment"]["POSTGRES_SEEDS"] == "postgresql"
    assert temporal["environment"]["POSTGRES_PWD"] == REQUIRED["TEMPORAL_DB_PASSWORD"]
    assert (temporal["environment"]["DBNAME"], temporal["environment"]["VISIBILITY_DBNAME"]) == (
        "temporal", "temporal_visibility")
    assert str(temporal["environment"]["NUM_HISTORY_SHARDS"]) == "4"  # auto-setup's default: existing stacks keep it
    # It listens on the container's address, where the others (temporal:7233) and its health check reach it.
    assert "BIND_ON_IP" not in temporal["environment"]
    assert "http://temporal:7243/api/v1/cluster-info" in temporal["healthcheck"]["test"][1]
    assert services["temporal-ui"]["image"].startswith("temporalio/ui:")
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert services["postgresql"]["environment"]["TOKKU_DB_PASSWORD"] == REQUIRED["TOKKU_DB_PASSWORD"]
    assert "postgresql-data:/var/lib/postgresql/data:rw" in services["postgresql"]["volumes"]
    assert "mailpit-data:/data:rw" in services["mailpit"]["volumes"]
    assert set(config["volumes"]) == {"postgresql-data", "mailpit-data"}
    # Only the API and the two UIs are published, and by default on loopback only.
    published = {name: service.get("ports", []) for name, service in services.items() if service.get("ports")}
    assert set(published) == {"api", "temporal-ui", "mailpit"}
    assert all(port.startswith("127.0.0.1:") for ports in published.values() for port in ports)


def mounted(service: dict) -> dict[str, Path]:
    """container path -> host path of a service's bind mounts (as `docker-compose config` writes them)."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("/"):
            mounts[target] = Path(source)
    return mounts


def test_the_server_reads_tokkus_dynamic_config(config):
    temporal = config["services"]["temporal"]
    path = temporal["environment"]["DYNAMIC_CONFIG_FILE_PATH"]
    assert mounted(temporal)[path] == ROOT / "infra" / "temporal" / "dynamicconfig.yaml"
    dynamic = yaml.safe_load((ROOT / "infra" / "temporal" / "dynamicconfig.yaml").read_text(encoding="utf-8"))
    # The server suggests continue-as-new before the workflow's own limit (workflows/contracts.py).
    assert dynamic["limit.historyCount.suggestContinueAsNew"][0]["value"] >= Settings.model_fields["history_event_limit"].default


def test_the_schema_job_sets_up_both_stores_on_postgresql(config):
    job = config["services"]["temporal-schema"]
    assert job["image"].startswith("temporalio/admin-tools:")
    assert job["image"].split(":")[1] == config["services"]["temporal"]["image"].split(":")[1]
    assert job["command"][0] == "/bin/sh"
    script = mounted(job)[job["command"][1]]
    assert script == ROOT / "infra" / "temporal" / "setup-schema.sh"
    environment = job["environment"]
    assert (environment["SQL_PLUGIN"], environment["SQL_HOST"], str(environment["SQL_PORT"])) == (
        "postgres12", "postgresql", "5432")
    assert environment["SQL_PASSWORD"] == REQUIRED["TEMPORAL_DB_PASSWORD"]
    # The same databases the server reads.
    server = config["services"]["temporal"]["environment"]
    assert (environment["TEMPORAL_DB_NAME"], environment["TEMPORAL_VISIBILITY_DB_NAME"]) == (
        server["DBNAME"], server["VISIBILITY_DBNAME"])
    text = script.read_text(encoding="utf-8")
    for step in ("create-database", "setup-schema -v 0.0", "update-schema -d"):
        assert f"temporal-sql-tool --db \"$1\" {step}" in text
    assert 'setup "${TEMPORAL_DB_NAME:-temporal}" temporal' in text
    assert 'setup "${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}" visibility' in text
    assert "/etc/temporal/schema/postgresql/v12" in text


def test_the_namespace_job_creates_tokkus_namespace_with_a_long_retention(config):
    job = config["services"]["temporal-namespace"]
    assert job["image"] == config["services"]["temporal-schema"]["image"]
    script = mounted(job)[job["command"][1]]
    assert script == ROOT / "infra" / "temporal" / "create-namespace.sh"
    environment = job["environment"]
    assert environment["TEMPORAL_ADDRESS"] == config["services"]["worker"]["environment"]["TOKKU_TEMPORAL_ADDRESS"]
    assert environment["TEMPORAL_NAMESPACE"] == config["services"]["worker"]["environment"]["TOKKU_TEMPORAL_NAMESPACE"]
    # A year: an application's earlier runs (closed by continue-as-new) stay readable through an annual cycle.
    assert environment["TEMPORAL_RETENTION"] == "365d"
    text = script.read_text(encoding="utf-8")
    assert "temporal operator namespace create" in text and "--retention" in text
    assert "temporal operator namespace update" in text  # a changed TEMPORAL_RETENTION applies on the next start


def startup_order_problems(services: dict) -> list[str]:
    """What is wrong with the start order: the schema job completes before the server starts, and the server is
    healthy before tokku's migration, API and workers start."""
    problems = []

    def condition(name: str, dependency: str) -> str | None:
        return (services[name].get("depends_on", {}).get(dependency) or {}).get("condition")

    if condition("temporal", "temporal-schema") != "service_completed_successfully":
        problems.append("temporal does not wait for temporal-schema to complete")
    if condition("temporal-namespace", "temporal") != "service_healthy":
        problems.append("temporal-namespace does not wait for a healthy temporal")
    for name in TOKKU_SERVICES:
        if condition(name, "temporal") != "service_healthy":
            problems.append(f"{name} does not wait for a healthy temporal")
    if condition("migrate", "temporal-namespace") != "service_completed_successfully":
        problems.append("migrate does not wait for the namespace")
    return problems


def test_the_schema_job_runs_before_the_server_and_the_server_before_tokku(config):
    assert startup_order_problems(config["services"]) == []
    # The check bites: each link removed is reported.
    for name, dependency in (("temporal", "temporal-schema"), ("migrate", "temporal"), ("worker", "temporal"),
                             ("api", "temporal"), ("temporal-namespace", "temporal")):
        services = copy.deepcopy(config["services"])
        del services[name]["depends_on"][dependency]
        assert any(problem.startswith(f"{name} ") for problem in startup_order_problems(services)), (name, dependency)
    services = copy.deepcopy(config["services"])
    services["temporal"]["depends_on"]["temporal-schema"] = {"condition": "service_started"}
    assert startup_order_problems(services) == ["temporal does not wait for temporal-schema to complete"]


def test_every_variable_is_documented_in_env_example():
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_FILE.read_text(encoding="utf-8")))
    documented = example_variables()
    assert used - set(documented) == set(), "variables used by the compose file but not in .env.example"
    assert set(documented) - used == set(), ".env.example documents variables the compose file does not use"
    required = {name for name, value in documented.items() if value is not None}
    assert required == set(REQUIRED)
    for name in ("TOKKU_SMTP_HOST", "TOKKU_SMTP_PORT", "TOKKU_SMTP_FROM"):
        assert name in OPERATIONS.read_text(encoding="utf-8")


def test_a_missing_secret_stops_the_stack_with_a_clear_message(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in REQUIRED.items()
                                if name != "TOKKU_SECRET_KEY"), encoding="utf-8")
    result = compose_config(env_file, "--quiet")
    assert result.returncode != 0
    assert "set TOKKU_SECRET_KEY" in result.stderr


def test_the_dockerfile_builds_one_image_for_every_part():
    dockerfile = (ROOT / "infra" / "Dockerfile").read_text(encoding="utf-8")
    ignore = (ROOT / "infra" / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    sources = [line.split()[1:-1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    for paths in sources:
        for path in paths:
            assert (ROOT / path).exists(), f"COPY {path}: not in the repository"
            assert f"!{path.rstrip('/')}" in ignore.replace("/\n", "\n"), f"{path} is excluded from the build context"
    assert 'ENTRYPOINT ["tokku"]' in dockerfile  # `command: [api|worker|migrate]` picks the part
    assert re.search(r"^USER tokku$", dockerfile, re.M)  # not root
    assert "TOKKU_MODE=production" in dockerfile
    for part in ("migrate", "api", "worker", "check"):
        assert f"tokku {part}" in dockerfile
