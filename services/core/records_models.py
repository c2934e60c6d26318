"""Tables of the plan's records: the regional council and its consultations (別添6), filing rounds
(計画変更の申請) and the audit of document exports.

Consultations come from two places: the plan as printed (loaded from data/seed-plan.json) and the council
decisions of the workflow (synchronised from the `decisions` rows the worker writes). `key` says which, so
both loads are idempotent.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.models import UTCDateTime, utcnow


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


class FilingRound(SQLModel, table=True):
    """計画変更の申請: applications that passed the council, filed with the Cabinet Office together."""

    __tablename__ = "filing_rounds"

    id: int | None = Field(default=None, primary_key=True)
    title: str
    government: str = Field(index=True, description="the filing government: kanagawa | yokohama | kawasaki")
    status: str = Field(default="open", description="open | filing | filed | certifying | certified")
    filed_on: date | None = None
    filing_reference: str | None = None
    certified_on: date | None = None
    certification_reference: str | None = None
    created_by: int = Field(foreign_key="users.id")
    filed_by: int | None = Field(default=None, foreign_key="users.id")
    certified_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    filed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    certified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FilingRoundApplication(SQLModel, table=True):
    """An application in a round and what became of it there."""

    __tablename__ = "filing_round_applications"
    __table_args__ = (UniqueConstraint("round_id", "application_id", name="uq_filing_round_applications_round_app"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="filing_rounds.id", index=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    state: str = Field(default="included", description="included | filed | certified | returned")
    return_reason: str | None = None
    added_by: int = Field(foreign_key="users.id")
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DocumentExport(SQLModel, table=True):
    """Audit of exports that contain undisclosed information (internal audience): who, what, when."""

    __tablename__ = "document_exports"

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    format: str
    audience: str
    round_id: int | None = Field(default=None, foreign_key="filing_rounds.id")
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    actor: str = Field(description="username, or cli:<os user> for the command line")
    channel: str = Field(description="api | cli")
    filename: str
    sha256: str
    size_bytes: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
