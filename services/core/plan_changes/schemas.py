"""Request and response shapes of plan changes (docs/plan-changes.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.core.applications.schemas import ApplicantInfo, ApplicationContent, PlannedEquipment


class ChangedEquipment(PlannedEquipment):
    """A planned item as the change would have it: `item_id` names an item of the version in force (its id in
    the application's equipment items); without one it is a new item."""

    item_id: int | None = Field(default=None, description="the item in force it changes; none for a new item")


class ChangedApplicant(ApplicantInfo):
    """The company's fields to change (the rest stay as in force)."""


class PlanChanges(ApplicationContent):
    """The fields to change; the others stay as in force. `equipment_items`, when given, is the whole new list:
    items of the version in force not listed are dropped."""

    applicant: ChangedApplicant | None = None  # type: ignore[assignment]
    equipment_items: list[ChangedEquipment] | None = None  # type: ignore[assignment]


class PlanChangeCreate(BaseModel):
    """POST /applications/{id}/plan-changes."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=4000, description="why the plan changes (変更の理由)")
    changes: PlanChanges


class PlanChangeResubmitRequest(BaseModel):
    """POST …/plan-changes/{change_id}/resubmit: the amended change (optional: the same fields again)."""

    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=4000)
    changes: PlanChanges | None = None


class ClassificationRequest(BaseModel):
    """POST …/plan-changes/{change_id}/classification: the secretariat decides what the rules left open."""

    model_config = ConfigDict(extra="forbid")
    minor: bool
    reason: str = Field(min_length=1, max_length=4000, description="why (recorded with the change)")


class FieldChangePublic(BaseModel):
    path: str
    before: Any
    after: Any
    rule: str
    kind: str = Field(description="minor | not_minor | secretariat")
    explanation_ja: str
    explanation_en: str
    source: str
    item_id: int | None = None
    item_number: int | None = None
    item_description: str | None = None


class PlanChangeEventPublic(BaseModel):
    seq: int
    kind: str
    step: str | None
    outcome: str | None
    actor: str | None
    actor_role: str | None
    reason: str | None
    payload: dict[str, Any]
    status_after: str
    occurred_at: datetime


class PlanChangePublic(BaseModel):
    id: int
    application_id: int
    base_version: int
    revision: int
    reason: str
    status: str
    current_step: str | None
    returned_from: str | None = Field(default=None, description="the step of the change's last return")
    classification: str = Field(description="what the rules found: minor | not_minor | secretariat")
    minor: bool | None = Field(description="the decision (None while the secretariat has not decided)")
    classification_reason: str | None
    version: int | None = Field(description="the version it brought into force")
    field_changes: list[FieldChangePublic]
    proposed: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    events: list[PlanChangeEventPublic] | None = None


class VersionPublic(BaseModel):
    version: int
    basis: str = Field(description="designation | minor_change | certified_change")
    in_force: bool
    in_force_from: datetime
    plan_change_id: int | None
    designation: dict[str, Any]
    content: dict[str, Any]
    item_ids: list[int] = Field(default_factory=list, description="the version in force only: its planned items' "
                                                                  "ids, in order (name them in a change)")
