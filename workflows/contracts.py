"""What crosses the workflow boundary: statuses, roles, inputs, decisions, events, and names.

Status names are public API (DOMAIN.md). Everything here is pydantic so the workflow, the worker and the
API share one definition, serialised by temporalio's pydantic data converter.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from workflows.jpdates import parse_date

WORKFLOW_NAME = "ApplicationWorkflow"
RECORD_TRANSITION_ACTIVITY = "record_transition"
NOTIFY_ACTIVITY = "notify"
DELIVER_MAIL_ACTIVITY = "deliver_mail"
LOAD_PLANNED_ITEMS_ACTIVITY = "load_planned_items"


def application_workflow_id(application_id: int) -> str:
    """One workflow per application; the id is derived, so starting twice is a no-op."""
    return f"application-{application_id}"


class Status(StrEnum):
    draft = "draft"
    intake_review = "intake_review"
    council_consultation = "council_consultation"
    local_filing = "local_filing"
    national_review = "national_review"
    designation = "designation"
    follow_up = "follow_up"
    revision_requested = "revision_requested"
    completed = "completed"
    rejected = "rejected"
    withdrawn = "withdrawn"
    lapsed = "lapsed"
    revoked = "revoked"


TERMINAL_STATUSES = frozenset(
    {Status.completed, Status.rejected, Status.withdrawn, Status.lapsed, Status.revoked}
)


class Role(StrEnum):
    applicant = "applicant"
    secretariat = "secretariat"
    local_official = "local_official"
    national_official = "national_official"
    admin = "admin"


class Government(StrEnum):
    kanagawa = "kanagawa"
    yokohama = "yokohama"
    kawasaki = "kawasaki"


class Actor(BaseModel):
    """Who acts: carried into the workflow so validators can check role and government."""

    user_id: int
    username: str
    role: Role
    government: Government | None = None
    organization_id: int | None = None


JpDate = Annotated[date, BeforeValidator(parse_date)]


class DeadlineKind(StrEnum):
    acquisition_window = "acquisition_window"
    planned_acquisition = "planned_acquisition"
    annual_report = "annual_report"
    revision_request = "revision_request"
    step_target = "step_target"


class DeadlineState(StrEnum):
    open = "open"
    met = "met"
    missed = "missed"
    extended = "extended"
    cancelled = "cancelled"  # the application ended (revoked, withdrawn…) before it was settled


OPEN_DEADLINE_STATES = frozenset({DeadlineState.open, DeadlineState.extended})


class DeadlineInfo(BaseModel):
    """One deadline the workflow watches; `planned_at` is when its current due date was set (reminders whose
    time had already passed then are not sent)."""

    key: str
    kind: DeadlineKind
    due_at: datetime
    original_due_at: datetime
    planned_at: datetime
    settled_by: str
    state: DeadlineState = DeadlineState.open
    equipment_item_id: int | None = None
    fiscal_year: int | None = None
    step: Status | None = None
    extension_reason: str | None = None


class PlannedItemRef(BaseModel):
    """A planned equipment item as the follow-up needs it (loaded from the database at designation)."""

    id: int
    description: str
    planned_acquisition_on: date | None = None


class FollowUpSettings(BaseModel):
    # Days before a deadline; fractions are allowed (tests use seconds-ahead reminders on a real server).
    reminder_lead_days: list[float] = Field(default_factory=lambda: [90, 30, 7, 1])
    annual_report_due_month: int = 6  # the report on fiscal year N is due on this month/day of year N+1
    annual_report_due_day: int = 30
    measure_sunset: date = date(2028, 3, 31)  # last acquisition date of the tax measure (a setting)
    history_event_limit: int = 4000  # continue-as-new past this many events (the server suggests 4,096)


class CarriedState(BaseModel):
    """Everything the workflow knows, carried across continue-as-new so multi-year histories stay small."""

    status: Status
    current_step: Status | None = None
    step_due_at: datetime | None = None
    revision_due_at: datetime | None = None
    returned_from: Status | None = None
    furthest: Status | None = None
    seq: int = 0
    transitions: int = 0
    overdue_steps: list[Status] = Field(default_factory=list)
    designation: dict[str, Any] | None = None
    deadlines: list[DeadlineInfo] = Field(default_factory=list)
    settled_items: list[int] = Field(default_factory=list)
    run_number: int = 1
    deadlines: list[DeadlineInfo] = Field(default_factory=list)
    sent: list[str] = Field(default_factory=list)
    items: list[PlannedItemRef] = Field(default_factory=list)
    settled_items: list[int] = Field(default_factory=list)
    period_end: datetime | None = None
    run_number: int = 1


class StartInput(BaseModel):
    application_id: int
    organization_id: int
    government: Government
    step_target_days: dict[str, int]
    revision_deadline_days: int = 30
    follow_up: FollowUpSettings = Field(default_factory=FollowUpSettings)
    carried: CarriedState | None = None


class NotifyInput(BaseModel):
    """A reminder, escalation or prompt to store (and mail) for everyone it concerns."""

    application_id: int
    kind: Literal["reminder", "escalation", "planned_date_passed", "step_overdue", "lapsed"]
    audience: Literal["applicant", "step_holders", "officials"]
    deadline_key: str
    deadline_kind: DeadlineKind
    settled_by: str
    due_at: datetime
    lead_days: float | None = None
    step: Status | None = None
    scheduled_at: datetime  # workflow time when it fired (for audits and tests)


class AcquisitionReported(BaseModel):
    actor: Actor
    report_id: int
    equipment_item_id: int | None = None


class AcquisitionReviewed(BaseModel):
    actor: Actor
    report_id: int
    equipment_item_id: int | None = None
    outcome: Literal["confirm", "query"]


class AnnualReportFiled(BaseModel):
    actor: Actor
    report_id: int
    fiscal_year: int


class DeadlineExtension(BaseModel):
    actor: Actor
    key: str
    new_due_at: datetime
    reason: str = Field(min_length=1)


class SubmitInput(BaseModel):
    actor: Actor
    content_version: int


class ResubmitInput(BaseModel):
    actor: Actor
    content_version: int


class WithdrawInput(BaseModel):
    actor: Actor
    reason: str | None = None


# --- decision fields, one model per (step, outcome); the API answers 422 with their errors ---------------


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReasonRequired(_Fields):
    """Returning or rejecting always says why: the applicant has to act on it."""

    reason: str = Field(min_length=1, description="why the application is returned or rejected")


class IntakeAccept(_Fields):
    reason: str | None = None


class CouncilAgree(_Fields):
    reason: str | None = None
    method: Literal["meeting", "individual_visits", "ict"]
    held_from: JpDate
    held_to: JpDate | None = None
    opinions: list[str] = Field(default_factory=list)
    responses: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _range(self) -> "CouncilAgree":
        if self.held_to is not None and self.held_to < self.held_from:
            raise ValueError("held_to must not be before held_from / 終了日は開始日以降にしてください")
        return self


class CouncilReturn(ReasonRequired):
    method: Literal["meeting", "individual_visits", "ict"] | None = None
    held_from: JpDate | None = None
    held_to: JpDate | None = None
    opinions: list[str] = Field(default_factory=list)
    responses: list[str] = Field(default_factory=list)


class LocalFile(_Fields):
    reason: str | None = None
    filed_on: JpDate
    reference: str = Field(min_length=1)


class NationalCertify(_Fields):
    reason: str | None = None
    certified_on: JpDate
    reference: str = Field(min_length=1)


class Designate(_Fields):
    reason: str | None = None
    designation_number: str = Field(min_length=1)
    designated_on: JpDate
    acquisition_from: JpDate
    acquisition_until: JpDate

    @model_validator(mode="after")
    def _window(self) -> "Designate":
        if self.acquisition_until < self.acquisition_from:
            raise ValueError(
                "acquisition_until must not be before acquisition_from / 取得期限は取得開始日以降にしてください"
            )
        return self


class FollowUpComplete(_Fields):
    reason: str | None = None


DECISION_FIELDS: dict[Status, dict[str, type[_Fields]]] = {
    Status.intake_review: {"accept": IntakeAccept, "return": ReasonRequired, "reject": ReasonRequired},
    Status.council_consultation: {"agree": CouncilAgree, "return": CouncilReturn, "reject": CouncilReturn},
    Status.local_filing: {"file": LocalFile},
    Status.national_review: {"certify": NationalCertify, "return": ReasonRequired, "reject": ReasonRequired},
    Status.designation: {"designate": Designate},
    Status.follow_up: {"complete": FollowUpComplete, "revoke": ReasonRequired},
}


class DecisionInput(BaseModel):
    """A decision as the workflow receives it: `fields` already validated by DECISION_FIELDS."""

    step: Status
    outcome: str
    fields: dict[str, Any] = Field(default_factory=dict)
    actor: Actor

    @property
    def reason(self) -> str | None:
        return self.fields.get("reason")


# --- what the workflow records and reports -------------------------------------------------------------


class TransitionRecord(BaseModel):
    """One audited event plus the projection it leaves behind; written idempotently by (application, seq)."""

    application_id: int
    seq: int
    kind: str  # submitted | decision | resubmitted | withdrawn | lapsed | step_overdue
    step: Status | None = None
    outcome: str | None = None
    actor: Actor | None = None
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime
    status: Status
    current_step: Status | None = None
    step_due_at: datetime | None = None
    revision_due_at: datetime | None = None
    returned_from: Status | None = None
    furthest_step: Status | None = None
    content_version: int | None = None
    deadlines: list[DeadlineInfo] | None = None  # the full set, when it changed


class ApplicationState(BaseModel):
    """The live state, answered by the workflow's query and by every update."""

    application_id: int
    status: Status
    current_step: Status | None = None
    step_due_at: datetime | None = None
    revision_due_at: datetime | None = None
    returned_from: Status | None = None
    furthest_step: Status | None = None
    last_seq: int = 0
    overdue_steps: list[Status] = Field(default_factory=list)
    designation: dict[str, Any] | None = None
    deadlines: list[DeadlineInfo] = Field(default_factory=list)
    settled_items: list[int] = Field(default_factory=list)
    run_number: int = 1
