"""Applications' tables: content and its versions, planned equipment, the status projection, the event log
(audit) and decision payloads. Temporal owns the process; these rows mirror it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.accounts import models as _accounts_tables  # noqa: F401 - tables its foreign keys name
from services.core.platform.tables import UTCDateTime, utcnow


class Application(SQLModel, table=True):
    """The content a company owns: edited as a draft or when returned; versioned on each (re)submission."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("created_by", "idempotency_key", name="uq_applications_created_by_idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organizations.id", index=True)
    created_by: int = Field(foreign_key="users.id")
    idempotency_key: str | None = None
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    content_version: int = 1
    measure: str | None = None
    project_name: str | None = None
    government: str | None = Field(default=None, index=True)
    # The zone's area (data/zone-areas.json key) the business area was matched to when it was saved; kept while
    # the address is unchanged, never re-derived when the area data changes (`tokku zone-report`, docs/zone.md).
    zone_area: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApplicationVersion(SQLModel, table=True):
    """A frozen copy of the content as submitted or resubmitted: what officials decided on."""

    __tablename__ = "application_versions"
    __table_args__ = (UniqueConstraint("application_id", "version", name="uq_application_versions_app_version"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    version: int
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EquipmentItem(SQLModel, table=True):
    """Planned equipment items (別紙1-2 d), kept as rows so follow-up can settle each one."""

    __tablename__ = "equipment_items"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    position: int
    asset_class: str
    description: str
    planned_cost_jpy: int = Field(sa_type=BigInteger)  # yen: a building passes ¥2.1 billion (int4)
    planned_acquisition_on: date | None = None


class ApplicationStatus(SQLModel, table=True):
    """The status projection, written by the workflow's activity (the API writes only the draft row)."""

    __tablename__ = "application_status"
    __table_args__ = (
        Index("ix_application_status_status_app", "status", "application_id"),
        Index("ix_application_status_step_due", "current_step", "step_due_at"),
        # The inbox reads each step's rows in due order (services/core/inbox_query.py; migration 0004).
        Index("ix_application_status_status_due", "status", "step_due_at", "application_id"),
    )

    application_id: int = Field(foreign_key="applications.id", primary_key=True)
    status: str
    current_step: str | None = None
    government: str | None = None
    organization_id: int = Field(foreign_key="organizations.id", index=True)
    step_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revision_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    returned_from: str | None = None
    furthest_step: str | None = None
    furthest_rank: int = Field(default=0, description="progress rank of the furthest step reached (visibility)")
    last_seq: int = 0
    workflow_id: str | None = None
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # TOKKU_INTAKE_MODE=api_transaction: the input the workflow is started with (its recorded submission), and
    # whether that start is still to be confirmed (the worker's sweep starts what the API did not).
    start_input: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    start_pending: bool = Field(default=False, index=True)


class Event(SQLModel, table=True):
    """The audit trail: append-only; (application, seq) is unique so a retried activity adds nothing."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("application_id", "seq", name="uq_events_application_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
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


class Decision(SQLModel, table=True):
    """Each official decision's payload (council method and opinions, filing reference, designation…)."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("application_id", "event_seq", name="uq_decisions_application_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    event_seq: int
    step: str
    outcome: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime = Field(sa_type=UTCDateTime)


class SetAsideEvent(SQLModel, table=True):
    """An event `tokku reconcile` took out of the log because the application's workflow never made that
    transition (the database was ahead of a restored Temporal): kept whole, with when and why, so the audit
    trail loses nothing. Append-only like the log."""

    __tablename__ = "events_set_aside"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(description="its id in events")
    application_id: int = Field(foreign_key="applications.id", index=True)
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
    set_aside_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    set_aside_because: str
