"""Notifications: the durable outbox of reminders and escalations, one row per recipient, and its mail status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.accounts import models as _accounts_tables  # noqa: F401 - tables its foreign keys name
from services.core.applications import models as _applications_tables  # noqa: F401 - tables its foreign keys name
from services.core.loans import models as _loans_tables  # noqa: F401 - tables its foreign keys name
from services.core.platform.tables import UTCDateTime, utcnow


class Notification(SQLModel, table=True):
    """A reminder or escalation for one user, about an application or a loan: stored first, then mailed (retried
    until the relay takes it)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    application_id: int | None = Field(default=None, foreign_key="applications.id", index=True)
    loan_id: int | None = Field(default=None, foreign_key="loans.id", index=True,
                                description="a subsidised loan's claim deadline (application_id is then empty)")
    deadline_key: str | None = None
    kind: str = Field(description="reminder | escalation | step_overdue | lapsed | …")
    lead_days: float | None = None
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    subject: str
    body: str
    link: str
    dedupe_key: str = Field(description="one row per (application, deadline, due date, lead, user)")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mail_status: str = Field(default="not_configured", description="not_configured | pending | sent | failed")
    mail_attempts: int = 0
    mailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mail_error: str | None = None
