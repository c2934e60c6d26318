"""SIGTERM is a graceful stop: the API finishes the requests in flight before it exits, the worker finishes
its running activities; nothing is lost and nothing is written twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from collections import Counter

import httpx
import pytest
from sqlalchemy import select, update

from services.core.applications.models import ApplicationStatus, Event
from services.core.applications.schemas import ApplicationContent, DecisionRequest
from services.core.applications.service import ApplicationService
from services.core.platform.db import create_engine
from services.core.platform.tables import utcnow
from services.core.platform.temporal_client import connect
from services.dev.temporal_dev import free_port
from tests.factories import application_body
from tests.infra.conftest import start_tokku, stop_process, wait_until_ready

pytestmark = pytest.mark.slow

ACCEPT = {"step": "intake_review", "outcome": "accept"}


async def wait_for_exit(process, timeout: float) -> int:
    for _ in range(int(timeout * 10)):
        if process.poll() is not None:
            return process.returncode
        await asyncio.sleep(0.1)
    raise AssertionError(f"process {process.pid} still running after {timeout}s")


async def event_kinds(sessions, application_id: int) -> list[tuple[int, str]]:
    async with sessions() as session:
        rows = (await session.execute(select(Event.seq, Event.kind).where(Event.application_id == application_id)
                                      .order_by(Event.seq))).all()
    return [tuple(row) for row in rows]


async def test_the_api_finishes_a_request_in_flight_on_sigterm(settings, sessions, demo_users, run_dir):
    isolated = settings.model_copy(update={"task_queue": f"tokku-drain-{uuid.uuid4().hex[:8]}", "api_port": free_port()})
    logs = run_dir / f"drain-{uuid.uuid4().hex[:6]}"
    worker = start_tokku("worker", isolated, f"{logs}-worker1.log")
    api = start_tokku("api", isolated, f"{logs}-api.log", TOKKU_API_PORT=str(isolated.api_port),
                      TOKKU_API_WORKERS="1", TOKKU_SHUTDOWN_GRACE_SECONDS="30")
    second_worker = None
    base = f"http://127.0.0.1:{isolated.api_port}"
    try:
        await wait_until_ready(base, api)
        async with httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=60) as http:
            async def token(username: str) -> dict:
                answer = await http.post("/auth/token", data={"username": username, "password": "tokku-demo"})
                return {"Authorization": f"Bearer {answer.json()['access_token']}"}

            applicant, official = await token("applicant1"), await token("kawasaki1")
            application_id = (await http.post("/applications", json=application_body(), headers=applicant)).json()["id"]
            assert (await http.post(f"/applications/{application_id}/submit", headers=applicant)).status_code == 200
            assert stop_process(worker) == 0  # an idle worker stops cleanly

            # No worker now: the decision waits inside the API for its workflow.
            decision = asyncio.create_task(http.post(f"/applications/{application_id}/decisions", json=ACCEPT,
                                                     headers=official))
            await asyncio.sleep(1.0)
            assert not decision.done()
            os.kill(api.pid, signal.SIGTERM)
            await asyncio.sleep(1.0)
            assert api.poll() is None, "the API exited with a request still in flight"
            with pytest.raises(httpx.TransportError):  # …but it takes no new connections
                await httpx.AsyncClient(timeout=2).get(f"{base}/healthz")

            second_worker = start_tokku("worker", isolated, f"{logs}-worker2.log")
            answer = await asyncio.wait_for(decision, timeout=60)
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == "council_consultation"
        # uvicorn re-raises the SIGTERM it handled once it is done, so the exit status says "terminated".
        assert await wait_for_exit(api, 30) in (0, -signal.SIGTERM)
        messages = [json.loads(line)["message"] for line in open(f"{logs}-api.log", encoding="utf-8")]
        answered = messages.index(f"POST /api/v1/applications/{application_id}/decisions 200")
        assert messages.index("Waiting for connections to close. (CTRL+C to force quit)") < answered
        assert messages.index("Application shutdown complete.") > answered
        assert await event_kinds(sessions, application_id) == [(1, "submitted"), (2, "decision")]
    finally:
        stop_process(api)
        stop_process(worker)
        if second_worker is not None:
            stop_process(second_worker)


async def test_the_worker_finishes_a_running_activity_on_sigterm(settings, sessions, demo_users, run_dir):
    isolated = settings.model_copy(update={"task_queue": f"tokku-finish-{uuid.uuid4().hex[:8]}"})
    logs = run_dir / f"finish-{uuid.uuid4().hex[:6]}"
    worker = start_tokku("worker", isolated, f"{logs}-worker1.log", TOKKU_SHUTDOWN_GRACE_SECONDS="30")
    second_worker = None
    client = await connect(isolated)
    service = ApplicationService(sessions, client, isolated)
    engine = create_engine(isolated.resolved_database_url)
    try:
        applicant = demo_users["applicant1"]
        draft, _ = await service.create_draft(applicant, ApplicationContent.model_validate(application_body()))
        await service.submit(applicant, draft.id)

        async with engine.connect() as blocker:
            # Hold a write lock on the application's status row: the decision's activity starts and waits.
            await blocker.begin()
            await blocker.execute(update(ApplicationStatus).where(ApplicationStatus.application_id == draft.id)
                                  .values(updated_at=utcnow()))
            decision = asyncio.create_task(service.decide(demo_users["kawasaki1"], draft.id,
                                                          DecisionRequest.model_validate(ACCEPT)))
            await asyncio.sleep(2.0)
            os.kill(worker.pid, signal.SIGTERM)
            await asyncio.sleep(1.5)
            assert worker.poll() is None, "the worker quit with its activity still running"
            await blocker.rollback()  # the activity can write now
        assert await wait_for_exit(worker, 20) == 0

        lines = [json.loads(line) for line in open(f"{logs}-worker1.log", encoding="utf-8") if line.startswith("{")]
        finished = [line for line in lines if line["message"] == f"recorded decision #2 for application {draft.id}"]
        assert len(finished) == 1 and finished[0]["temporal_activity"]["attempt"] == 1  # done by the stopping worker
        stopping = next(i for i, line in enumerate(lines) if line["message"].startswith("worker stopping"))
        assert lines.index(finished[0]) > stopping

        second_worker = start_tokku("worker", isolated, f"{logs}-worker2.log")  # completes the workflow task
        state = await asyncio.wait_for(decision, timeout=60)
        assert state.status == "council_consultation"
        kinds = await event_kinds(sessions, draft.id)
        assert kinds == [(1, "submitted"), (2, "decision")]
        assert Counter(seq for seq, _ in kinds) == {1: 1, 2: 1}
    finally:
        await engine.dispose()
        stop_process(worker)
        if second_worker is not None:
            stop_process(second_worker)
