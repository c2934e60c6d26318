"""Activities: the workflow's only way to touch the database. Each is idempotent under retry."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from services.core.models import ApplicationStatus, Decision, Event
from workflows import rules
from workflows.contracts import RECORD_TRANSITION_ACTIVITY, TransitionRecord


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
