"""The README's start command brings the whole service up, and its curl walk-through works as written.

Runs `tokku dev` (what `scripts/dev` executes after installing) as a real process on free ports with its own
var/ directory, then runs the README's shell block against it. Then stops it with Ctrl-C (SIGINT) and starts
it again on the same var/: nothing is lost.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from services.dev.temporal_dev import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")),
                                 reason="the README walk-through uses curl and jq (both in the base image)"),
              pytest.mark.skipif(os.environ.get("TOKKU_TEST_DATABASE") == "postgres",
                                 reason="`tokku dev` always runs on its own SQLite file: checked in the SQLite pass")]


def readme_walkthrough() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("With `scripts/dev` running, in another shell:\n\n```sh\n", 1)[1].split("```", 1)[0]


def start_dev(var_dir: Path, ports: dict[str, int]) -> subprocess.Popen:
    env = {**os.environ, "TOKKU_VAR_DIR": str(var_dir), "TOKKU_API_PORT": str(ports["api"]),
           "TOKKU_TEMPORAL_PORT": str(ports["temporal"]), "TOKKU_TEMPORAL_UI_PORT": str(ports["ui"]),
           "TOKKU_MAIL_SINK_PORT": str(ports["mail"])}
    env.pop("TOKKU_DATABASE_URL", None)
    tokku = Path(sys.executable).parent / "tokku"
    return subprocess.Popen([str(tokku), "dev"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_running(process: subprocess.Popen, timeout: float = 90) -> str:
    output = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        output.append(line)
        if line.lstrip().startswith("demo data"):  # the banner's last line
            return "".join(output)
    raise AssertionError("tokku dev did not start:\n" + "".join(output))


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=60)
    return rest


def application_count(api: str) -> int:
    request = urllib.request.Request(f"{api}/auth/token", data=b"username=admin1&password=tokku-demo")
    token = json.load(urllib.request.urlopen(request))["access_token"]
    listing = urllib.request.Request(f"{api}/applications?limit=200", headers={"Authorization": f"Bearer {token}"})
    return len(json.load(urllib.request.urlopen(listing))["items"])


def test_start_command_and_walkthrough(tmp_path):
    ports = {"api": free_port(), "temporal": free_port(), "ui": free_port(), "mail": free_port()}
    process = start_dev(tmp_path / "var", ports)
    try:
        banner = wait_running(process)
        assert f"http://127.0.0.1:{ports['api']}/docs" in banner
        assert "applicant1" in banner and "tokku-demo" in banner
        assert f"local SMTP sink on 127.0.0.1:{ports['mail']}" in banner
        assert re.search(r"loaded \d+ applications from the zone plan", banner)
        api = f"http://127.0.0.1:{ports['api']}/api/v1"
        script = readme_walkthrough().replace("API=http://127.0.0.1:8000/api/v1", f"API={api}")
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        assert re.search(r"application \d+", result.stdout)
        decisions = re.findall(r"^(council_consultation|local_filing|national_review|designation|follow_up)$",
                               result.stdout, flags=re.MULTILINE)
        assert decisions == ["council_consultation", "local_filing", "national_review", "designation", "follow_up"]
        final, _ = json.JSONDecoder().raw_decode(result.stdout[result.stdout.rindex('{\n  "status"'):])
        assert final["status"] == "follow_up" and len(final["events"]) == 6
        assert re.search(r'"key":"acquisition:item:\d+".*"state":"open"', result.stdout)
        assert re.search(r'"key":"annual:2026"', result.stdout)
        assert "取得価額 18,000,000円 は機械・装置の下限 20,000,000円 に達していません" in result.stdout
        before = application_count(api)
    finally:
        tail = stop(process)
    assert process.returncode == 0 and "stopped." in tail

    # A second run reuses var/ and loses nothing (and does not seed twice).
    process = start_dev(tmp_path / "var", ports)
    try:
        banner = wait_running(process)
        assert "already loaded" in banner
        assert application_count(f"http://127.0.0.1:{ports['api']}/api/v1") == before
    finally:
        stop(process)
