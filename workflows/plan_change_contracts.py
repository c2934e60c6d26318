"""What crosses the boundary of a plan change (計画の変更, docs/plan-changes.md): the change's own workflow
(council → filing → certification → designation again), the version the application's workflow adopts, and
the notice sent when a version comes into force. Pydantic, like workflows/contracts.py."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from workflows.contracts import Actor, Government, PlannedItemRef, Status

PLAN_CHANGE_WORKFLOW_NAME = "PlanChangeWorkflow"
RECORD_PLAN_CHANGE_STEP_ACTIVITY = "record_plan_change_step"
PUT_PLAN_CHANGE_IN_FORCE_ACTIVITY = "put_plan_change_in_force"
NOTIFY_PLAN_CHANGE_ACTIVITY = "notify_plan_change"


def plan_change_workflow_id(plan_change_id: int) -> str:
    """One workflow per (non-minor) change; the id is derived, so starting twice is a no-op."""
    return f"plan-change-{plan_change_id}"


class ChangeStatus(StrEnum):
    """Where a change is. The steps of a non-minor change are the application's own step names."""

    awaiting_classification = "awaiting_classification"  # the rules leave it to the secretariat
    council_consultation = "council_consultation"
    local_filing = "local_filing"
    national_review = "national_review"
    designation = "designation"
    revision_requested = "revision_requested"
    recorded = "recorded"  # a minor change: recorded and notified, in force
    in_force = "in_force"  # certified, designated again, in force
    rejected = "rejected"
    ended = "ended"  # the application ended (revoked, completed) before the change came into force


OPEN_CHANGE_STATUSES = frozenset({
    ChangeStatus.awaiting_classification, ChangeStatus.council_consultation, ChangeStatus.local_filing,
    ChangeStatus.national_review, ChangeStatus.designation, ChangeStatus.revision_requested})
CHANGE_STEPS = (Status.council_consultation, Status.local_filing, Status.national_review, Status.designation)


class PlanChangeInput(BaseModel):
    plan_change_id: int
    application_id: int
    organization_id: int
    government: Government
    measure_sunset: date


class PlanChangeResubmit(BaseModel):
    actor: Actor
    revision: int = Field(ge=1, description="the proposal's revision after the company amended it")


class PlanChangeState(BaseModel):
    plan_change_id: int
    status: ChangeStatus
    current_step: Status | None = None
    returned_from: Status | None = None
    last_seq: int = 0


class PlanChangeRecord(PlanChangeState):
    """One event of a change's workflow and the state it leaves; written idempotently by (change, seq)."""

    application_id: int
    kind: str  # decision | resubmitted
    step: Status | None = None
    outcome: str | None = None
    actor: Actor | None = None
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime


class PutInForce(BaseModel):
    """Bring a certified change into force: its version, the items, the designation made again."""

    plan_change_id: int
    actor: Actor
    designation: dict[str, Any]


class PlanVersionAdopted(BaseModel):
    """The application's workflow follows the version now in force: its items (new ones get their deadlines,
    removed ones are cancelled, moved planned dates move) and, for a certified change, the new designation."""

    actor: Actor
    plan_change_id: int
    version: int
    minor: bool
    items: list[PlannedItemRef]
    designation: dict[str, Any] | None = None
    summary: list[str] = Field(default_factory=list, description="what changed, one line each (Japanese)")


class PlanChangeNotice(BaseModel):
    """Tell the company and the responsible government that a version came into force (stored, then mailed)."""

    application_id: int
    plan_change_id: int
    version: int
    minor: bool
    summary: list[str] = Field(default_factory=list)
    occurred_at: datetime
