"""/readyz answers 503 naming the part that is down when PostgreSQL or Temporal stops, and 200 again when it
is back; /healthz stays 200 throughout. A private PostgreSQL cluster and a private Temporal dev server are
stopped and started, never the machine's shared ones."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import httpx
import pytest
import uvicorn

from services.api.app import create_app
from services.core.platform.settings import Settings
from services.dev.temporal_dev import DevServer, free_port
from tests.infra.private_postgres import PrivateCluster, why_not_possible


async def readiness_becomes(http: httpx.AsyncClient, status_code: int, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        response = await http.get("/readyz")
        if response.status_code == status_code or time.monotonic() > deadline:
            assert response.status_code == status_code, response.text
            assert (await http.get("/healthz")).status_code == 200  # the process itself is fine
            return response.json()
        await asyncio.sleep(0.25)


async def test_readyz_follows_postgresql_and_temporal(tmp_path: Path):
    reason = why_not_possible()
    if reason:
        pytest.skip(f"cannot run a private PostgreSQL: {reason}")
    cluster = PrivateCluster()
    temporal = DevServer(db_file=tmp_path / "temporal.db", log_file=tmp_path / "temporal.log")
    server = task = None
    try:
        await asyncio.to_thread(cluster.init)
        await asyncio.to_thread(cluster.start)
        await temporal.start()
        settings = Settings(mode="dev", var_dir=tmp_path, database_url=cluster.url,
                            temporal_address=temporal.address, api_port=free_port(),
                            task_queue=f"tokku-readyz-{uuid.uuid4().hex[:8]}")
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.api_port,
                                               log_level="warning", lifespan="on"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), "the API did not start"
            await asyncio.sleep(0.02)

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.api_port}", timeout=20) as http:
            ready = await readiness_becomes(http, 200)
            assert ready == {"status": "ready", "down": [], "checks": {"database": "ok", "temporal": "ok"}}

            await asyncio.to_thread(cluster.stop)
            body = await readiness_becomes(http, 503)
            assert body["down"] == ["database"] and body["checks"]["temporal"] == "ok"
            assert "database" in body["message"] and "データベース" in body["message_ja"]
            assert body["checks"]["database"] == "unreachable"  # the why goes to the log, not to the caller

            await asyncio.to_thread(cluster.start)
            await readiness_becomes(http, 200)

            temporal.stop()
            body = await readiness_becomes(http, 503)
            assert body["down"] == ["temporal"] and body["checks"]["database"] == "ok"
            assert "Temporal" in body["message_ja"]

            await asyncio.to_thread(cluster.stop)
            body = await readiness_becomes(http, 503)
            assert body["down"] == ["database", "temporal"]

            await asyncio.to_thread(cluster.start)
            await temporal.start()  # same port, same state file
            assert (await readiness_becomes(http, 200))["down"] == []
    finally:
        if server is not None and task is not None:
            server.should_exit = True
            await task
        temporal.stop()
        await asyncio.to_thread(cluster.destroy)
