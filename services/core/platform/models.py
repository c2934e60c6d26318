"""Idempotency keys, kept in the database: production runs several API processes behind a proxy, and a
key that only one of them knew would be no guarantee at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.accounts import models as _accounts_tables  # noqa: F401 - tables its foreign keys name
from services.core.platform.tables import UTCDateTime, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """What a caller's Idempotency-Key created the first time (a report, a review), so a retry returns it."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "operation", "key", name="uq_idempotency_records_user_op_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    operation: str = Field(description="what the key was used for, e.g. acquisition:12 (application 12)")
    key: str = Field(max_length=200)
    resource_id: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
