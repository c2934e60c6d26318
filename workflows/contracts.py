"""What crosses the workflow boundary: statuses, roles, inputs, decisions, the workflow's state (carried on
continue-as-new) and its snapshot (query answers and transition records), and names.

Status names are public API (DOMAIN.md). Everything here is pydantic so the workflow, the worker and the
API share one definition, serialised by temporalio's pydantic data converter.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field, model_validator

from workflows.jpdates import parse_date

WORKFLOW_NAME = "ApplicationWorkflow"
RECORD_TRANSITION_ACTIVITY = "record_transition"
# The same write run as a local activity; it answers with the record, so the record is in the workflow's history
# (a local activity's marker keeps its result, not its input) for `tokku reconcile`.
RECORD_TRANSITION_LOCAL_ACTIVITY = "record_transition_local"
NOTIFY_ACTIVITY = "notify"
DELIVER_MAIL_ACTIVITY = "deliver_mail"
LOAD_PLANNED_ITEMS_ACTIVITY = "load_planned_items"
FILING_ROUND_WORKFLOW_NAME = "FilingRoundWorkflow"
DECIDE_ROUND_APPLICATION_ACTIVITY = "decide_round_application"
FINISH_ROUND_ACTIVITY = "finish_round"


def application_workflow_id(application_id: int) -> str:
    """One workflow per application; the id is derived, so starting twice is a no-op."""
    return f"application-{application_id}"


class RoundPhase(StrEnum):
    """What a filing round's workflow carries out: the filing (local_filing/file to each application) or the
    certification (national_review/certify, or return for those the Cabinet Office sends back)."""

    file = "file"
    certify = "certify"


def filing_round_workflow_id(round_id: int, phase: RoundPhase) -> str:
    """One workflow per round and phase; the id is derived, so posting again joins it instead of a second."""
    return f"filing-round-{round_id}-{RoundPhase(phase).value}"


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
    lender = "lender"  # a designated financial institution (指定金融機関) of the interest subsidy


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
    subsidy_claim = "subsidy_claim"  # a loan's yearly interest-subsidy claim (workflows/loan.py)


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
    # The tax measure's last date in force (data/tax-measure.json, or the extension setting): the API passes it.
    measure_sunset: date = date(2026, 3, 31)
    history_event_limit: int = 4000  # continue-as-new past this many events (the server suggests 4,096)


class WorkflowState(BaseModel):
    """Everything the workflow knows. Its handlers change this one object in place; continue-as-new carries it
    whole (StartInput.carried), so multi-year histories stay small. The field names are the ones recorded
    in v0.1.0 histories (then `CarriedState`): carried inputs already in Temporal decode into it."""

    status: Status
    current_step: Status | None = None
    step_due_at: datetime | None = None
    revision_due_at: datetime | None = None
    returned_from: Status | None = None
    furthest: Status | None = None
    seq: int = 0  # of the last recorded event
    transitions: int = 0
    overdue_steps: list[Status] = Field(default_factory=list)
    designation: dict[str, Any] | None = None
    deadlines: list[DeadlineInfo] = Field(default_factory=list)
    settled_items: list[int] = Field(default_factory=list)  # kept sorted
    run_number: int = 1
    sent: list[str] = Field(default_factory=list)  # reminders sent and misses handled (deadlines.reminder_id)
    items: list[PlannedItemRef] = Field(default_factory=list)
    period_end: datetime | None = None

    def snapshot(self, application_id: int) -> ApplicationState:
        """What the workflow shows of itself: its query's and updates' answer, and each record's state."""
        return ApplicationState(
            application_id=application_id, status=self.status, current_step=self.current_step,
            step_due_at=self.step_due_at, revision_due_at=self.revision_due_at, returned_from=self.returned_from,
            furthest_step=self.furthest, last_seq=self.seq, overdue_steps=self.overdue_steps,
            designation=self.designation, deadlines=self.deadlines, settled_items=self.settled_items,
            run_number=self.run_number)


# How the workflow records each transition in the read model (TOKKU_PROJECTION_MODE, docs/performance.md):
# "activity" schedules a regular activity (two more workflow tasks and a task-queue round trip);
# "local_activity" runs it in the worker inside the workflow task that made the transition.
ProjectionMode = Literal["activity", "local_activity"]


class SubmissionRecorded(BaseModel):
    """A submission the API has already recorded in the read model, in the transaction that stored it
    (TOKKU_INTAKE_MODE=api_transaction): the workflow starts from it instead of making it
    (workflows/transitions.py `recorded_submission`)."""

    actor: Actor
    content_version: int
    occurred_at: datetime


class StartInput(BaseModel):
    application_id: int
    organization_id: int
    government: Government
    step_target_days: dict[str, int]
    revision_deadline_days: int = 30
    follow_up: FollowUpSettings = Field(default_factory=FollowUpSettings)
    carried: WorkflowState | None = None
    # Chosen by the API when it starts the workflow and carried across continue-as-new, so a run never reads it
    # from its environment; runs started before the setting existed decode with the regular activity.
    projection: ProjectionMode = "activity"
    # Set when the API recorded the submission itself; None when the workflow is submitted by an Update.
    submitted: SubmissionRecorded | None = None


class NotifyInput(BaseModel):
    """A reminder, escalation or prompt to store (and mail) for everyone it concerns."""

    application_id: int
    kind: Literal["reminder", "escalation", "planned_date_passed", "step_overdue", "lapsed", "missed"]
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
    note: str | None = None
    notify_ids: list[int] = Field(default_factory=list, description="stored notifications to mail (a query's)")


class AnnualReportReviewed(BaseModel):
    actor: Actor
    report_id: int
    fiscal_year: int
    outcome: Literal["confirm", "query"]
    note: str | None = None
    notify_ids: list[int] = Field(default_factory=list)


class ReportAnswered(BaseModel):
    """The company answered a query about a report (and may have corrected it: a new version, the old kept)."""

    actor: Actor
    report_kind: Literal["acquisition", "annual"]
    report_id: int
    version: int
    corrected: bool = False
    equipment_item_id: int | None = None
    fiscal_year: int | None = None
    attachments: int = 0
    notify_ids: list[int] = Field(default_factory=list)


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
    def _range(self) -> CouncilAgree:
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
    def _window(self) -> Designate:
        if self.acquisition_until < self.acquisition_from:
            raise ValueError(
                "acquisition_until must not be before acquisition_from / 取得期限は取得開始日以降にしてください"
            )
        return self


class FollowUpComplete(_Fields):
    reason: str | None = None
    # Completing while a deadline is open or missed or a report unreviewed is refused unless the official
    # says why here (services.core.follow_up.open_items; issue 20).
    override_reason: str | None = None


DECISION_FIELDS: dict[Status, dict[str, type[_Fields]]] = {
    Status.intake_review: {"accept": IntakeAccept, "return": ReasonRequired, "reject": ReasonRequired},
    # not_required: only for an application back from a national-review return whose consulted content is
    # unchanged; the secretariat records why (docs/plan-changes.md, "The way back from the Cabinet Office").
    Status.council_consultation: {"agree": CouncilAgree, "return": CouncilReturn, "reject": CouncilReturn,
                                  "not_required": ReasonRequired},
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


class ApplicationState(BaseModel):
    """The workflow's state as it shows it (WorkflowState.snapshot): the answer of its query and of every
    update, and the state each TransitionRecord leaves behind."""

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
    # The full set; None only in a TransitionRecord whose event left every deadline as it was.
    deadlines: list[DeadlineInfo] | None = Field(default_factory=list)
    settled_items: list[int] = Field(default_factory=list)
    run_number: int = 1


class TransitionRecord(ApplicationState):
    """One audited event and the state it leaves behind (the event's seq is that state's last_seq); written
    idempotently by (application, seq). `deadlines` is None when the event changed none of them."""

    kind: str  # submitted | decision | resubmitted | withdrawn | lapsed | step_overdue | deadline_missed | …
    step: Status | None = None
    outcome: str | None = None
    actor: Actor | None = None
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime
    content_version: int | None = None

    @computed_field  # serialised too, so a worker still running the previous version reads a new record
    @property
    def seq(self) -> int:
        return self.last_seq

    @model_validator(mode="before")
    @classmethod
    def _previous_shape(cls, data: Any) -> Any:
        """A record scheduled by the previous version (v0.1.0) named its seq `seq`; a retry still brings it."""
        if isinstance(data, dict) and "seq" in data and "last_seq" not in data:
            data = {**data, "last_seq": data["seq"]}
        return data


# --- filing rounds (計画変更の申請): one workflow per round and phase -----------------------------------------


class FilingRoundInput(BaseModel):
    """The round's intent (dates, reference, returns) is in the database before the workflow starts; the
    workflow only says which applications to decide, as whom (the official who filed or certified the
    round), `decisions_at_once` at a time."""

    round_id: int
    phase: RoundPhase
    acting_user_id: int
    application_ids: list[int]
    decisions_at_once: int = Field(default=4, ge=1)


class RoundApplicationDecision(BaseModel):
    """One application's decision in a round's phase (the activity reads the rest from the round)."""

    round_id: int
    phase: RoundPhase
    acting_user_id: int
    application_id: int


class RoundApplicationOutcome(BaseModel):
    application_id: int
    state: str  # the application's state in the round afterwards: filed | certified | returned | dropped


class RoundPhaseDone(BaseModel):
    round_id: int
    phase: RoundPhase


class FilingRoundResult(BaseModel):
    round_id: int
    phase: RoundPhase
    applications: list[RoundApplicationOutcome]
