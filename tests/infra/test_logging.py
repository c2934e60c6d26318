"""Structured logs: every line is one JSON object with request_id, application_id and workflow_id; the API's
request id travels through Temporal to the worker process, whose log lines for that request carry it."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import uuid

import httpx
import uvicorn

from services.api.app import create_app
from services.core.platform import logging as log_ids
from services.core.platform.logging import JsonFormatter
from services.dev.temporal_dev import free_port
from tests.factories import application_body
from tests.infra.conftest import stop_process


class Lines(logging.Handler):
    """Formats at emit time, inside the context that logged: as the real handler does."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_a_line_carries_the_bound_ids_and_extras():
    handler = Lines()
    logger = logging.getLogger("tokku.test.logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("outside")
        with log_ids.bound(request="req-1", workflow="application-42"):
            logger.info("inside %s", "a request", extra={"step": "intake_review"})
            try:
                raise ValueError("boom")
            except ValueError:
                logger.exception("failed")
        logger.info("after")
    finally:
        logger.removeHandler(handler)
    outside, inside, failed, after = handler.lines
    assert outside["request_id"] is None and outside["application_id"] is None and outside["workflow_id"] is None
    assert inside["message"] == "inside a request" and inside["level"] == "info"
    assert (inside["request_id"], inside["application_id"], inside["workflow_id"]) == ("req-1", 42, "application-42")
    assert inside["step"] == "intake_review" and inside["logger"] == "tokku.test.logging"
    assert "ValueError: boom" in failed["exception"] and failed["request_id"] == "req-1"
    assert after["request_id"] is None  # nothing leaks out of the block


async def test_the_api_names_each_request(http, as_user, caplog):
    caplog.set_level(logging.INFO, logger="tokku.request")
    applicant = await as_user("applicant1")
    created = (await applicant.post("/applications", application_body())).json()
    handler = Lines()
    logging.getLogger().addHandler(handler)
    try:
        response = await http.get(f"/api/v1/applications/{created['id']}",
                                  headers={**applicant.headers, "X-Request-ID": "proxy-id-7"})
        generated = await http.get("/api/v1/applications", headers={**applicant.headers, "X-Request-ID": "no good"})
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.headers["x-request-id"] == "proxy-id-7"
    assert generated.headers["x-request-id"] != "no good" and len(generated.headers["x-request-id"]) == 32
    line = next(line for line in handler.lines if line["logger"] == "tokku.request"
                and line["request_id"] == "proxy-id-7")
    assert line["application_id"] == created["id"] and line["workflow_id"] == f"application-{created['id']}"
    assert line["status"] == 200 and line["method"] == "GET" and line["duration_ms"] >= 0


async def test_the_request_id_reaches_the_worker_process(settings, demo_users, run_dir):
    """HTTP request → API → Temporal update → workflow → activity in another process: one request id."""
    isolated = settings.model_copy(update={"task_queue": f"tokku-logs-{uuid.uuid4().hex[:8]}", "api_port": free_port()})
    log_path = run_dir / f"worker-json-{uuid.uuid4().hex[:6]}.log"
    env = {**os.environ, "TOKKU_DATABASE_URL": isolated.resolved_database_url,
           "TOKKU_TEMPORAL_ADDRESS": isolated.temporal_address, "TOKKU_TASK_QUEUE": isolated.task_queue,
           "TOKKU_VAR_DIR": str(isolated.var_dir), "TOKKU_LOG_FORMAT": "json", "TOKKU_LOG_LEVEL": "INFO"}
    worker = subprocess.Popen([sys.executable, "-m", "services.workers.main"], env=env, stdout=subprocess.DEVNULL,
                              stderr=open(log_path, "wb"), start_new_session=True)
    server = uvicorn.Server(uvicorn.Config(create_app(isolated), host="127.0.0.1", port=isolated.api_port,
                                           log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not serving.done()
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{isolated.api_port}/api/v1", timeout=60) as http:
            async def token(username: str) -> dict:
                answer = await http.post("/auth/token", data={"username": username, "password": "tokku-demo"})
                return {"Authorization": f"Bearer {answer.json()['access_token']}"}

            applicant, official = await token("applicant1"), await token("kawasaki1")
            application_id = (await http.post("/applications", json=application_body(), headers=applicant)).json()["id"]
            submitted = await http.post(f"/applications/{application_id}/submit",
                                        headers={**applicant, "X-Request-ID": "submit-req-1"})
            assert submitted.status_code == 200, submitted.text
            decided = await http.post(f"/applications/{application_id}/decisions",
                                      json={"step": "intake_review", "outcome": "accept"},
                                      headers={**official, "X-Request-ID": "decide-req-2"})
            assert decided.status_code == 200, decided.text
        assert stop_process(worker) == 0
    finally:
        server.should_exit = True
        await serving
        stop_process(worker)

    lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines, "the worker wrote no log lines"
    assert all({"time", "level", "logger", "message", "request_id", "application_id", "workflow_id"} <= set(line)
               for line in lines)
    recorded = {line["request_id"]: line for line in lines
                if line["message"].startswith("recorded ") and line["application_id"] == application_id}
    # With the submission recorded by the API (api_transaction), the worker writes only the decision.
    expected = {"decide-req-2"} if isolated.intake_mode == "api_transaction" else {"submit-req-1", "decide-req-2"}
    assert set(recorded) == expected, lines
    assert recorded["decide-req-2"]["workflow_id"] == f"application-{application_id}"
    assert "decision #2" in recorded["decide-req-2"]["message"]
    assert any(line["message"] == "worker stopped" for line in lines)  # SIGTERM: a clean, logged exit
