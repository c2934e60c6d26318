"""Filing rounds (計画変更の申請): the round, the applications in it, and the states each goes through."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.accounts import models as _accounts_tables  # noqa: F401 - tables its foreign keys name
from services.core.applications import models as _applications_tables  # noqa: F401 - tables its foreign keys name
from services.core.platform.tables import UTCDateTime, utcnow


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


class FilingRoundConfirmation(SQLModel, table=True):
    """One government's confirmation of its own applications in a round (the plan is one joint plan of the
    prefecture and both cities, filed once): which applications it confirmed, who, when. A confirmation of a
    set the round no longer holds (applications added or removed since) does not count at filing."""

    __tablename__ = "filing_round_confirmations"
    __table_args__ = (UniqueConstraint("round_id", "government", name="uq_filing_round_confirmations_round_gov"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="filing_rounds.id", index=True)
    government: str = Field(description="kanagawa | yokohama | kawasaki: whose applications are confirmed")
    application_ids: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    confirmed_by: int = Field(foreign_key="users.id")
    confirmed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# Round states, in order; an application's state inside a round.
OPEN, FILING, FILED, CERTIFYING, CERTIFIED = "open", "filing", "filed", "certifying", "certified"
INCLUDED, IN_FILING, CERTIFIED_APP, RETURNED, DROPPED = "included", "filed", "certified", "returned", "dropped"
ACTIVE_APP_STATES = (INCLUDED, IN_FILING)
ROUND_LABELS_JA = {OPEN: "作成中", FILING: "申請処理中", FILED: "申請済", CERTIFYING: "認定処理中",
                   CERTIFIED: "認定済"}
