"""What crosses the loan workflow's boundary: statuses, steps, decisions, claims, its state and its records.

One workflow per subsidised loan (国際戦略総合特区支援利子補給金, docs/interest-subsidy.md). Status and step names
are public API. Everything is pydantic, shared by the workflow, the worker and the API.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field, model_validator

from workflows.contracts import Actor, DeadlineInfo, Government, JpDate, Role, _Fields

LOAN_WORKFLOW_NAME = "LoanWorkflow"
RECORD_LOAN_EVENT_ACTIVITY = "record_loan_event"
NOTIFY_LOAN_ACTIVITY = "notify_loan"


def loan_workflow_id(loan_id: int) -> str:
    """One workflow per loan; the id is derived, so starting twice is a no-op."""
    return f"loan-{loan_id}"


class LoanStatus(StrEnum):
    recommendation = "recommendation"  # the responsible government recommends the business (事業者推薦)
    cabinet_office_review = "cabinet_office_review"  # the Cabinet Office approves: 利子補給契約
    servicing = "servicing"  # yearly claims, approvals and payments
    completed = "completed"
    rejected = "rejected"


LOAN_TERMINAL_STATUSES = frozenset({LoanStatus.completed, LoanStatus.rejected})


class LoanStep(StrEnum):
    recommendation = "recommendation"
    cabinet_office_review = "cabinet_office_review"
    claim_review = "claim_review"  # a claim awaits the Cabinet Office's approval of its amount
    payment = "payment"  # an approved claim awaits its payment


LOAN_STEP_ROLE: dict[LoanStep, Role] = {
    LoanStep.recommendation: Role.local_official,
    LoanStep.cabinet_office_review: Role.national_official,
    LoanStep.claim_review: Role.national_official,
    LoanStep.payment: Role.national_official,
}

LOAN_STATUS_LABELS_JA: dict[str, str] = {
    "recommendation": "地方公共団体の推薦", "cabinet_office_review": "内閣府の審査（利子補給契約）",
    "servicing": "利子補給中", "completed": "完了", "rejected": "不採択",
    "claim_review": "支給申請の審査", "payment": "支給",
}


class LoanSettings(BaseModel):
    rate_cap_millipercent: int = 700  # 年0.7%
    claim_due_month: int = 4  # the claim for fiscal year N is due on this month/day of N+1
    claim_due_day: int = 30
    reminder_lead_days: list[float] = Field(default_factory=lambda: [21, 7, 1])
    close_grace_days: float = 90  # open this long after the seventh fiscal year ends, then completed
    history_event_limit: int = 4000


ClaimStateName = Literal["claimed", "approved", "rejected", "paid"]


class ClaimState(BaseModel):
    fiscal_year: int
    state: ClaimStateName
    subsidy_jpy: int
    approved_jpy: int | None = None
    paid_jpy: int | None = None


class LoanWorkflowState(BaseModel):
    """Everything the workflow knows; continue-as-new carries it whole."""

    status: LoanStatus = LoanStatus.recommendation
    seq: int = 0
    deadlines: list[DeadlineInfo] = Field(default_factory=list)
    sent: list[str] = Field(default_factory=list)
    contracted_on: date | None = None
    contract_fiscal_year: int | None = None
    contract_total_jpy: int | None = None
    claims: list[ClaimState] = Field(default_factory=list)
    closes_at: datetime | None = None
    run_number: int = 1

    def claim(self, fiscal_year: int) -> ClaimState | None:
        return next((claim for claim in self.claims if claim.fiscal_year == fiscal_year), None)

    def current_step(self) -> LoanStep | None:
        """The decision waited for: the status's own step, else the oldest claim awaiting one."""
        if self.status in (LoanStatus.recommendation, LoanStatus.cabinet_office_review):
            return LoanStep(self.status.value)
        if self.status != LoanStatus.servicing:
            return None
        if any(claim.state == "claimed" for claim in self.claims):
            return LoanStep.claim_review
        if any(claim.state == "approved" for claim in self.claims):
            return LoanStep.payment
        return None

    def snapshot(self, loan_id: int) -> LoanState:
        return LoanState(loan_id=loan_id, status=self.status, current_step=self.current_step(),
                         contracted_on=self.contracted_on, contract_fiscal_year=self.contract_fiscal_year,
                         contract_total_jpy=self.contract_total_jpy, last_seq=self.seq, deadlines=self.deadlines,
                         claims=self.claims, closes_at=self.closes_at, run_number=self.run_number)


class LoanStart(BaseModel):
    loan_id: int
    lender_organization_id: int
    government: Government
    principal_jpy: int
    first_drawdown_on: date
    settings: LoanSettings = Field(default_factory=LoanSettings)
    carried: LoanWorkflowState | None = None


class LoanState(BaseModel):
    """The workflow's answer to its query and to every update, and the state each LoanRecord leaves."""

    loan_id: int
    status: LoanStatus
    current_step: LoanStep | None = None
    contracted_on: date | None = None
    contract_fiscal_year: int | None = None
    contract_total_jpy: int | None = None
    last_seq: int = 0
    deadlines: list[DeadlineInfo] | None = Field(default_factory=list)  # None in a record: unchanged
    claims: list[ClaimState] = Field(default_factory=list)
    closes_at: datetime | None = None
    run_number: int = 1


class LoanRecord(LoanState):
    """One audited event and the state it leaves; written idempotently by (loan, seq)."""

    kind: str  # registered | decision | claim_filed | claim_deadline_missed | completed
    step: LoanStep | None = None
    outcome: str | None = None
    actor: Actor | None = None
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime

    @computed_field
    @property
    def seq(self) -> int:
        return self.last_seq


# --- decisions: one model per (step, outcome) --------------------------------------------------------------


class Recommend(_Fields):
    reason: str | None = None
    recommended_on: JpDate
    reference: str = Field(min_length=1, max_length=200)


class LoanReject(_Fields):
    reason: str = Field(min_length=1, max_length=2000, description="why the loan is not subsidised")


class Approve(_Fields):
    reason: str | None = None
    contracted_on: JpDate
    reference: str = Field(min_length=1, max_length=200)
    contract_total_jpy: int = Field(gt=0, le=10**13, description="the contract's total (第28条第5項)")


class ClaimApprove(_Fields):
    reason: str | None = None
    fiscal_year: int = Field(ge=2000, le=2100)
    approved_jpy: int | None = Field(default=None, ge=0, le=10**13,
                                     description="default: the subsidy due; never more")


class ClaimReject(_Fields):
    fiscal_year: int = Field(ge=2000, le=2100)
    reason: str = Field(min_length=1, max_length=2000)


class Pay(_Fields):
    reason: str | None = None
    fiscal_year: int = Field(ge=2000, le=2100)
    paid_on: JpDate


LOAN_DECISION_FIELDS: dict[LoanStep, dict[str, type[_Fields]]] = {
    LoanStep.recommendation: {"recommend": Recommend, "reject": LoanReject},
    LoanStep.cabinet_office_review: {"approve": Approve, "reject": LoanReject},
    LoanStep.claim_review: {"approve": ClaimApprove, "reject": ClaimReject},
    LoanStep.payment: {"pay": Pay},
}

LOAN_OUTCOME_NEXT: dict[LoanStep, dict[str, LoanStatus]] = {
    LoanStep.recommendation: {"recommend": LoanStatus.cabinet_office_review, "reject": LoanStatus.rejected},
    LoanStep.cabinet_office_review: {"approve": LoanStatus.servicing, "reject": LoanStatus.rejected},
    LoanStep.claim_review: {"approve": LoanStatus.servicing, "reject": LoanStatus.servicing},
    LoanStep.payment: {"pay": LoanStatus.servicing},
}


class LoanDecision(BaseModel):
    """A decision as the workflow receives it: `fields` already validated by LOAN_DECISION_FIELDS."""

    step: LoanStep
    outcome: str
    fields: dict[str, Any] = Field(default_factory=dict)
    actor: Actor

    @property
    def reason(self) -> str | None:
        return self.fields.get("reason")


class ClaimFiled(BaseModel):
    """A lender's claim for one fiscal year, with the amount the ledger computed (services/core/loans/ledger.py)."""

    actor: Actor
    fiscal_year: int = Field(ge=2000, le=2100)
    average_balance_jpy: int = Field(ge=0, le=10**13)
    interest_paid_jpy: int = Field(ge=0, le=10**13)
    subsidy_jpy: int = Field(ge=0)
    eligible_days: int = Field(ge=0)
    subsidy_rate_millipercent: int = Field(ge=0)
    rule_findings: list[dict[str, str]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _within_interest(self) -> ClaimFiled:
        if self.subsidy_jpy > self.interest_paid_jpy:
            raise ValueError("subsidy_jpy must not exceed interest_paid_jpy / 利子補給金は支払利子額を超えられません")
        return self


class LoanNotifyInput(BaseModel):
    """A reminder or escalation about a loan's claim deadline, for everyone it concerns."""

    loan_id: int
    kind: Literal["reminder", "escalation"]
    audience: Literal["lender", "officials"]
    deadline_key: str
    settled_by: str
    due_at: datetime
    lead_days: float | None = None
    fiscal_year: int | None = None
    scheduled_at: datetime
