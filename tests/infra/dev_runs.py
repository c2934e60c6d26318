"""`tokku dev` as a real process for the recovery and backup drills: its own var/, free ports, output in a
file (a pipe nobody reads would fill up and stall it), and the demo users signed in over HTTP."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.dev.temporal_dev import free_port, pid_alive, servers_using
from tests.factories import application_body

ROOT = Path(__file__).resolve().parents[2]
TOKKU = Path(sys.executable).parent / "tokku"
DEMO_PASSWORD = "tokku-demo"


def free_ports() -> dict[str, int]:
    return {"api": free_port(), "temporal": free_port(), "ui": free_port(), "mail": free_port()}


def tokku_environment(var_dir: Path, ports: dict[str, int], **extra: str) -> dict[str, str]:
    env = {**os.environ, "TOKKU_VAR_DIR": str(var_dir), "TOKKU_API_PORT": str(ports["api"]),
           "TOKKU_TEMPORAL_PORT": str(ports["temporal"]), "TOKKU_TEMPORAL_UI_PORT": str(ports["ui"]),
           "TOKKU_MAIL_SINK_PORT": str(ports["mail"]), "TOKKU_LOG_LEVEL": "WARNING", **extra}
    for name in ("TOKKU_DATABASE_URL", "TOKKU_TEMPORAL_ADDRESS"):
        env.pop(name, None)
    return env


def run_tokku(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(TOKKU), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@dataclass
class DevRun:
    """One `tokku dev` process on `var_dir`."""

    var_dir: Path
    ports: dict[str, int]
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def env(self) -> dict[str, str]:
        return tokku_environment(self.var_dir, self.ports, **self.extra_env)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}/api/v1"

    def start(self, name: str) -> DevRun:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.var_dir.parent / f"{name}.out"
        self.process = subprocess.Popen([str(TOKKU), "dev"], env=self.env, cwd=ROOT,
                                        stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def wait_running(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.output()
            if "  demo data" in text:  # the banner's last line
                return text
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"tokku dev did not start (exit {self.process.poll()}):\n{self.output()}")

    def wait_exit(self, timeout: float = 60) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"tokku dev did not stop:\n{self.output()}") from None

    def lock_record(self) -> dict:
        text = (self.var_dir / "tokku.lock").read_text()
        return json.loads(text) if text.strip() else {}

    def temporal_servers(self) -> list[int]:
        return servers_using(self.var_dir / "temporal.db")

    def stop(self) -> None:
        """Ctrl-C, and wait (cleanup after a failed test too)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_gone(pids: list[int], timeout: float = 20) -> list[int]:
    """The pids still alive after `timeout` (empty when all ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if pid_alive(pid)]
        if not alive:
            return []
        time.sleep(0.1)
    return [pid for pid in pids if pid_alive(pid)]


def query_db(var_dir: Path, sql: str, *parameters) -> list[tuple]:
    """Read the application database directly (WAL: readers never block the running service)."""
    with sqlite3.connect(var_dir / "tokku.db", timeout=30) as connection:
        return connection.execute(sql, parameters).fetchall()


class Users:
    """The demo users' tokens for one run's API."""

    def __init__(self, http: httpx.Client, api: str) -> None:
        self.http = http
        self.api = api
        self.headers: dict[str, dict[str, str]] = {}

    def sign_in(self, *usernames: str) -> Users:
        for username in usernames:
            answer = self.http.post(f"{self.api}/auth/token", data={"username": username, "password": DEMO_PASSWORD})
            assert answer.status_code == 200, answer.text
            self.headers[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return self

    def post(self, username: str, path: str, body: dict | None = None) -> dict:
        answer = self.http.post(f"{self.api}{path}", json=body, headers=self.headers[username])
        assert answer.status_code in (200, 201), f"{path}: {answer.status_code} {answer.text}"
        return answer.json()

    def get(self, username: str, path: str) -> dict:
        answer = self.http.get(f"{self.api}{path}", headers=self.headers[username])
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
        return answer.json()

    def submitted_applications(self, count: int) -> list[int]:
        """`count` applications created and submitted by applicant1, side by side."""
        def one(_: int) -> int:
            created = self.post("applicant1", "/applications", application_body())
            self.post("applicant1", f"/applications/{created['id']}/submit")
            return created["id"]
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(one, range(count)))

    def decide_all(self, username: str, ids: list[int], body: dict) -> None:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: self.post(username, f"/applications/{i}/decisions", body), ids))

    def snapshot(self, ids: list[int]) -> dict[int, tuple[str, list[tuple]]]:
        """Each application's status and events as the API shows them."""
        result = {}
        for application_id in ids:
            shown = self.get("admin1", f"/applications/{application_id}")
            result[application_id] = (shown["status"], [(e["seq"], e["kind"], e["step"], e["outcome"])
                                                        for e in shown["events"]])
        return result
