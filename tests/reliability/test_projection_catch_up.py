"""Kill -9 the worker after the workflow has made a transition and before its projection write is stored, in the
local-activity projection mode (TOKKU_PROJECTION_MODE, issue 16): the write is held back by a lock on the
database, so the kill lands exactly there. A new worker runs the workflow task again; the decision's caller gets
its answer, and the read model holds each event exactly once.

Why it holds: in that mode the write runs inside the workflow task that made the transition, and nothing of it is
in the workflow's history until the task completes. A task lost with its worker times out and runs again on
another worker from the same history, so it makes the same transition with the same seq, and the write is
idempotent by (application, seq).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType, PendingWorkflowTaskState

from services.core.applications.models import ApplicationStatus, Event
from services.core.applications.schemas import ApplicationContent, DecisionRequest
from services.core.applications.service import ApplicationService
from services.core.platform.settings import Settings
from tests.api.test_worker_kill import start_worker_process
from tests.factories import application_body

pytestmark = pytest.mark.slow

APPLICATIONS = 4
ACCEPT = {"step": "intake_review", "outcome": "accept"}


@contextmanager
def events_write_lock(settings: Settings) -> Iterator[None]:
    """Hold writes to the events table back (readers go on): SQLite's one write lock, or PostgreSQL's table lock."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None, timeout=30)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
    else:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
            connection.execute("LOCK TABLE events IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                connection.rollback()


async def _task_running(temporal_client, application_id: int) -> bool:
    """The workflow task that took the decision has started on a worker and not completed."""
    description = await temporal_client.get_workflow_handle(f"application-{application_id}").describe()
    pending = description.raw_description.pending_workflow_task
    return pending.state == PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED


async def _events(sessions, ids: list[int]) -> list[Event]:
    async with sessions() as session:
        return list((await session.execute(select(Event).where(Event.application_id.in_(ids)))).scalars())


async def test_projection_catches_up_once_after_a_kill_between_transition_and_write(
        settings, sessions, temporal_client, demo_users, run_dir):
    isolated = settings.model_copy(update={"task_queue": f"tokku-catch-up-{uuid.uuid4().hex[:8]}",
                                           "projection_mode": "local_activity"})
    service = ApplicationService(sessions, temporal_client, isolated)
    log_path = run_dir / "projection-catch-up.log"
    worker = start_worker_process(isolated, log_path)
    try:
        applicant = demo_users["applicant1"]
        ids = []
        for _ in range(APPLICATIONS):
            draft, _ = await service.create_draft(applicant, ApplicationContent.model_validate(application_body()))
            ids.append(draft.id)
        await asyncio.gather(*(service.submit(applicant, i) for i in ids))
        assert len(await _events(sessions, ids)) == APPLICATIONS  # submitted, each once

        official = demo_users["kawasaki1"]
        with events_write_lock(isolated):
            decisions = [asyncio.create_task(service.decide(official, i, DecisionRequest.model_validate(ACCEPT)))
                         for i in ids]
            for _ in range(600):  # until every decision's workflow task is running on the worker (≤ 60 s)
                if all([await _task_running(temporal_client, i) for i in ids]):
                    break
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the decisions never reached the worker")
            # The transitions are made (in the workflow's memory), their writes wait for the lock: kill now.
            assert not any(task.done() for task in decisions)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        assert len(await _events(sessions, ids)) == APPLICATIONS, "no decision was written before the kill"

        worker = start_worker_process(isolated, log_path)
        answers = await asyncio.wait_for(asyncio.gather(*decisions), timeout=120)
        assert [answer.status for answer in answers] == ["council_consultation"] * APPLICATIONS
        # Read-your-writes: each caller's answer was read from the projection after its 2xx.
        assert all([event.kind for event in answer.events] == ["submitted", "decision"] for answer in answers)

        events = await _events(sessions, ids)
        assert Counter(event.application_id for event in events) == {i: 2 for i in ids}
        assert sorted((e.application_id, e.seq, e.kind) for e in events) == sorted(
            [(i, 1, "submitted") for i in ids] + [(i, 2, "decision") for i in ids])
        async with sessions() as session:
            statuses = (await session.execute(select(ApplicationStatus)
                                              .where(ApplicationStatus.application_id.in_(ids)))).scalars().all()
        assert {(s.status, s.last_seq) for s in statuses} == {("council_consultation", 2)}

        # The kill landed inside the workflow task: each history shows that task lost, then the write recorded once.
        for i in ids:
            history = await temporal_client.get_workflow_handle(f"application-{i}").fetch_history()
            types = [event.event_type for event in history.events]
            assert EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT in types or \
                EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED in types
            markers = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
                       and e.marker_recorded_event_attributes.marker_name == "core_local_activity"]
            # submitted and decision; with the submission recorded by the API (api_transaction), the decision only
            assert len(markers) == (1 if isolated.intake_mode == "api_transaction" else 2)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
