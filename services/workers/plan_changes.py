"""Activities of plan changes (docs/plan-changes.md): a change's workflow event recorded, and a certified
change put in force. Both idempotent under retry: events are keyed by (change, seq); putting in force writes
the version once and tells the application's workflow once (it checks the application's events first)."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity

from services.core.plan_changes.service import PlanChangeService
from workflows.plan_change_contracts import (
    PUT_PLAN_CHANGE_IN_FORCE_ACTIVITY,
    RECORD_PLAN_CHANGE_STEP_ACTIVITY,
    PlanChangeRecord,
    PutInForce,
)


@dataclass
class PlanChangeActivities:
    plan_changes: PlanChangeService

    @activity.defn(name=RECORD_PLAN_CHANGE_STEP_ACTIVITY)
    async def record_plan_change_step(self, record: PlanChangeRecord) -> bool:
        written = await self.plan_changes.record_step(record)
        if written:
            activity.logger.info("plan change %s: recorded %s #%s", record.plan_change_id, record.kind,
                                 record.last_seq)
        return written

    @activity.defn(name=PUT_PLAN_CHANGE_IN_FORCE_ACTIVITY)
    async def put_plan_change_in_force(self, request: PutInForce) -> bool:
        """False when the application ended before the change came into force."""
        return await self.plan_changes.put_in_force(request.plan_change_id, request.actor, request.designation)
