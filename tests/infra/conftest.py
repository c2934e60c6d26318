"""Helpers for the infrastructure tests: throwaway PostgreSQL databases on the machine's server, and
process handling for the real `tokku` processes these tests start."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_unreachable() -> str | None:
    """None when PostgreSQL answers at 127.0.0.1:5432, otherwise why not."""
    try:
        psycopg.connect(ADMIN_DSN, connect_timeout=3).close()
        return None
    except psycopg.Error as error:
        return f"PostgreSQL is not reachable at 127.0.0.1:5432 ({str(error).strip().splitlines()[0]})"


@pytest.fixture
def scratch_postgres() -> Iterator[callable]:
    """Creates databases `tokku_<purpose>_<random>` (apart from the suite's `test`) and drops them after."""
    reason = postgres_unreachable()
    if reason:
        pytest.skip(reason)
    created: list[str] = []

    def create(purpose: str) -> str:
        name = f"tokku_{purpose}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(ADMIN_DSN, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

    yield create
    with psycopg.connect(ADMIN_DSN, autocommit=True) as connection:
        for name in created:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stop_process(process: subprocess.Popen, timeout: float = 30) -> int:
    """SIGTERM the process group (started with start_new_session=True) and wait; SIGKILL if it hangs."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


def start_tokku(command: str, settings, log_path, **environment: str) -> subprocess.Popen:
    """`tokku <command>` (api, worker, …) as its own process, configured only through the environment."""
    env = {**os.environ, "TOKKU_DATABASE_URL": settings.resolved_database_url,
           "TOKKU_TEMPORAL_ADDRESS": settings.temporal_address, "TOKKU_TASK_QUEUE": settings.task_queue,
           "TOKKU_VAR_DIR": str(settings.var_dir), "TOKKU_LOG_FORMAT": "json", **environment}
    return subprocess.Popen([sys.executable, "-m", "services.cli", command], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(log_path, "ab"), start_new_session=True)


async def wait_until_ready(base_url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as http:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the API process exited with {process.returncode}"
            try:
                if (await http.get(f"{base_url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{base_url} not ready after {timeout}s")
