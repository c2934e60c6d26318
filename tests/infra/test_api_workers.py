"""`tokku api` runs TOKKU_API_WORKERS uvicorn processes behind one port and stops them all on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from services.dev.temporal_dev import free_port
from tests.infra.conftest import start_tokku, stop_process, wait_until_ready

pytestmark = pytest.mark.slow


async def test_several_uvicorn_workers_serve_one_port(settings, run_dir):
    port = free_port()
    log_path = run_dir / f"api-workers-{uuid.uuid4().hex[:6]}.log"
    api = start_tokku("api", settings, log_path, TOKKU_API_PORT=str(port), TOKKU_API_WORKERS="2")
    try:
        await wait_until_ready(f"http://127.0.0.1:{port}", api)
        for _ in range(50):  # both children must have finished starting, not just the first to answer
            lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines() if line]
            started = {line["pid"] for line in lines if line["message"] == "Application startup complete."}
            if len(started) == 2:
                break
            await asyncio.sleep(0.2)
        assert len(started) == 2 and api.pid not in started  # two worker processes under the supervisor
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            answers = await asyncio.gather(*(http.get("/healthz") for _ in range(20)))
        assert {answer.status_code for answer in answers} == {200}
    finally:
        assert stop_process(api) == 0  # the supervisor stops its workers and exits cleanly
    lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines() if line]
    finished = {line["pid"] for line in lines if line["message"].startswith("Finished server process")}
    assert finished == started
