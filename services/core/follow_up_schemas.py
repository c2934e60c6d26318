"""Request and response shapes of the follow-up: acquisition and annual reports, deadlines, notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.core.schemas import AssetClass
from workflows.contracts import JpDate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AcquisitionReportCreate(_Strict):
    equipment_item_id: int | None = Field(default=None, description="the planned item it settles; omit for an "
                                                                      "unplanned item")
    asset_class: AssetClass
    description: str = Field(min_length=1, max_length=1000)
    actual_cost_jpy: int = Field(gt=0)
    acquired_on: JpDate
    in_service_on: JpDate | None = None
    location: str = Field(min_length=1, max_length=300)


class AcquisitionReportPublic(BaseModel):
    id: int
    application_id: int
    equipment_item_id: int | None
    asset_class: str
    description: str
    actual_cost_jpy: int
    acquired_on: date
    in_service_on: date | None
    location: str
    rule_findings: list[dict[str, str]]
    review_status: str
    review_note: str | None
    reported_at: datetime
    reviewed_at: datetime | None


class ReviewRequest(_Strict):
    outcome: Literal["confirm", "query"]
    note: str | None = Field(default=None, max_length=4000)


class AnnualReportCreate(_Strict):
    fiscal_year: int = Field(ge=2000, le=2100)
    investment_to_date_jpy: int = Field(ge=0)
    employees: int = Field(ge=0)
    international_trials: int = Field(default=0, ge=0)
    products_launched: int = Field(default=0, ge=0)
    training_participants: int = Field(default=0, ge=0)
    data_science: bool = False
    note: str | None = Field(default=None, max_length=8000)


class AnnualReportPublic(BaseModel):
    id: int
    application_id: int
    fiscal_year: int
    investment_to_date_jpy: int
    employees: int
    international_trials: int
    products_launched: int
    training_participants: int
    data_science: bool
    note: str | None
    review_status: str
    review_note: str | None
    submitted_at: datetime


class DeadlineView(BaseModel):
    id: int
    key: str
    kind: str
    due_at: datetime
    original_due_at: datetime
    settled_by: str
    state: str
    days_left: int
    equipment_item_id: int | None
    fiscal_year: int | None
    extension_reason: str | None


class DeadlineExtendRequest(_Strict):
    new_due_on: JpDate = Field(description="the new due date (ISO or Japanese era); the deadline ends that day")
    reason: str = Field(min_length=1, max_length=2000)


class NotificationPublic(BaseModel):
    id: int
    application_id: int
    kind: str
    deadline_key: str | None
    lead_days: float | None
    due_at: datetime | None
    subject: str
    body: str
    link: str
    created_at: datetime
    read: bool
    mail_status: str


class CalendarLink(BaseModel):
    url: str
