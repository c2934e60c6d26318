"""Tables of the follow-up: acquisition and annual reports, deadlines and calendar tokens.

Reports are content (the company's words, kept whatever the rules find); deadlines are the projection of
the workflow's deadline state."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.accounts import models as _accounts_tables  # noqa: F401 - tables its foreign keys name
from services.core.applications import models as _applications_tables  # noqa: F401 - tables its foreign keys name
from services.core.platform.tables import UTCDateTime, utcnow


class AcquisitionReport(SQLModel, table=True):
    """An equipment acquisition as the company reported it (別紙1-2 d item settled, or an unplanned one)."""

    __tablename__ = "acquisition_reports"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    equipment_item_id: int | None = Field(default=None, foreign_key="equipment_items.id")
    asset_class: str
    description: str
    actual_cost_jpy: int = Field(sa_type=BigInteger)  # yen: a building passes ¥2.1 billion (int4)
    acquired_on: date
    in_service_on: date | None = None
    location: str
    # Reports naming the same building are judged together against the building minimum (建物・附属設備・構築物).
    building_name: str | None = Field(default=None, max_length=200)
    rule_findings: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    review_status: str = Field(default="pending", description="pending | confirmed | queried")
    review_note: str | None = None
    reported_by: int = Field(foreign_key="users.id")
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reviewed_by: int | None = Field(default=None, foreign_key="users.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AnnualReport(SQLModel, table=True):
    """事業実施状況報告: one per fiscal year of follow-up, with the figures the zone's targets need."""

    __tablename__ = "annual_reports"
    __table_args__ = (UniqueConstraint("application_id", "fiscal_year", name="uq_annual_reports_app_fy"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    fiscal_year: int
    investment_to_date_jpy: int = Field(default=0, sa_type=BigInteger)
    employees: int = 0
    international_trials: int = Field(default=0, description="国際共同治験数 in the year")
    products_launched: int = Field(default=0, description="新規事業化件数 in the year")
    training_participants: int = Field(default=0, description="研修等の参加者数 in the year")
    data_science: bool = Field(default=False, description="the project uses data science (target (2))")
    note: str | None = None
    review_status: str = Field(default="pending", description="pending | confirmed | queried")
    review_note: str | None = None
    submitted_by: int = Field(foreign_key="users.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reviewed_by: int | None = Field(default=None, foreign_key="users.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Deadline(SQLModel, table=True):
    """The projection of one deadline the workflow watches (its state is the workflow's)."""

    __tablename__ = "deadlines"
    __table_args__ = (
        UniqueConstraint("application_id", "key", name="uq_deadlines_application_key"),
        Index("ix_deadlines_state_due", "state", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    key: str = Field(description="stable name inside the application, e.g. acquisition:item:3, annual:2023")
    kind: str = Field(description="acquisition_window | planned_acquisition | annual_report | revision_request | "
                                  "step_target")
    due_at: datetime = Field(sa_type=UTCDateTime)
    original_due_at: datetime = Field(sa_type=UTCDateTime)
    settled_by: str = Field(description="what settles it, in words")
    state: str = Field(description="open | met | missed | extended | cancelled")
    equipment_item_id: int | None = None
    fiscal_year: int | None = None
    extension_reason: str | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CalendarToken(SQLModel, table=True):
    """The secret in an organisation's calendar URL (deadlines.ics), so calendar apps can subscribe."""

    __tablename__ = "calendar_tokens"

    organization_id: int = Field(foreign_key="organizations.id", primary_key=True)
    token: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportMessage(SQLModel, table=True):
    """One step of the conversation about a report: the official's query (照会) and the company's answer, with
    the documents attached to it (issue 20, "Queries are conversations")."""

    __tablename__ = "report_messages"
    __table_args__ = (Index("ix_report_messages_report", "report_kind", "report_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    report_kind: str = Field(description="acquisition | annual")
    report_id: int
    kind: str = Field(description="query | answer")
    note: str
    corrected: bool = False
    version: int = Field(default=1, description="the report's version this message left it at")
    attachment_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    author_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportVersion(SQLModel, table=True):
    """A report's content as it was before the company corrected it (the report row holds the current one)."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_kind", "report_id", "version", name="uq_report_versions_version"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    report_kind: str
    report_id: int
    version: int
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    replaced_by: int = Field(foreign_key="users.id")
    replaced_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
