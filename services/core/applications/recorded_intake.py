"""Intake in the API's own transaction (TOKKU_INTAKE_MODE=api_transaction, issue 16, docs/performance.md).

The submission is written to the read model (its event, status and deadlines) in the same transaction that
snapshots the content, together with the workflow's start input; the workflow is started from that input
after the commit and begins in the state the record left (workflows/transitions.py `recorded_submission`).
So the company reads its submission as soon as it gets its answer, and the workflow's first task writes
nothing.

A start that did not happen (the API stopped between its commit and the start, or Temporal was unreachable)
leaves the row marked `start_pending`: the worker's sweep (`sweep_pending_starts`) starts it after a grace
period, and `tokku reconcile` starts it after a restore. Starting is idempotent: the workflow id is the
application's, and a second start of it is refused by Temporal and taken as done.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from services.core.applications.models import ApplicationStatus
from services.core.applications.projection import record_transition_now
from services.core.platform.db import in_blocking_session
from services.core.platform.tables import utcnow
from workflows.contracts import StartInput, application_workflow_id
from workflows.designation import ApplicationWorkflow
from workflows.transitions import recorded_submission

log = logging.getLogger("tokku.intake")


def record_submission_now(session: Session, status: ApplicationStatus, start: StartInput) -> None:
    """Write the submission `start` carries to the read model, with the start input kept and its start pending
    (not committed: it joins the caller's transaction). `status` is the application's row in this session."""
    _, record = recorded_submission(start)
    status.workflow_id = application_workflow_id(start.application_id)
    status.start_input = start.model_dump(mode="json")
    status.start_pending = True
    session.add(status)
    session.flush()
    record_transition_now(session, record)


async def start_recorded(client: Client, task_queue: str, start: StartInput) -> bool:
    """Start the workflow of a recorded submission; False when it was already started (by the API, the sweep or
    before a restore). Never starts a second run: the id is refused while it runs and after it closed."""
    try:
        await client.start_workflow(ApplicationWorkflow.run, start, id=application_workflow_id(start.application_id),
                                    task_queue=task_queue, id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
    except WorkflowAlreadyStartedError:
        return False
    return True


def confirm_started_now(session: Session, application_id: int) -> None:
    """The workflow exists: nothing left for the sweep (committed)."""
    session.execute(update(ApplicationStatus).where(ApplicationStatus.application_id == application_id,
                                                    ApplicationStatus.start_pending.is_(True))
                    .values(start_pending=False).execution_options(synchronize_session=False))
    session.commit()


async def sweep_pending_starts(sessions: async_sessionmaker[AsyncSession], client: Client, task_queue: str, *,
                               grace: timedelta, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Start the workflows of submissions recorded more than `grace` ago whose start was never confirmed; the
    applications whose workflow this call started (the others had been started already)."""
    cutoff = (now or utcnow()) - grace
    async with sessions() as session:
        rows = (await session.execute(
            select(ApplicationStatus.application_id, ApplicationStatus.start_input)
            .where(ApplicationStatus.start_pending.is_(True), ApplicationStatus.submitted_at < cutoff)
            .order_by(ApplicationStatus.application_id).limit(limit))).all()
    started = []
    for application_id, start_input in rows:
        if await start_recorded(client, task_queue, StartInput.model_validate(start_input)):
            started.append(application_id)
            log.warning("application %s: started its workflow from the recorded submission (the API had not)",
                        application_id)
        await in_blocking_session(sessions, lambda session, id=application_id: confirm_started_now(session, id))
    return started
