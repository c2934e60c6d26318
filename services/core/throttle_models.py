"""Tables of the reliability work: failed sign-ins (login throttling) and idempotency keys.

Both live in the database, not in one process's memory: production runs several API processes behind a
proxy, and a limit or a key that only one of them knew would be no limit at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.models import UTCDateTime, utcnow


class LoginFailure(SQLModel, table=True):
    """One refused sign-in; counted per (username, client address) over a sliding window."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_ip_at", "username", "client_ip", "failed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100)
    client_ip: str = Field(max_length=64)
    failed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


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
