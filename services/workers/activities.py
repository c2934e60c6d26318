"""Activities: the workflow's only way to touch the database. Each is idempotent under retry."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from temporalio import activity

from services.core.applications import projection
from services.core.applications.models import EquipmentItem, Event
from services.core.council.service import sync_council_decisions
from services.core.platform.db import in_blocking_session
from workflows.contracts import (
    LOAD_PLANNED_ITEMS_ACTIVITY,
    RECORD_TRANSITION_ACTIVITY,
    RECORD_TRANSITION_LOCAL_ACTIVITY,
    PlannedItemRef,
    Status,
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
        written = await self._write_transition(record)
        if record.kind == "decision" and record.step == Status.council_consultation:
            # After the commit, in a session of its own; on a retry too (an earlier attempt may have
            # stopped between writing the decision and linking it).
            await self._link_council_decisions()
        return written

    @activity.defn(name=RECORD_TRANSITION_LOCAL_ACTIVITY)
    async def record_transition_local(self, record: TransitionRecord) -> TransitionRecord:
        """The same write, run as a local activity inside the workflow task that made the transition
        (TOKKU_PROJECTION_MODE=local_activity). It answers with the record: a local activity's marker in the
        history keeps its result, not its input, and `tokku reconcile` reads the records from the history."""
        await self.record_transition(record)
        return record

    async def _write_transition(self, record: TransitionRecord) -> bool:
        # The whole transaction in one thread, not one event-loop hop per statement (docs/performance.md).
        written, clash = await in_blocking_session(self.sessions,
                                                   lambda session: self._write_transition_now(session, record))
        if written:
            activity.logger.info("recorded %s #%s for application %s", record.kind, record.seq, record.application_id)
        elif clash is not None:
            activity.logger.error("application %s: event #%s is stored as %s, the workflow recorded %s; run "
                                  "`tokku reconcile --application %s`", record.application_id, record.seq, clash,
                                  record.kind, record.application_id)
        return written

    def _write_transition_now(self, session: Session, record: TransitionRecord) -> tuple[bool, str | None]:
        """(written, the kind of a different event already stored at this seq)."""
        if not projection.record_transition_now(session, record):
            return False, self._other_event_at_seq(session, record)
        try:
            session.commit()
        except IntegrityError:  # a concurrent attempt wrote the same (application, seq) first
            session.rollback()
            return False, None
        return True, None

    @staticmethod
    def _other_event_at_seq(session: Session, record: TransitionRecord) -> str | None:
        """A retry finds its own event. Another event at the same seq can only be a write from a workflow task that
        never completed (local-activity mode, its worker lost, the task run again differently): the history is
        the reference, and `tokku reconcile` moves that row aside and writes the history's record in its place."""
        row = session.execute(select(Event).where(Event.application_id == record.application_id,
                                                  Event.seq == record.seq)).scalars().first()
        if row is not None and (row.kind, row.step, row.outcome, row.status_after) != (
                record.kind, record.step, record.outcome, record.status):
            return row.kind
        return None

    async def _link_council_decisions(self) -> None:
        """Keep the council's record (別添6) current: the decision just written joins its consultation."""
        async with self.sessions() as session:
            await sync_council_decisions(session)

    @activity.defn(name=LOAD_PLANNED_ITEMS_ACTIVITY)
    async def load_planned_items(self, application_id: int) -> list[PlannedItemRef]:
        """The planned equipment items at designation: the follow-up watches one deadline per item."""
        async with self.sessions() as session:
            rows = (await session.execute(select(EquipmentItem).where(EquipmentItem.application_id == application_id)
                                          .order_by(EquipmentItem.position))).scalars().all()
        return [PlannedItemRef(id=row.id, description=row.description,
                               planned_acquisition_on=row.planned_acquisition_on) for row in rows]

