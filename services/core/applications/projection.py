"""The read model as the workflow's transition records leave it: one event (and decision) row per record,
the status projection of the newest record, the deadlines it carries.

Written by the record-transition activity one record at a time, and by `tokku reconcile` when a restored
database has to be brought back in line with the restored workflows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.core.applications.models import ApplicationStatus, Decision, Event
from services.core.follow_up.models import Deadline
from workflows import rules
from workflows.contracts import TransitionRecord


def event_row(record: TransitionRecord) -> Event:
    actor = record.actor
    return Event(application_id=record.application_id, seq=record.seq, kind=record.kind,
                 step=record.step, outcome=record.outcome,
                 actor_user_id=actor.user_id if actor else None, actor_username=actor.username if actor else None,
                 actor_role=actor.role.value if actor else None, reason=record.reason, payload=record.payload,
                 status_after=record.status, occurred_at=record.occurred_at)


def decision_row(record: TransitionRecord) -> Decision | None:
    """The decision's payload row; None for a record that is not an official decision."""
    if record.kind != "decision":
        return None
    actor = record.actor
    return Decision(application_id=record.application_id, event_seq=record.seq, step=record.step,
                    outcome=record.outcome, payload=record.payload, decided_by=actor.user_id if actor else None,
                    decided_at=record.occurred_at)


def status_fields(record: TransitionRecord, furthest_rank_before: int = 0) -> dict[str, Any]:
    """The projection columns a record sets (with the furthest rank never going back)."""
    return {"status": record.status.value, "current_step": record.current_step,
            "step_due_at": record.step_due_at, "revision_due_at": record.revision_due_at,
            "returned_from": record.returned_from, "furthest_step": record.furthest_step,
            "furthest_rank": max(furthest_rank_before, rules.progress_rank(record.furthest_step)),
            "last_seq": record.seq}


def apply_status(status: ApplicationStatus, record: TransitionRecord, furthest_rank_before: int) -> None:
    for name, value in status_fields(record, furthest_rank_before).items():
        setattr(status, name, value)
    status.updated_at = record.occurred_at
    if record.kind == "submitted":
        status.submitted_at = record.occurred_at


def deadline_fields(record: TransitionRecord) -> dict[str, dict[str, Any]]:
    """Per deadline key, the columns of its row as the record leaves it."""
    return {info.key: {"kind": info.kind.value, "due_at": info.due_at, "original_due_at": info.original_due_at,
                       "settled_by": info.settled_by, "state": info.state.value,
                       "equipment_item_id": info.equipment_item_id, "fiscal_year": info.fiscal_year,
                       "extension_reason": info.extension_reason}
            for info in record.deadlines or []}


def project_deadlines_now(session: Session, record: TransitionRecord, *, drop_others: bool = False) -> None:
    """Upsert the record's deadlines; with drop_others, delete rows of keys the record does not carry."""
    existing = {row.key: row for row in session.execute(
        select(Deadline).where(Deadline.application_id == record.application_id)).scalars()}
    wanted = deadline_fields(record)
    for key, fields in wanted.items():
        row = existing.get(key) or Deadline(application_id=record.application_id, key=key)
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = record.occurred_at
        session.add(row)
    if drop_others:
        for key, row in existing.items():
            if key not in wanted:
                session.delete(row)


def record_transition_now(session: Session, record: TransitionRecord) -> bool:
    """Add the record's rows and move the projection forward (not committed); False if its seq is there.

    Blocking: the worker runs it with its commit in one thread (`ProjectionActivities`)."""
    already = session.execute(select(Event.id).where(Event.application_id == record.application_id,
                                                     Event.seq == record.seq))
    if already.first() is not None:
        return False
    session.add(event_row(record))
    decision = decision_row(record)
    if decision is not None:
        session.add(decision)
    if record.deadlines is not None:
        project_deadlines_now(session, record)
    status = session.get(ApplicationStatus, record.application_id, with_for_update=True)
    if status is not None and record.seq > status.last_seq:
        # Events can be written out of order (a timer and an update at once): only newer state wins.
        apply_status(status, record, status.furthest_rank)
        session.add(status)
    return True


async def project_deadlines(session: AsyncSession, record: TransitionRecord, *, drop_others: bool = False) -> None:
    """`project_deadlines_now` in an async session (tokku reconcile)."""
    await session.run_sync(project_deadlines_now, record, drop_others=drop_others)
