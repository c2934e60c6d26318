"""Loans' request and response shapes: LoanCreate / LoanPublic, ClaimCreate / ClaimPublic, the ledger."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn as corporate_number

from workflows.contracts import JpDate
from workflows.loan_contracts import LoanStep

PLAN_PROJECTS = ("1/4", "2/4", "3/4", "4/4")  # the plan's 別紙1-5 pages
RATE_DIGITS = Decimal("0.001")


def to_millipercent(percent: Decimal) -> int:
    return int(percent * 1000)


class LoanCreate(BaseModel):
    """POST /loans (lender): the loan as the institution made it, and the plan project it serves."""

    model_config = ConfigDict(extra="forbid")

    borrower_corporate_number: str = Field(description="法人番号 of the borrower: 13 digits with check digit")
    borrower_name: str = Field(min_length=1, max_length=200)
    plan_project: str = Field(description="the plan's 別紙1-5 project by its page: 1/4, 2/4, 3/4 or 4/4")
    principal_jpy: int = Field(gt=0, le=10**13, description="the amount lent, in yen")
    first_drawdown_on: JpDate = Field(description="the day of the first loan (the five years count from it)")
    interest_rate_percent: Decimal = Field(gt=0, lt=100, description="the loan's interest rate, % a year")
    subsidy_rate_percent: Decimal | None = Field(
        default=None, ge=0, lt=100, description="the subsidy rate asked for, % a year (default: the cap, or the "
                                                "loan's rate when lower); above the cap: 422 rate_cap")
    business_area: str = Field(min_length=1, max_length=300, description="where the borrower's project is carried out")

    @field_validator("borrower_corporate_number")
    @classmethod
    def _corporate_number(cls, value: str) -> str:
        try:
            return corporate_number.validate(value)
        except StdnumError:
            raise ValueError(f"法人番号「{value}」が正しくありません（13桁・チェックディジットを確認してください） / "
                             f"{value!r} is not a valid corporate number (13 digits with check digit)") from None

    @field_validator("plan_project")
    @classmethod
    def _plan_project(cls, value: str) -> str:
        squeezed = value.replace(" ", "")
        if squeezed not in PLAN_PROJECTS:
            raise ValueError(f"plan_project must be one of {', '.join(PLAN_PROJECTS)} (the plan's 別紙1-5 pages) / "
                             f"計画の別紙1-5の事業（{'、'.join(PLAN_PROJECTS)}）から選んでください")
        return squeezed

    @field_validator("interest_rate_percent", "subsidy_rate_percent")
    @classmethod
    def _three_decimals(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value.quantize(RATE_DIGITS) != value:
            raise ValueError("a rate has at most three decimals (0.725) / 利率は小数点以下3桁までで入力してください")
        return value


class ClaimCreate(BaseModel):
    """POST /loans/{id}/claims (lender): one fiscal year's actual balance and interest."""

    model_config = ConfigDict(extra="forbid")

    fiscal_year: int = Field(ge=2000, le=2100, description="the fiscal year claimed for (April to March)")
    average_balance_jpy: int = Field(ge=0, le=10**13, description="the average actual balance over the days of "
                                                                  "the year inside the five years")
    interest_paid_jpy: int = Field(ge=0, le=10**13, description="the interest the borrower actually paid that year")


class LoanDecisionRequest(BaseModel):
    """POST /loans/{id}/decisions: step and outcome, plus the step's own fields (docs/interest-subsidy.md)."""

    model_config = ConfigDict(extra="allow")

    step: LoanStep
    outcome: str = Field(min_length=1, max_length=40)


class LedgerRow(BaseModel):
    loan_id: int
    lender: str
    borrower_name: str
    plan_project: str
    fiscal_year: int
    state: str
    claim_due_at: datetime | None = None
    deadline_state: str | None = None
    eligible_days: int | None = None
    average_balance_jpy: int | None = None
    interest_paid_jpy: int | None = None
    subsidy_rate_percent: Decimal | None = None
    subsidy_due_jpy: int | None = None
    claimed_jpy: int | None = None
    approved_jpy: int | None = None
    paid_jpy: int | None = None
    paid_on: date | None = None
    rule_findings: list[dict[str, Any]] = Field(default_factory=list)


class ClaimPublic(LedgerRow):
    subsidy_jpy: int


class LoanEventPublic(BaseModel):
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


class LoanPublic(BaseModel):
    id: int
    lender_organization_id: int
    lender: str
    borrower_corporate_number: str
    borrower_name: str
    plan_project: str
    plan_project_name: str
    principal_jpy: int
    first_drawdown_on: date
    interest_rate_percent: Decimal
    subsidy_rate_percent: Decimal
    business_area: str
    zone_area_key: str
    government: str
    status: str
    current_step: str | None
    contracted_on: date | None
    contract_fiscal_year: int | None
    contract_total_jpy: int | None
    eligible_from: date
    eligible_until: date
    created_at: datetime
    updated_at: datetime
    events: list[LoanEventPublic] | None = None
    ledger: list[LedgerRow] | None = None


class LedgerTotals(BaseModel):
    subsidy_due_jpy: int
    claimed_jpy: int
    approved_jpy: int
    paid_jpy: int


class LedgerReport(BaseModel):
    rows: list[LedgerRow]
    by_plan_project: dict[str, LedgerTotals]
    by_fiscal_year: dict[int, LedgerTotals]
