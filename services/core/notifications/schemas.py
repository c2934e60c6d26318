"""Response shapes of notifications."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class NotificationPublic(BaseModel):
    id: int
    application_id: int | None
    loan_id: int | None = None
    kind: str
    deadline_key: str | None
    lead_days: float | None
    due_at: datetime | None
    subject: str
    body: str
    link: str
    created_at: datetime
    read: bool
    mail_status: str
