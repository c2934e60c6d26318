"""The regional council (地域協議会) and its consultations (別添6).

Consultations come from two places: the plan as printed (loaded from data/seed-plan.json) and the council
decisions of the workflow (projected from the `decisions` rows the worker writes). `key` says which, so
both loads are idempotent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.applications import models as _applications_tables  # noqa: F401 - tables its foreign keys name
from services.core.platform.tables import UTCDateTime, utcnow


class Council(SQLModel, table=True):
    """地域協議会: name, date established, and how the plan refers to its member list."""

    __tablename__ = "councils"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    established_on: date | None = None
    established_text: str | None = Field(default=None, description="as printed, e.g. 平成23年3月9日")
    members_text: str | None = Field(default=None, description="構成員 cell of 別添6, e.g. 別紙のとおり")
    members_list_title: str | None = None
    members_note: str | None = None
    members_as_of: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CouncilMember(SQLModel, table=True):
    """One row of the member list (名簿), by category; names of people are not kept, only affiliations."""

    __tablename__ = "council_members"
    __table_args__ = (UniqueConstraint("council_id", "position", name="uq_council_members_council_position"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="councils.id", index=True)
    position: int
    category: str = Field(description="会長 | 事業実施者等 | 経済団体 | その他関係者 | 地方公共団体")
    category_text: str | None = None
    affiliation_and_title: str | None = None


class Consultation(SQLModel, table=True):
    """One consultation (協議) of the council: numbered, held on a day or over a range, with its method,
    the opinions heard and the responses to them, in order."""

    __tablename__ = "consultations"
    __table_args__ = (
        UniqueConstraint("council_id", "no", name="uq_consultations_council_no"),
        UniqueConstraint("council_id", "key", name="uq_consultations_council_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="councils.id", index=True)
    no: int = Field(description="① is 1: the order the plan prints them in")
    key: str = Field(description="plan:<no> for the printed ones; method:from:to for those from decisions")
    label: str = Field(description="第1回 for meetings, the months (6月～9月) otherwise")
    held_from: date
    held_to: date
    date_precision: str = Field(default="day", description="day | month (the plan gives some as months only)")
    date_text: str = Field(description="Japanese-era date as printed: 平成23年3月9日, 令和4年5月")
    method: str = Field(description="meeting | individual_visits | ict | individual_visits_and_ict")
    method_text: str
    opinions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    responses: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="plan", description="plan | workflow")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConsultationDecision(SQLModel, table=True):
    """Which council decision of which application a consultation records (one decision, one consultation)."""

    __tablename__ = "consultation_decisions"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    decision_id: int = Field(foreign_key="decisions.id", unique=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    outcome: str
