"""Activities: the workflow's only way to touch the database. Each is idempotent under retry."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from services.core.follow_up_models import Deadline
from services.core.models import ApplicationStatus, Decision, EquipmentItem, Event
from workflows import rules
from workflows.contracts import (
    LOAD_PLANNED_ITEMS_ACTIVITY,
    RECORD_TRANSITION_ACTIVITY,
    PlannedItemRef,
    TransitionRecord,
)


@dataclass
class ProjectionActivities:
    sessions: async_sessionmaker[AsyncSession]

    @activity.defn(name=RECORD_TRANSITION_ACTIVITY)
    async def record_transition(self, record: TransitionRecord) -> bool:
        """Append the event and move the projection forward; a retry of a written seq changes nothing.

        Returns False when the event was already there (a retried attempt).
        """
        async with self.sessions() as session:
            already = await session.execute(select(Event.id).where(Event.application_id == record.application_id,
                                                                   Event.seq == record.seq))
            if already.first() is not None:
                return False
            actor = record.actor
            session.add(Event(
                application_id=record.application_id, seq=record.seq, kind=record.kind,
                step=record.step, outcome=record.outcome,
                actor_user_id=actor.user_id if actor else None, actor_username=actor.username if actor else None,
                actor_role=actor.role.value if actor else None, reason=record.reason, payload=record.payload,
                status_after=record.status, occurred_at=record.occurred_at))
            if record.kind == "decision":
                session.add(Decision(application_id=record.application_id, event_seq=record.seq,
                                     step=record.step, outcome=record.outcome, payload=record.payload,
                                     decided_by=actor.user_id if actor else None, decided_at=record.occurred_at))
            if record.deadlines is not None:
                await _project_deadlines(session, record)
            status = await session.get(ApplicationStatus, record.application_id, with_for_update=True)
            if status is not None and record.seq > status.last_seq:
                # Events can be written out of order (a timer and an update at once): only newer state wins.
                status.status = record.status
                status.current_step = record.current_step
                status.step_due_at = record.step_due_at
                status.revision_due_at = record.revision_due_at
                status.returned_from = record.returned_from
                status.furthest_step = record.furthest_step
                status.furthest_rank = max(status.furthest_rank, rules.progress_rank(record.furthest_step))
                status.last_seq = record.seq
                status.updated_at = record.occurred_at
                if record.kind == "submitted":
                    status.submitted_at = record.occurred_at
                session.add(status)
            try:
                await session.commit()
            except IntegrityError:  # a concurrent attempt wrote the same (application, seq) first
                await session.rollback()
                return False
            activity.logger.info("recorded %s #%s for application %s", record.kind, record.seq,
                                 record.application_id)
            return True

    @activity.defn(name=LOAD_PLANNED_ITEMS_ACTIVITY)
    async def load_planned_items(self, application_id: int) -> list[PlannedItemRef]:
        """The planned equipment items at designation: the follow-up watches one deadline per item."""
        async with self.sessions() as session:
            rows = (await session.execute(select(EquipmentItem).where(EquipmentItem.application_id == application_id)
                                          .order_by(EquipmentItem.position))).scalars().all()
        return [PlannedItemRef(id=row.id, description=row.description,
                               planned_acquisition_on=row.planned_acquisition_on) for row in rows]


async def _project_deadlines(session: AsyncSession, record: TransitionRecord) -> None:
    existing = {row.key: row for row in (await session.execute(
        select(Deadline).where(Deadline.application_id == record.application_id))).scalars()}
    for info in record.deadlines or []:
        row = existing.get(info.key) or Deadline(application_id=record.application_id, key=info.key)
        row.kind = info.kind.value
        row.due_at = info.due_at
        row.original_due_at = info.original_due_at
        row.settled_by = info.settled_by
        row.state = info.state.value
        row.equipment_item_id = info.equipment_item_id
        row.fiscal_year = info.fiscal_year
        row.extension_reason = info.extension_reason
        row.updated_at = record.occurred_at
        session.add(row)
