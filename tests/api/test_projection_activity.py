"""The projection activity (record_transition) on the real database: a record carries the deadlines only
when its event changed them (workflows/designation.py), so one without them must leave the rows as they are
while the status moves on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from services.core.applications.models import ApplicationStatus, Event
from services.core.follow_up.models import Deadline
from services.workers.activities import ProjectionActivities
from tests.factories import application_body
from workflows import deadlines as book
from workflows.contracts import Actor, DeadlineState, Role, Status, TransitionRecord


async def test_a_record_without_deadlines_leaves_them_and_moves_the_status(as_user, sessions):
    applicant = await as_user("applicant1")
    created = await applicant.post("/applications", application_body())
    assert created.status_code == 201, created.text
    application_id = created.json()["id"]  # a draft: no workflow writes to it but this test
    record_transition = ProjectionActivities(sessions).record_transition
    now = datetime.now(UTC).replace(microsecond=0)
    target = book.step_target_deadline(now=now, step=Status.intake_review, step_target_days={"intake_review": 14},
                                       transition=1)
    actor = Actor(user_id=1, username="applicant1", role=Role.applicant, organization_id=1)

    def record(seq: int, kind: str, at: datetime, **state) -> TransitionRecord:
        return TransitionRecord(application_id=application_id, last_seq=seq, kind=kind, occurred_at=at, actor=actor,
                                status=Status.intake_review, current_step=Status.intake_review,
                                step_due_at=target.due_at, furthest_step=Status.intake_review, **state)

    async def rows() -> tuple[dict[str, tuple], ApplicationStatus]:
        async with sessions() as session:
            deadlines = (await session.execute(select(Deadline).where(
                Deadline.application_id == application_id))).scalars()
            status = await session.get(ApplicationStatus, application_id)
            return {d.key: (d.state, d.due_at, d.updated_at) for d in deadlines}, status

    environment = ActivityEnvironment()
    assert await environment.run(record_transition, record(1, "submitted", now, deadlines=[target]))
    first, status = await rows()
    assert first == {target.key: ("open", target.due_at, now)}
    assert (status.status, status.last_seq) == ("intake_review", 1)

    later = now + timedelta(days=15)
    assert await environment.run(record_transition, record(2, "acquisition_reported", later, deadlines=None,
                                                           overdue_steps=[Status.intake_review]))
    unchanged, status = await rows()
    assert unchanged == first, "a record without deadlines left every row as it was"
    assert (status.last_seq, status.updated_at) == (2, later)

    target.state = DeadlineState.missed
    assert await environment.run(record_transition, record(3, "step_overdue", later, deadlines=[target]))
    assert (await rows())[0] == {target.key: ("missed", target.due_at, later)}
    assert not await environment.run(record_transition, record(2, "acquisition_reported", later, deadlines=None))
    async with sessions() as session:
        kinds = (await session.execute(select(Event.kind).where(Event.application_id == application_id)
                                       .order_by(Event.seq))).scalars().all()
    assert kinds == ["submitted", "acquisition_reported", "step_overdue"]


async def test_another_event_at_a_written_seq_is_reported_for_reconcile(as_user, sessions, caplog):
    """In the local-activity mode a write can come from a workflow task that never completed; if the task ran
    again differently, the history's record finds another event at its seq: nothing is overwritten (the log is
    append-only), and the worker's log names the repair."""
    created = await (await as_user("applicant1")).post("/applications", application_body())
    application_id = created.json()["id"]
    now = datetime.now(UTC).replace(microsecond=0)
    actor = Actor(user_id=1, username="applicant1", role=Role.applicant, organization_id=1)
    environment = ActivityEnvironment()
    local = ProjectionActivities(sessions).record_transition_local

    def record(kind: str, step: Status | None) -> TransitionRecord:
        return TransitionRecord(application_id=application_id, last_seq=1, kind=kind, step=step, occurred_at=now,
                                actor=actor, status=Status.intake_review, current_step=Status.intake_review)

    first = record("submitted", None)
    assert await environment.run(local, first) == first  # the local activity answers with its record
    with caplog.at_level("ERROR"):
        assert await environment.run(local, record("submitted", None)) == first  # a retry: the same event
        assert "tokku reconcile" not in caplog.text
        await environment.run(local, record("decision", Status.intake_review))
    assert f"run `tokku reconcile --application {application_id}`" in caplog.text
    async with sessions() as session:
        kinds = (await session.execute(select(Event.kind).where(Event.application_id == application_id))).scalars()
        assert list(kinds) == ["submitted"]
