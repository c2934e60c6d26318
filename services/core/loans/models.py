"""Loans' tables: the subsidised loan and its projection, its append-only event log, and the ledger — one row
per loan and fiscal year. Temporal owns the process (workflows/loan.py); these rows mirror it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.accounts import models as _accounts_tables  # noqa: F401 - tables its foreign keys name
from services.core.platform.tables import UTCDateTime, utcnow


class Loan(SQLModel, table=True):
    """A loan a designated institution made for one of the plan's 別紙1-5 projects, and where its process is."""

    __tablename__ = "loans"
    __table_args__ = (Index("ix_loans_status_step", "status", "current_step"),)

    id: int | None = Field(default=None, primary_key=True)
    lender_organization_id: int = Field(foreign_key="organizations.id", index=True)
    created_by: int = Field(foreign_key="users.id")
    borrower_corporate_number: str = Field(max_length=13)
    borrower_name: str = Field(max_length=200)
    plan_project: str = Field(max_length=8, description="the 別紙1-5 page of the plan's project: 1/4 … 4/4")
    principal_jpy: int = Field(sa_type=BigInteger)
    first_drawdown_on: date
    interest_rate_millipercent: int = Field(description="the loan's rate, in thousandths of a percent")
    subsidy_rate_millipercent: int = Field(description="the subsidy rate asked for, at most the cap")
    business_area: str = Field(max_length=300)
    zone_area_key: str = Field(max_length=40)
    government: str = Field(index=True)
    status: str
    current_step: str | None = None
    reached_cabinet_office: bool = Field(default=False, description="recommended once: the Cabinet Office sees it")
    contracted_on: date | None = None
    contract_fiscal_year: int | None = None
    contract_total_jpy: int | None = Field(default=None, sa_type=BigInteger)
    last_seq: int = 0
    workflow_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoanEvent(SQLModel, table=True):
    """The loan's audit trail: append-only; (loan, seq) is unique so a retried activity adds nothing."""

    __tablename__ = "loan_events"
    __table_args__ = (UniqueConstraint("loan_id", "seq", name="uq_loan_events_loan_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loans.id", index=True)
    seq: int
    kind: str
    step: str | None = None
    outcome: str | None = None
    actor_user_id: int | None = None
    actor_username: str | None = None
    actor_role: str | None = None
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status_after: str
    occurred_at: datetime = Field(sa_type=UTCDateTime)


class LoanLedgerEntry(SQLModel, table=True):
    """One fiscal year of one loan: its claim deadline, then what was claimed, approved and paid."""

    __tablename__ = "loan_ledger"
    __table_args__ = (UniqueConstraint("loan_id", "fiscal_year", name="uq_loan_ledger_loan_year"),)

    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loans.id", index=True)
    fiscal_year: int
    claim_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deadline_state: str | None = None
    state: str = Field(default="open", description="open | claimed | approved | rejected | paid | missed | closed")
    eligible_days: int | None = None
    average_balance_jpy: int | None = Field(default=None, sa_type=BigInteger)
    interest_paid_jpy: int | None = Field(default=None, sa_type=BigInteger)
    subsidy_rate_millipercent: int | None = None
    subsidy_due_jpy: int | None = Field(default=None, sa_type=BigInteger)
    claimed_jpy: int | None = Field(default=None, sa_type=BigInteger)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_jpy: int | None = Field(default=None, sa_type=BigInteger)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paid_jpy: int | None = Field(default=None, sa_type=BigInteger)
    paid_on: date | None = None
    rule_findings: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
