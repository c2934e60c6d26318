"""Intake in the API's own transaction (TOKKU_INTAKE_MODE=api_transaction, issue 16, docs/performance.md).

The submission is written to the read model (its event, status and deadlines) in the same transaction that
snapshots the content, together with the workflow's start input and `start_pending`; the answer is read in
that transaction too. The workflow is started from that input after the commit and begins in the state the
record left (workflows/transitions.py `recorded_submission`). So the company reads its submission as soon as
it gets its answer, and the workflow's first task writes nothing.

The worker's sweep (`sweep_pending_starts`) confirms the starts in batches after a grace period (one
visibility query per hundred), and starts what was not started: the API stopped between its commit and the
start, or Temporal was unreachable. `tokku reconcile` starts it after a restore. Starting is idempotent: the
workflow id is the application's, and a second start of it is refused by Temporal and taken as done.
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
from temporalio.service import RPCError, RPCStatusCode

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
    session.flush()  # the caller reads its answer in this transaction


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


def confirm_started_now(session: Session, application_ids: list[int]) -> None:
    """Their workflows exist: nothing left for the sweep (committed)."""
    session.execute(update(ApplicationStatus).where(ApplicationStatus.application_id.in_(application_ids),
                                                    ApplicationStatus.start_pending.is_(True))
                    .values(start_pending=False).execution_options(synchronize_session=False))
    session.commit()


async def existing_workflows(client: Client, workflow_ids: list[str], batch: int = 100) -> set[str]:
    """Which of these workflows Temporal has (running or closed), a hundred per visibility query. Visibility
    lags a moment behind a start: a workflow missing here is started, which Temporal refuses if it exists."""
    found: set[str] = set()
    for offset in range(0, len(workflow_ids), batch):
        chunk = workflow_ids[offset:offset + batch]
        query = "WorkflowId IN ({})".format(", ".join(f"'{workflow_id}'" for workflow_id in chunk))
        found.update([execution.id async for execution in client.list_workflows(query)])
    return found


async def sweep_pending_starts(sessions: async_sessionmaker[AsyncSession], client: Client, task_queue: str, *,
                               grace: timedelta, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Confirm the starts of submissions recorded more than `grace` ago, and start the workflows that were not
    started; the applications whose workflow this call started. The API does not confirm its own starts: one
    query here confirms a whole batch (docs/performance.md)."""
    cutoff = (now or utcnow()) - grace
    async with sessions() as session:
        rows = (await session.execute(
            select(ApplicationStatus.application_id, ApplicationStatus.start_input)
            .where(ApplicationStatus.start_pending.is_(True), ApplicationStatus.submitted_at < cutoff)
            .order_by(ApplicationStatus.application_id).limit(limit))).all()
    if not rows:
        return []
    existing = await existing_workflows(client, [application_workflow_id(application_id) for application_id, _ in rows])
    confirmed, started = [], []
    for application_id, start_input in rows:
        if application_workflow_id(application_id) in existing:
            confirmed.append(application_id)
            continue
        try:
            if await start_recorded(client, task_queue, StartInput.model_validate(start_input)):
                started.append(application_id)
                log.warning("application %s: started its workflow from the recorded submission (the API had not)",
                            application_id)
            confirmed.append(application_id)
        except Exception as error:  # noqa: BLE001 - one application's failure must not hold up the others
            if isinstance(error, RPCError) and error.status in (RPCStatusCode.UNAVAILABLE,
                                                                RPCStatusCode.DEADLINE_EXCEEDED):
                raise  # Temporal is away: the whole sweep waits for the next one (logged once by the caller)
            log.exception("application %s: could not start its workflow from the recorded submission; trying "
                          "again at the next sweep", application_id)
    if confirmed:
        await in_blocking_session(sessions, lambda session: confirm_started_now(session, confirmed))
    return started
