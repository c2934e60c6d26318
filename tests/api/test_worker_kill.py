"""Kill -9 the worker process in the middle of journeys; a new worker finishes them and the event log holds
each event exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from services.core.applications.models import Event
from services.core.applications.schemas import ApplicationContent, DecisionRequest
from services.core.applications.service import ApplicationService
from tests.factories import COUNCIL_AGREE, DESIGNATE, LOCAL_FILE, NATIONAL_CERTIFY, application_body

pytestmark = pytest.mark.slow

JOURNEY = [("kawasaki1", {"step": "intake_review", "outcome": "accept"}), ("secretariat1", COUNCIL_AGREE),
           ("kawasaki1", LOCAL_FILE), ("cao1", NATIONAL_CERTIFY), ("kawasaki1", DESIGNATE)]


def start_worker_process(settings, log_path) -> subprocess.Popen:
    env = {**os.environ, "TOKKU_DATABASE_URL": settings.resolved_database_url,
           "TOKKU_TEMPORAL_ADDRESS": settings.temporal_address, "TOKKU_TASK_QUEUE": settings.task_queue,
           "TOKKU_VAR_DIR": str(settings.var_dir)}
    return subprocess.Popen([sys.executable, "-m", "services.workers.main"], env=env,
                            stdout=open(log_path, "ab"), stderr=subprocess.STDOUT, start_new_session=True)


async def test_killing_the_worker_loses_nothing(settings, sessions, temporal_client, demo_users, run_dir):
    isolated = settings.model_copy(update={"task_queue": f"tokku-kill-{uuid.uuid4().hex[:8]}"})
    service = ApplicationService(sessions, temporal_client, isolated)
    log_path = run_dir / "worker-kill.log"
    worker = start_worker_process(isolated, log_path)
    try:
        applicant = demo_users["applicant1"]
        ids = []
        for _ in range(12):
            draft, _ = await service.create_draft(applicant, ApplicationContent.model_validate(application_body()))
            ids.append(draft.id)
        await asyncio.gather(*(service.submit(applicant, i) for i in ids))

        async def journey(application_id: int) -> str:
            state = None
            for username, body in JOURNEY:
                state = await service.decide(demo_users[username], application_id, DecisionRequest.model_validate(body))
            return state.status

        async def decisions_recorded() -> int:
            async with sessions() as session:
                return len((await session.execute(select(Event.id).where(
                    Event.application_id.in_(ids), Event.kind == "decision"))).all())

        journeys = [asyncio.create_task(journey(i)) for i in ids]
        # Kill once decisions are being recorded (a fixed pause is too long since transitions are recorded by a
        # local activity: a journey can finish in well under a second).
        while await decisions_recorded() < 2 and not all(task.done() for task in journeys):
            await asyncio.sleep(0.01)
        assert not all(task.done() for task in journeys), "the kill must land mid-journey"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        await asyncio.sleep(1.0)
        worker = start_worker_process(isolated, log_path)
        statuses = await asyncio.wait_for(asyncio.gather(*journeys), timeout=120)
        assert statuses == ["follow_up"] * len(ids)

        async with sessions() as session:
            events = (await session.execute(select(Event).where(Event.application_id.in_(ids)))).scalars().all()
        per_application = Counter(event.application_id for event in events)
        assert per_application == {i: 1 + len(JOURNEY) for i in ids}  # submitted + each decision, once
        assert not [k for k, n in Counter((e.application_id, e.kind, e.step) for e in events).items() if n > 1]
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
